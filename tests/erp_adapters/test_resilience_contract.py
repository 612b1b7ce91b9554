"""The guard changes no answer: the adapter contract holds through it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from erp_adapters.base import ErpAdapter
from erp_adapters.csv import CsvAdapter
from erp_adapters.resilience import ResilientAdapter

from .contract import CHECKS, CONTRACT_DATA, Check


@pytest_asyncio.fixture
async def guarded() -> AsyncIterator[ErpAdapter]:
    inner = CsvAdapter(CONTRACT_DATA.accounts_csv, CONTRACT_DATA.contacts_csv)
    adapter = ResilientAdapter(inner)
    yield adapter
    await adapter.close()


def test_the_guard_is_an_erp_adapter(guarded: ErpAdapter) -> None:
    # then
    assert isinstance(guarded, ErpAdapter)
    assert guarded.name == "csv"


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__[6:])
async def test_contract(guarded: ErpAdapter, check: Check) -> None:
    await check(guarded)
