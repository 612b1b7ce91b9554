"""Fixtures for the SQL adapter's tests: a loaded NAV database, captured logs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, MutableMapping
from typing import Any

import pytest
import pytest_asyncio
import structlog
from structlog.testing import capture_logs

from erp_adapters.sql import adapter as adapter_module

from ..contract import CONTRACT_DATA
from ..sql_support import KINDS, ErpDatabase, erp_database, load_nav


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=KINDS)
async def nav(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ErpDatabase]:
    """The contract data in NAV's tables, one database of each kind per module."""
    async with erp_database(request.param, tmp_path_factory.mktemp("nav")) as db:
        await load_nav(db, CONTRACT_DATA)
        yield db


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[MutableMapping[str, Any]]]:
    """The adapter's structlog events during the test."""
    with capture_logs() as captured:
        # a logger cached by an earlier configure_logging() would bypass the capture
        monkeypatch.setattr(adapter_module, "_log", structlog.get_logger("sql-test"))
        yield captured
