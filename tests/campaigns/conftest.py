"""Fixtures for campaigns: an installation in the test's own database, the CSV ERP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.campaigns.invites import InviteStore
from connector.store.installations import Installation, InstallationStore
from erp_adapters.csv import CsvAdapter

DATA = Path(__file__).resolve().parents[2] / "erp_adapters" / "data"
API_URL = "https://shop.example.com/graphql/"


@pytest.fixture
async def installation(
    sessions: async_sessionmaker[AsyncSession],
) -> Installation:
    """One installed store."""
    store = InstallationStore(sessions, "test-secret")
    return await store.save(API_URL, "QXBwOjE=", "shop.example.com", "token", "{}")


@pytest.fixture
def invite_store(sessions: async_sessionmaker[AsyncSession]) -> InviteStore:
    """The invites table of the test's own database."""
    return InviteStore(sessions)


@pytest.fixture
async def erp() -> AsyncIterator[CsvAdapter]:
    """The bundled demo ERP: 300 accounts and their contacts."""
    adapter = CsvAdapter(DATA / "accounts.csv", DATA / "contacts.csv")
    yield adapter
    await adapter.close()
