"""The SQLite inbox writer and its helper process: rows SQLAlchemy reads back as its
own, a write lock held elsewhere waited for without blocking the loop, a WAL that
starts over, and a helper that dies losing nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector import helper_process
from connector.errors import StoreUnavailableError
from connector.store import sqlite_inbox
from connector.store.database import create_engine, migrate, sessionmaker
from connector.store.inbox import (
    ADDED_COLUMNS,
    DELIVERY_KEY,
    Inbox,
    InboxStatus,
    payload_hash,
)
from connector.store.sqlite_inbox import SqliteInboxWriter
from connector.store.tables import InboxRow
from tests.store.test_inbox import installed

EVENT = "CUSTOMER_CREATED"
TABLE = cast(Table, InboxRow.__table__)


def row(installation: int, payload: bytes) -> dict[str, object]:
    return {
        "installation_id": installation,
        "event": EVENT,
        "payload": payload,
        "payload_hash": payload_hash(payload),
        "status": InboxStatus.PENDING,
        "attempts": 0,
        "due_at": datetime.now(UTC),
        "locked_by": "",
        "last_error": "",
        "received_at": datetime.now(UTC),
        "subject": "",
        "finished_at": None,
    }


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    path = tmp_path / "erplink.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    await engine.dispose()
    return path


@pytest.fixture
async def sessions(database: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    yield sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def inbox(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Inbox]:
    inbox = Inbox(sessions, helper_process=True)
    yield inbox
    await inbox.close()


def held_write_lock(database: Path) -> sqlite3.Connection:
    """Another connection in the middle of a write transaction."""
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_rows_read_back_through_sqlalchemy_as_written(
    inbox: Inbox, sessions: async_sessionmaker[AsyncSession]
) -> None:
    installation = await installed(sessions)
    before = datetime.now(UTC)

    assert await inbox.add(installation, EVENT, b'{"a": "\xc3\xa4"}', subject="7")
    await inbox.add(installation, EVENT, b"{}", status=InboxStatus.IGNORED)

    ignored, pending = await inbox.list()
    assert (pending.payload, pending.subject, pending.event) == (
        b'{"a": "\xc3\xa4"}',
        "7",
        EVENT,
    )
    assert pending.status is InboxStatus.PENDING
    assert before <= pending.received_at <= datetime.now(UTC)
    assert pending.due_at == pending.received_at
    assert ignored.status is InboxStatus.IGNORED
    claimed = await inbox.claim("w", lease=timedelta(seconds=5))
    assert [item.id for item in claimed] == [pending.id]


async def test_a_batch_over_the_largest_insert_is_stored_whole(
    inbox: Inbox, sessions: async_sessionmaker[AsyncSession]
) -> None:
    installation = await installed(sessions)
    bodies = [f'{{"n": {n}}}'.encode() for n in range(450)]

    results = await asyncio.gather(
        *(inbox.add(installation, EVENT, body) for body in bodies + bodies[:50])
    )

    assert results == [True] * 450 + [False] * 50
    assert await inbox.counts() == {"pending": 450}


async def test_a_write_lock_held_elsewhere_is_waited_for_without_blocking_the_loop(
    inbox: Inbox, sessions: async_sessionmaker[AsyncSession], database: Path
) -> None:
    installation = await installed(sessions)
    other = held_write_lock(database)
    adding = asyncio.create_task(inbox.add(installation, EVENT, b'{"late": 1}'))

    ticks = 0
    for _ in range(20):  # the loop keeps turning while the add waits
        await asyncio.sleep(0.01)
        ticks += 1
    assert not adding.done()
    other.execute("COMMIT")
    other.close()

    assert ticks == 20
    assert await asyncio.wait_for(adding, 5) is True
    assert await inbox.counts() == {"pending": 1}


async def test_a_lock_never_released_is_an_outage_and_loses_nothing(
    inbox: Inbox,
    sessions: async_sessionmaker[AsyncSession],
    database: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sqlite_inbox, "LOCK_TIMEOUT_S", 0.2)
    installation = await installed(sessions)
    short = Inbox(sessions, helper_process=True)  # its helper waits 0.2 s
    other = held_write_lock(database)

    with pytest.raises(StoreUnavailableError):
        await short.add(installation, EVENT, b'{"retried": 1}')
    other.execute("ROLLBACK")
    other.close()

    assert await inbox.counts() == {}
    assert await short.add(installation, EVENT, b'{"retried": 1}') is True
    await short.close()


async def test_a_file_that_cannot_be_opened_is_an_outage(tmp_path: Path) -> None:
    writer = SqliteInboxWriter(
        str(tmp_path / "missing" / "erplink.db"),
        TABLE,
        DELIVERY_KEY,
        DELIVERY_KEY,
    )

    with pytest.raises(StoreUnavailableError, match="could not store the event"):
        writer.write([{"installation_id": 1, "subject": "", "payload_hash": "h"}])


@pytest.mark.parametrize(("pages", "bounded"), [(1_000, True), (0, False)])
async def test_the_wal_is_checkpointed_between_batches_and_starts_over(
    sessions: async_sessionmaker[AsyncSession],
    database: Path,
    monkeypatch: pytest.MonkeyPatch,
    pages: int,
    bounded: bool,
) -> None:
    monkeypatch.setattr(sqlite_inbox, "WAL_AUTOCHECKPOINT_PAGES", pages)
    installation = await installed(sessions)
    writer = SqliteInboxWriter(str(database), TABLE, ADDED_COLUMNS, DELIVERY_KEY)
    filler = b"x" * 1_000
    for batch in range(60):  # about 4,000 pages of table and index writes
        rows = [row(installation, b"%d-%d:%s" % (batch, n, filler)) for n in range(50)]
        assert writer.write(rows) == [True] * 50
    wal = database.with_name(database.name + "-wal").stat().st_size
    writer.close()

    assert await Inbox(sessions).counts() == {"pending": 3_000}
    limit = 1_500 * 4_096  # the checkpoint interval and one batch, in pages
    assert (wal < limit) is bounded


async def test_a_caller_that_gives_up_leaves_its_batch_stored(
    inbox: Inbox, sessions: async_sessionmaker[AsyncSession]
) -> None:
    installation = await installed(sessions)
    adds = [
        asyncio.create_task(inbox.add(installation, EVENT, b'{"n": %d}' % n))
        for n in range(20)
    ]
    await asyncio.sleep(0)  # all submitted, the batch on its way
    adds[3].cancel()

    results = await asyncio.gather(*adds, return_exceptions=True)

    assert isinstance(results[3], asyncio.CancelledError)
    assert results[:3] + results[4:] == [True] * 19
    assert await inbox.counts() == {"pending": 20}
    assert await inbox.add(installation, EVENT, b'{"n": 3}') is False


async def test_a_helper_killed_under_load_loses_nothing_and_comes_back(
    inbox: Inbox,
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(helper_process, "RESTART_DELAY_S", 0.0)
    installation = await installed(sessions)
    assert await inbox.add(installation, EVENT, b"first")
    first_helper = helper_pid(inbox)

    async def add(n: int) -> bool:
        return await inbox.add(installation, EVENT, b'{"n": %d}' % n)

    adding = [asyncio.create_task(add(n)) for n in range(300)]
    await asyncio.sleep(0)
    os.kill(first_helper, signal.SIGKILL)
    results = await asyncio.gather(*adding, *(add(n) for n in range(300, 600)))

    # Each answered by the helper or, once it died, here: a batch the helper had
    # committed before it died is found stored (False), never stored twice.
    assert all(isinstance(result, bool) for result in results)
    assert await inbox.counts() == {"pending": 601}
    assert await add(0) is False
    assert helper_pid(inbox) not in (None, first_helper)


def helper_pid(inbox: Inbox) -> int:
    helper = inbox._helper
    assert helper is not None
    assert helper.pid is not None
    return helper.pid
