"""The migrations create exactly the tables the code declares, and keep the data."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from connector.store.database import MIGRATIONS, migrate, sessionmaker
from connector.store.inbox import Inbox
from connector.store.tables import Base
from tests.store.test_inbox import installed


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    def diff(connection):  # type: ignore[no-untyped-def]
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)

    assert differences == []


def _downgrade(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def test_deliveries_stored_under_the_old_key_are_still_recognised(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_downgrade, "0004")
    sessions: async_sessionmaker = sessionmaker(engine)  # type: ignore[type-arg]
    installation = await installed(sessions)
    before = Inbox(sessions)
    assert await before.add(installation, "CUSTOMER_CREATED", b'{"a": 1}', subject="1")

    await migrate(engine)

    inbox = Inbox(sessions)
    again = await inbox.add(installation, "CUSTOMER_CREATED", b'{"a": 1}', subject="1")
    new = await inbox.add(installation, "CUSTOMER_CREATED", b'{"b": 2}', subject="2")
    assert (again, new) == (False, True)
    assert await inbox.counts() == {"pending": 2}
