"""A SOAP mock ERP over the contract data, on a real loopback socket, per test."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from erp_adapters.soap.adapter import SoapAdapter
from erp_adapters.soap.mock.server import RunningMock, build_mock, start_mock

from ..contract import CONTRACT_DATA

USERNAME = "erplink-test"


@pytest.fixture
async def running() -> AsyncIterator[RunningMock]:
    """The mock with a fresh password; its `mock.switches` make it misbehave."""
    password = secrets.token_urlsafe(16)
    mock = build_mock(
        CONTRACT_DATA.accounts_csv,
        CONTRACT_DATA.contacts_csv,
        username=USERNAME,
        password=password,
        seed=7,
    )
    served = await start_mock(mock, username=USERNAME, password=password)
    yield served
    await served.stop()


@pytest.fixture
async def adapter(running: RunningMock) -> AsyncIterator[SoapAdapter]:
    """The soap adapter logged in to the mock, with a short timeout."""
    built = SoapAdapter.from_settings({**running.adapter_options(), "timeout_s": "2"})
    yield built
    await built.close()
