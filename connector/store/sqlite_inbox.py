"""Webhook deliveries into an SQLite inbox, through a connection of the inbox's own.

A delivery must be committed before Saleor gets its 200. On the embedded SQLite store
that commit is a few page writes into the WAL, with no fsync (`synchronous=NORMAL`).
Sent through the async driver it cost several times SQLite's own work: aiosqlite
hands every statement of a transaction to its thread and back, and each hand-over
waits for the GIL. So the inbox keeps one plain `sqlite3` connection for its batches
of new rows. A batch takes the write lock and looks up its keys on the event loop
(microseconds, nothing written yet), then hands the one INSERT and the COMMIT to a
thread in a single hand-over; SQLite releases the GIL while it writes
(BENCHMARKS.md, "Webhook intake").

Nothing here waits on the loop inside SQLite. Another connection (the worker's,
`erplink inbox`) may hold the write lock, so this one never waits for it in SQLite
(`busy_timeout=0`): it sleeps on the loop and tries again, as SQLite's own busy
handler would, and gives up after the same timeout as the other connections. The WAL
is checkpointed inside the COMMIT, in the thread, every `WAL_AUTOCHECKPOINT_PAGES`
pages, between two batches of this writer, so that the checkpoint completes and the
WAL starts over.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite

from connector.store.database import SQLITE_BUSY_TIMEOUT_MS, SQLITE_PRAGMAS
from connector.store.errors import store_errors

LOCK_TIMEOUT_S = SQLITE_BUSY_TIMEOUT_MS / 1000  # as long as the engine's waits
FIRST_LOCK_RETRY_S = 0.0005
LAST_LOCK_RETRY_S = 0.02
WAL_AUTOCHECKPOINT_PAGES = 1_000  # SQLite's default, said here on purpose
CACHE_KIB = 64 * 1024

Bind = Callable[[Any], Any]


class SqliteInboxWriter:
    """Inserts batches of rows into one table, skipping rows its unique key holds.

    Args:
        database: the SQLite file the store's engine uses.
        table: the table, as SQLAlchemy knows it: names are quoted and each value
            bound (datetimes as text, bytes as blobs) as its columns say, so rows
            written here read back through SQLAlchemy like any other.
        columns: the names of the columns every row gives.
        key: the columns of the table's unique key, a subset of `columns`.
    """

    def __init__(
        self,
        database: str,
        table: Table,
        columns: Sequence[str],
        key: Sequence[str],
    ) -> None:
        self._database = database
        dialect = sqlite.dialect()
        quote = dialect.identifier_preparer.quote
        self._table = dialect.identifier_preparer.format_table(table)
        self._columns = ", ".join(quote(name) for name in columns)
        self._key = [quote(name) for name in key]
        self._key_indexes = [list(columns).index(name) for name in key]
        self._binds: list[Bind | None] = [
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in columns
        ]
        self._names = list(columns)
        self._connection: sqlite3.Connection | None = None
        self._in_thread: asyncio.Future[None] | None = None

    async def write(self, rows: Sequence[Mapping[str, Any]]) -> list[bool]:
        """Insert `rows` in one transaction; for each, whether it was new.

        Of two rows with the same unique key, in the table or in this batch, only
        the first is new. The write lock is taken first, so the keys looked up are
        still absent when the rows go in: one INSERT for the whole batch, which
        runs with the COMMIT in a thread, the GIL released while SQLite works.

        Raises:
            StoreUnavailableError: the file cannot be written, or another
                connection held the write lock for `LOCK_TIMEOUT_S`.
        """
        await self._settled()
        values = [self._bound(row) for row in rows]
        first: dict[tuple[Any, ...], int] = {}
        for index, bound in enumerate(values):
            first.setdefault(tuple(bound[i] for i in self._key_indexes), index)
        with store_errors("store the event"):
            connection = self._connected()
            await self._begin(connection)
            try:
                stored = self._stored_keys(connection, list(first))
                new = sorted(i for key, i in first.items() if key not in stored)
                await self._insert_and_commit(connection, [values[i] for i in new])
            except BaseException:
                # A cancelled caller leaves the transaction to the thread.
                if self._in_thread is None and connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        added = set(new)
        return [index in added for index in range(len(rows))]

    async def close(self) -> None:
        """Wait for a running insert, then close the connection."""
        await self._settled()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def _settled(self) -> None:
        """Wait for an insert whose caller was cancelled: until its thread is done,
        the connection (and its transaction) is the thread's."""
        if self._in_thread is not None:
            with contextlib.suppress(Exception):
                await self._in_thread
            self._in_thread = None

    def _bound(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            row[name] if bind is None else bind(row[name])
            for name, bind in zip(self._names, self._binds, strict=True)
        )

    def _stored_keys(
        self, connection: sqlite3.Connection, keys: list[tuple[Any, ...]]
    ) -> set[tuple[Any, ...]]:
        """The keys of `keys` the table holds: one statement, one index seek each.

        The keys are a list of constant rows walked first (CROSS JOIN fixes that
        order in SQLite), each looked up on the unique key's index.
        """
        names = ", ".join(self._key)
        listed = ", ".join([f"({_marks(len(self._key))})"] * len(keys))
        matches = " AND ".join(f"t.{name} = k.{name}" for name in self._key)
        sql = (
            f"WITH k({names}) AS (VALUES {listed}) "
            f"SELECT {', '.join(f'k.{name}' for name in self._key)} "
            f"FROM k CROSS JOIN {self._table} AS t ON {matches}"
        )
        found = connection.execute(sql, [v for key in keys for v in key])
        return set(found)

    async def _insert_and_commit(
        self, connection: sqlite3.Connection, values: list[tuple[Any, ...]]
    ) -> None:
        if not values:
            connection.execute("COMMIT")
            return
        rows = ", ".join([f"({_marks(len(self._binds))})"] * len(values))
        sql = f"INSERT INTO {self._table} ({self._columns}) VALUES {rows}"
        flat = [v for row in values for v in row]

        def run() -> None:
            try:
                connection.execute(sql, flat)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

        # The connection belongs to the thread until it is done, even if the
        # caller is cancelled meanwhile.
        self._in_thread = asyncio.ensure_future(asyncio.to_thread(run))
        try:
            await asyncio.shield(self._in_thread)
        finally:
            if self._in_thread.done():
                self._in_thread = None

    def _connected(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(
                self._database, isolation_level=None, check_same_thread=False
            )
            for pragma in (
                *SQLITE_PRAGMAS,
                "busy_timeout=0",
                f"wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}",
                f"cache_size=-{CACHE_KIB}",
            ):
                connection.execute(f"PRAGMA {pragma}")
            self._connection = connection
        return self._connection

    async def _begin(self, connection: sqlite3.Connection) -> None:
        """Take the write lock, sleeping on the loop (not in SQLite) while held."""
        delay = FIRST_LOCK_RETRY_S
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
                if time.monotonic() + delay > deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, LAST_LOCK_RETRY_S)


def _marks(count: int) -> str:
    return ", ".join("?" * count)
