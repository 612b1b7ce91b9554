"""The SQL adapter's builders for the contract suite, one per database kind.

The contract data is loaded once per test module into NAV-shaped tables of a fresh
database of each kind (`sql_contract_databases`, module scope); each contract test
then opens its own adapter over it. A kind whose server does not answer skips (fails
under CI) in its builder, so the other adapters still run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest
import pytest_asyncio

from erp_adapters.base import ErpAdapter
from erp_adapters.sql import SqlAdapter

from .contract import CONTRACT_DATA, ContractData
from .sql_support import (
    KINDS,
    ErpDatabase,
    answers,
    erp_database,
    load_nav,
    require_kind,
)

_LOADED: dict[str, ErpDatabase] = {}


@pytest_asyncio.fixture(scope="module", loop_scope="module", autouse=True)
async def sql_contract_databases(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[None]:
    """Each reachable kind of database, loaded with the contract data, for a module."""
    tmp: Path = tmp_path_factory.mktemp("sql-contract")
    async with AsyncExitStack() as stack:
        for kind in KINDS:
            if not answers(kind):
                continue
            database = await stack.enter_async_context(erp_database(kind, tmp))
            await load_nav(database, CONTRACT_DATA)
            _LOADED[kind] = database
        yield
        _LOADED.clear()


def _builder(
    kind: str,
) -> Callable[[ContractData], AbstractAsyncContextManager[ErpAdapter]]:
    @asynccontextmanager
    async def build(data: ContractData) -> AsyncIterator[ErpAdapter]:
        require_kind(kind)
        if data != CONTRACT_DATA:
            pytest.fail("the SQL builders load CONTRACT_DATA only")
        adapter = await SqlAdapter.open(_LOADED[kind].options())
        try:
            yield adapter
        finally:
            await adapter.close()

    return build


SQL_BUILDERS = {f"sql-{kind}": _builder(kind) for kind in KINDS}
