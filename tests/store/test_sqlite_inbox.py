"""The SQLite inbox writer: rows SQLAlchemy reads back as its own, a lock held
elsewhere waited for, a WAL that starts over. tests/webhooks/test_intake.py runs it
in its helper process."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import Table
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.errors import StoreUnavailableError
from connector.store import sqlite_inbox
from connector.store.inbox import (
    ADDED_COLUMNS,
    DELIVERY_KEY,
    Inbox,
    InboxStatus,
    inbox_row,
)
from connector.store.sqlite_inbox import SqliteInboxWriter
from connector.store.tables import InboxRow
from tests.store.test_inbox import installed

EVENT = "CUSTOMER_CREATED"
TABLE = cast(Table, InboxRow.__table__)


def row(
    installation: int, payload: bytes, status: InboxStatus = InboxStatus.PENDING
) -> dict[str, object]:
    moment = datetime.now(UTC)
    return inbox_row(
        installation, EVENT, payload, subject="", status=status, moment=moment
    )


# The suite's own database fixtures, on SQLite: the writer needs a file.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def database(database_url: str) -> Path:
    return Path(str(make_url(database_url).database))


def held_write_lock(database: Path) -> sqlite3.Connection:
    """Another connection in the middle of a write transaction."""
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_rows_read_back_through_sqlalchemy_as_written(
    sessions: async_sessionmaker[AsyncSession], database: Path
) -> None:
    installation = await installed(sessions)
    writer = SqliteInboxWriter(str(database), TABLE, ADDED_COLUMNS, DELIVERY_KEY)
    rows = [
        row(installation, b'{"a": "\xc3\xa4"}'),
        row(installation, b"{}", InboxStatus.IGNORED),
    ]

    assert writer.write(rows + rows[:1]) == [True, True, False]
    writer.close()

    ignored, pending = await Inbox(sessions).list()
    assert pending.payload == b'{"a": "\xc3\xa4"}'
    assert pending.status is InboxStatus.PENDING
    assert pending.received_at == rows[0]["received_at"]
    assert ignored.status is InboxStatus.IGNORED


async def test_a_write_lock_held_elsewhere_is_waited_for_then_given_up(
    sessions: async_sessionmaker[AsyncSession], database: Path
) -> None:
    installation = await installed(sessions)
    writer = SqliteInboxWriter(
        str(database), TABLE, ADDED_COLUMNS, DELIVERY_KEY, lock_timeout_s=0.2
    )
    other = held_write_lock(database)

    with pytest.raises(StoreUnavailableError, match="could not store the event"):
        writer.write([row(installation, b"late")])
    other.execute("ROLLBACK")
    other.close()

    assert writer.write([row(installation, b"late")]) == [True]
    writer.close()


async def test_a_file_that_cannot_be_opened_is_an_outage(database: Path) -> None:
    writer = SqliteInboxWriter(
        str(database.parent / "missing" / database.name),
        TABLE,
        DELIVERY_KEY,
        DELIVERY_KEY,
    )

    with pytest.raises(StoreUnavailableError, match="could not store the event"):
        writer.write([{"installation_id": 1, "subject": "", "payload_hash": "h"}])


@pytest.mark.parametrize("checkpoints", [True, False])
async def test_the_wal_is_checkpointed_beside_the_writes_and_starts_over(
    sessions: async_sessionmaker[AsyncSession],
    database: Path,
    monkeypatch: pytest.MonkeyPatch,
    checkpoints: bool,
) -> None:
    monkeypatch.setattr(sqlite_inbox, "CHECKPOINT_INTERVAL_S", 0.0)
    monkeypatch.setattr(sqlite_inbox, "RESTART_PAGES", 500)
    if not checkpoints:  # nothing else copies the WAL: SQLite's own is off
        monkeypatch.setattr(sqlite_inbox._Checkpointer, "request", lambda self: None)
    installation = await installed(sessions)
    writer = SqliteInboxWriter(str(database), TABLE, ADDED_COLUMNS, DELIVERY_KEY)
    filler = b"x" * 1_000
    wal = database.with_name(database.name + "-wal")
    starts = set()
    for batch in range(1_000):  # batches as deliveries come, one after another
        rows = [row(installation, b"%d-%d:%s" % (batch, n, filler)) for n in range(10)]
        assert writer.write(rows) == [True] * 10
        starts.add(_wal_generation(wal))
    writer.close()

    assert await Inbox(sessions).counts() == {"pending": 10_000}
    # The WAL file keeps its largest size, and how soon it starts over depends on
    # how fast the disk takes a checkpoint's fsync; that it starts over, again and
    # again, does not. Unchecked it never does: about 5,000 pages are written.
    assert (len(starts) >= 3) is checkpoints
    assert (len(starts) == 1) is not checkpoints


def _wal_generation(wal: Path) -> bytes:
    """The checkpoint sequence number in the WAL's header: SQLite adds one each
    time the WAL starts over from its first frame."""
    with wal.open("rb") as header:
        return header.read(16)[12:16]
