"""Connecting to the store: engines for SQLite (WAL) and PostgreSQL, and migrations."""

from __future__ import annotations

import functools
from collections.abc import Container, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, FromClause, TableClause, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Every SQLite connection erplink opens: the engine's and the inbox writer's.
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON")
SQLITE_POOL_TIMEOUT_S = 30.0


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine for `url`, tuned per dialect.

    SQLite runs in WAL mode on ONE pooled connection: SQLite has one writer at a
    time, and concurrent writers on several connections wait in SQLite's busy
    handler, which sleeps up to 100 ms a try. Queueing for the one connection in
    the event loop instead is fair and wakes each waiter the moment it is free
    (measured in BENCHMARKS.md). The busy timeout still covers a second process,
    such as `erplink inbox` run beside `erplink serve`. PostgreSQL gets a bounded
    pool.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _ensure_parent(parsed.database)
        engine = create_async_engine(
            url,
            connect_args={"timeout": 30},
            pool_size=1,
            max_overflow=0,
            pool_timeout=SQLITE_POOL_TIMEOUT_S,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine

    return create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


# Rows per multi-row INSERT: 12 columns each stays far below SQLite's 32,766 bound
# values.
MAX_INSERT_ROWS = 200

Key = tuple[Any, ...]


def first_of(keys: Sequence[Key]) -> dict[Key, int]:
    """Where each distinct unique key of a batch first appears: the rows to insert."""
    first: dict[Key, int] = {}
    for index, key in enumerate(keys):
        first.setdefault(key, index)
    return first


def new_flags(
    keys: Sequence[Key], first: Mapping[Key, int], inserted: Container[Key]
) -> list[bool]:
    """For each row of a batch, whether it was new: the first of its key in the
    batch, and inserted (not held by the table already)."""
    return [key in inserted and first[key] == index for index, key in enumerate(keys)]


def insert_new(session: AsyncSession, table: FromClause) -> Any:
    """INSERT into `table` that skips rows a unique key already holds.

    `ON CONFLICT DO NOTHING` in the dialect of the session's database (PostgreSQL
    or SQLite), so that two writers of one row never fail, and one of them wins.
    """
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(cast(TableClause, table)).on_conflict_do_nothing()


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Any]:
    """Sessions that keep loaded rows usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic, on the engine's own connection."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    if revision == "head":
        current = MigrationContext.configure(connection).get_current_revision()
        if current == _head():  # Alembic would load every migration to see this
            return
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


@functools.cache
def _head() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in (*SQLITE_PRAGMAS, f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _ensure_parent(database: str | None) -> None:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
