"""Webhook deliveries into an SQLite inbox, written by the intake helper process.

A delivery must be committed before Saleor gets its 200. On the embedded SQLite store
that commit is a few page writes into the WAL, with no fsync (`synchronous=NORMAL`),
so its cost is in how it is reached: through the async driver, every statement
of the transaction crosses to a thread and back, and each crossing waits for a GIL
that a busy event loop holds. So `erplink serve` writes new rows in a helper process
(webhooks/intake.py), with a plain `sqlite3` connection of its own: each
batch the helper gets is one transaction, one INSERT that skips the deliveries the
table holds, and its COMMIT (BENCHMARKS.md, "Webhook intake").

Another connection (the worker's, `erplink inbox`) may hold the write lock. The
helper waits for it with short sleeps of its own, as SQLite's busy handler would,
but never longer apart than `LAST_LOCK_RETRY_S`, and gives up after the timeout the
other connections use.

The WAL is copied into the database file by a thread of the writer's own
(`_Checkpointer`), not inside a COMMIT as SQLite does by default: a checkpoint
ends in an fsync of the file, tens of milliseconds on a busy disk, which every
delivery waiting for the next batch would wait for too.
"""

from __future__ import annotations

import contextlib
import operator
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite

from connector.store.database import (
    MAX_INSERT_ROWS,
    SQLITE_BUSY_TIMEOUT_MS,
    SQLITE_PRAGMAS,
    first_of,
    new_flags,
)
from connector.store.errors import store_errors

LOCK_TIMEOUT_S = SQLITE_BUSY_TIMEOUT_MS / 1000  # as long as the engine's waits
FIRST_LOCK_RETRY_S = 0.0005
LAST_LOCK_RETRY_S = 0.02
CHECKPOINT_INTERVAL_S = 0.2  # how often the thread copies the WAL, if written
RESTART_PAGES = 4_000  # past this, the writer lets the WAL start over
CACHE_KIB = 64 * 1024

Bind = Callable[[Any], Any]
Row = Mapping[str, Any]


class SqliteInboxWriter:
    """Inserts batches of rows into one table, skipping rows its unique key holds.

    Args:
        database: the SQLite file the store's engine uses.
        table: the table, as SQLAlchemy knows it: names are quoted and each value
            bound (datetimes as text, bytes as blobs) as its columns say, so rows
            written here read back through SQLAlchemy like any other.
        columns: the names of the columns every row gives.
        key: the columns of the table's unique key, a subset of `columns`.
        lock_timeout_s: how long to wait for another connection's write lock.
    """

    def __init__(
        self,
        database: str,
        table: Table,
        columns: Sequence[str],
        key: Sequence[str],
        *,
        lock_timeout_s: float = LOCK_TIMEOUT_S,
    ) -> None:
        self._database = database
        self._lock_timeout_s = lock_timeout_s
        dialect = sqlite.dialect()
        quote = dialect.identifier_preparer.quote
        self._table = dialect.identifier_preparer.format_table(table)
        self._columns = ", ".join(quote(name) for name in columns)
        self._key = ", ".join(quote(name) for name in key)
        self._key_indexes = [list(columns).index(name) for name in key]
        self._values = operator.itemgetter(*columns)
        self._marks = ", ".join("?" * len(columns))
        processors = (
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in columns
        )
        self._binds = [
            (index, bind) for index, bind in enumerate(processors) if bind is not None
        ]
        self._connection: sqlite3.Connection | None = None
        self._checkpointer: _Checkpointer | None = None
        self._checkpoint_at = 0.0

    def write(self, rows: Sequence[Row]) -> list[bool]:
        """Insert `rows` in one transaction; for each, whether it was new.

        Of two rows with the same unique key, in the table or in this batch, only
        the first is new.

        Raises:
            StoreUnavailableError: the file cannot be written, or another
                connection held the write lock for `lock_timeout_s`.
        """
        values = self._bound(rows)
        keys = [tuple(bound[i] for i in self._key_indexes) for bound in values]
        first = first_of(keys)
        distinct = [values[index] for index in sorted(first.values())]
        with store_errors("store the event"):
            connection = self._connected()
            self._begin(connection)
            try:
                inserted: set[tuple[Any, ...]] = set()
                for start in range(0, len(distinct), MAX_INSERT_ROWS):
                    chunk = distinct[start : start + MAX_INSERT_ROWS]
                    inserted.update(self._insert(connection, chunk))
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        self._checkpoint(connection)
        return new_flags(keys, first, inserted)

    def close(self) -> None:
        """Stop the checkpoint thread and close the connection."""
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        """After a COMMIT: ask the thread for a checkpoint every so often, and once
        the WAL is long, finish one here so that it starts over.

        The thread's checkpoints run beside this connection's transactions and
        copy almost all of the WAL, but under steady writes the WAL is never all
        copied when one ends, and only then can the next transaction start it
        over. Finishing here copies the few pages written since, once the
        thread's checkpoint in hand is done; until one finishes (a reader may
        hold pages), each COMMIT tries again.
        """
        if self._checkpointer is None:
            self._checkpointer = _Checkpointer(self._database)
        if self._checkpointer.restart_due:
            # One checkpoint at a time: the thread's would make this one busy.
            with self._checkpointer.running, contextlib.suppress(sqlite3.Error):
                row = connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                busy, wal_pages, copied = row.fetchone()
                # A reader kept pages: the next COMMIT tries again.
                self._checkpointer.restart_due = bool(busy) or copied < wal_pages
        moment = time.monotonic()
        if moment >= self._checkpoint_at:
            self._checkpoint_at = moment + CHECKPOINT_INTERVAL_S
            self._checkpointer.request()

    def _bound(self, rows: Sequence[Row]) -> list[tuple[Any, ...]]:
        """Each row's values in column order, bound as their columns say (only
        the datetimes need it). The rows of a batch share their timestamps, so
        each distinct one is bound once."""
        bound: dict[tuple[int, Any], Any] = {}
        batch = []
        for row in rows:
            values = list(self._values(row))
            for index, bind in self._binds:
                key = (index, values[index])
                if key not in bound:
                    bound[key] = bind(values[index])
                values[index] = bound[key]
            batch.append(tuple(values))
        return batch

    def _insert(
        self, connection: sqlite3.Connection, values: list[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """INSERT that skips rows the table holds; the keys of those it added."""
        rows = ", ".join([f"({self._marks})"] * len(values))
        sql = (
            f"INSERT INTO {self._table} ({self._columns}) VALUES {rows} "
            f"ON CONFLICT DO NOTHING RETURNING {self._key}"
        )
        return connection.execute(sql, [v for row in values for v in row]).fetchall()

    def _connected(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._database, isolation_level=None)
            for pragma in (
                *SQLITE_PRAGMAS,
                "busy_timeout=0",
                "wal_autocheckpoint=0",  # the checkpoint thread's work
                f"cache_size=-{CACHE_KIB}",
            ):
                connection.execute(f"PRAGMA {pragma}")
            self._connection = connection
        return self._connection

    def _begin(self, connection: sqlite3.Connection) -> None:
        """Take the write lock, trying again after short sleeps while it is held."""
        delay = FIRST_LOCK_RETRY_S
        deadline = time.monotonic() + self._lock_timeout_s
        while True:
            try:
                connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                    raise
                if time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, LAST_LOCK_RETRY_S)


class _Checkpointer:
    """A thread that copies the WAL into the database file when asked.

    Its checkpoints are PASSIVE: they take no lock the writer needs, so the
    writer's transactions go on meanwhile, and skip pages a reader still needs.
    One that ends with the WAL longer than `RESTART_PAGES` sets `restart_due` for
    the writer.
    """

    def __init__(self, database: str) -> None:
        self._database = database
        self._asked = threading.Event()
        self.running = threading.Lock()  # held while a checkpoint runs
        self._closed = False
        self.restart_due = False
        self._thread = threading.Thread(
            target=self._run, name="wal-checkpoint", daemon=True
        )
        self._thread.start()

    def request(self) -> None:
        """Checkpoint soon (at once, unless one is running)."""
        self._asked.set()

    def close(self) -> None:
        """Stop after the checkpoint in hand."""
        self._closed = True
        self._asked.set()
        self._thread.join()

    def _run(self) -> None:
        connection = sqlite3.connect(self._database, isolation_level=None)
        try:
            while True:
                self._asked.wait()
                self._asked.clear()
                if self._closed:
                    return
                try:
                    with self.running:
                        row = connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                        _, wal_pages, _ = row.fetchone()
                except sqlite3.Error:  # the file is busy or gone: asked again soon
                    continue
                if wal_pages >= RESTART_PAGES:
                    self.restart_due = True
        finally:
            connection.close()
