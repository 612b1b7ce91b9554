"""Engines for the ERP database: read-only sessions, statement timeouts, a bounded pool.

Read-only is enforced in layers, because the login a merchant gets from the ERP's DBA
is not always as narrow as promised:

- PostgreSQL (asyncpg): the session settings `default_transaction_read_only=on` and
  `statement_timeout`, sent with the start-up packet.
- MariaDB / MySQL (asyncmy): `SET SESSION TRANSACTION READ ONLY` on every new
  connection, and MariaDB's `max_statement_time` (seconds), or on MySQL
  `max_execution_time` (milliseconds, SELECTs only). The tests run MariaDB only:
  the MySQL branch has not met a MySQL server.
- SQLite (aiosqlite): the file is opened through a `mode=ro` URI and with
  `PRAGMA query_only=ON`. SQLite has no statement timeout, so a progress handler
  interrupts a statement that runs past its deadline.

Whatever the dialect, each adapter call also runs under an asyncio timeout, so an
ERP that stops answering mid-call cannot hold a worker.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from erp_adapters.base import ErpMisconfiguredError
from erp_adapters.sql.mapping import SqlOptions

SQLITE_PROGRESS_STEPS = 1000
_DEADLINE = "erplink_deadline"
_DRIVERS = {
    "postgresql": "asyncpg",
    "mysql": "asyncmy",
    "mariadb": "asyncmy",
    "sqlite": "aiosqlite",
}


def parse_url(raw: str) -> URL:
    """The URL, checked to name a dialect with an async driver erplink ships.

    Raises:
        ErpMisconfiguredError: the URL cannot be parsed or names another driver. The
            message never repeats the URL, which holds the password.
    """
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ErpMisconfiguredError(
            "the sql adapter's url cannot be parsed; write it as "
            "dialect+driver://user:password@host:port/database"
        ) from exc
    dialect, driver = url.get_backend_name(), url.get_driver_name()
    if _DRIVERS.get(dialect) != driver:
        supported = ", ".join(f"{d}+{v}" for d, v in _DRIVERS.items())
        raise ErpMisconfiguredError(
            f"the sql adapter's url uses {dialect}+{driver}; use one of {supported}"
        )
    return url


def describe(url: URL) -> str:
    """Where the URL points, for messages: dialect, host, port and database only."""
    dialect = url.get_backend_name()
    if dialect == "sqlite":
        return f"sqlite file {_sqlite_path(url)}"
    where = f"{url.host or 'localhost'}:{url.port}" if url.port else url.host
    return f"{dialect} at {where or 'localhost'}/{url.database or ''}"


def create_engine(options: SqlOptions) -> AsyncEngine:
    """An async engine whose every connection is read-only and time-limited."""
    url = parse_url(options.url)
    dialect = url.get_backend_name()
    timeout_s = options.statement_timeout_ms / 1000
    pool: dict[str, Any] = {
        "pool_size": options.pool_size,
        "max_overflow": options.max_overflow,
        "pool_timeout": options.pool_timeout_s,
        "pool_pre_ping": True,
    }
    if dialect == "postgresql":
        return _postgresql(url, options, pool)
    if dialect == "sqlite":
        return _sqlite(url, timeout_s, pool)
    return _mariadb(url, options, timeout_s, pool)


def _postgresql(url: URL, options: SqlOptions, pool: dict[str, Any]) -> AsyncEngine:
    settings = {
        "default_transaction_read_only": "on",
        "statement_timeout": str(options.statement_timeout_ms),
        "application_name": "erplink",
    }
    connect_args = {"server_settings": settings, "timeout": options.connect_timeout_s}
    return create_async_engine(url, connect_args=connect_args, **pool)


def _mariadb(
    url: URL, options: SqlOptions, timeout_s: float, pool: dict[str, Any]
) -> AsyncEngine:
    timeout_ms = options.statement_timeout_ms
    connect_args = {"connect_timeout": max(1, round(options.connect_timeout_s))}
    engine = create_async_engine(url, connect_args=connect_args, **pool)

    @event.listens_for(engine.sync_engine, "connect")
    def _read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        cursor.execute("SELECT VERSION()")
        if "mariadb" in str(cursor.fetchone()[0]).lower():
            cursor.execute(f"SET SESSION max_statement_time = {timeout_s:.3f}")
        else:
            cursor.execute(f"SET SESSION max_execution_time = {timeout_ms}")
        cursor.close()

    return engine


def _sqlite(url: URL, timeout_s: float, pool: dict[str, Any]) -> AsyncEngine:
    path = _sqlite_path(url)
    read_only = url.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
    engine = create_async_engine(read_only, **pool)

    @event.listens_for(engine.sync_engine, "connect")
    def _query_only(dbapi_connection: Any, record: Any) -> None:
        deadline = [float("inf")]
        record.info[_DEADLINE] = deadline

        def interrupt() -> int:
            return 1 if time.monotonic() > deadline[0] else 0

        dbapi_connection.run_async(
            lambda conn: conn.set_progress_handler(interrupt, SQLITE_PROGRESS_STEPS)
        )
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _arm(connection: Any, *_args: Any) -> None:
        deadline = connection.info.get(_DEADLINE)
        if deadline is not None:
            deadline[0] = time.monotonic() + timeout_s

    return engine


def _sqlite_path(url: URL) -> str:
    database = url.database or ""
    if database.startswith("file:"):
        database = database[5:].split("?", 1)[0]
    return database
