"""Runs the adapter contract (`contract.py`) against every adapter.

To add an adapter, write a builder that turns `ContractData` into a ready adapter
(loading the rows into its database or mock first) and add one entry to `BUILDERS`.
A builder whose service is not reachable calls `pytest.skip` with the reason.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
import pytest_asyncio

from erp_adapters.base import ErpAdapter
from erp_adapters.csv import CsvAdapter
from erp_adapters.soap.adapter import SoapAdapter
from erp_adapters.soap.mock.server import build_mock, start_mock

from .contract import CHECKS, CONTRACT_DATA, Check, ContractData
from .sql_contract import SQL_BUILDERS, sql_contract_databases  # noqa: F401 (fixture)


@asynccontextmanager
async def csv_adapter(data: ContractData) -> AsyncIterator[ErpAdapter]:
    adapter = CsvAdapter(data.accounts_csv, data.contacts_csv)
    try:
        yield adapter
    finally:
        await adapter.close()


@asynccontextmanager
async def soap_adapter(data: ContractData) -> AsyncIterator[ErpAdapter]:
    password = secrets.token_urlsafe(16)
    mock = build_mock(
        data.accounts_csv, data.contacts_csv, username="contract", password=password
    )
    running = await start_mock(mock, username="contract", password=password)
    adapter = SoapAdapter.from_settings(running.adapter_options())
    try:
        yield adapter
    finally:
        await adapter.close()
        await running.stop()


Builder = Callable[[ContractData], AbstractAsyncContextManager[ErpAdapter]]
BUILDERS: dict[str, Builder] = {
    "csv": csv_adapter,
    **SQL_BUILDERS,
    "soap": soap_adapter,
}


@pytest_asyncio.fixture(params=sorted(BUILDERS))
async def adapter(request: pytest.FixtureRequest) -> AsyncIterator[ErpAdapter]:
    async with BUILDERS[request.param](CONTRACT_DATA) as built:
        yield built


def test_every_builder_gives_an_erp_adapter() -> None:
    # when / then
    assert all(callable(build) for build in BUILDERS.values())
    assert isinstance(CsvAdapter(CONTRACT_DATA.accounts_csv), ErpAdapter)


@pytest.mark.asyncio
@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__[6:])
async def test_contract(adapter: ErpAdapter, check: Check) -> None:
    await check(adapter)
