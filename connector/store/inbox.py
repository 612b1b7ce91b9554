"""The inbox: webhook deliveries stored durably before Saleor gets its 200, and the
queue the workers drain.

A row is `pending` until a worker claims it (`processing`, with a lease), then `done`,
`ignored` (an event erplink caused itself) or, after the last attempt, `dead`. A
worker that dies leaves its lease to run out; the next claim takes the row again.
On PostgreSQL claims use `FOR UPDATE SKIP LOCKED`, so workers on many machines never
take one row twice; SQLite has one writer at a time, which gives the same guarantee.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.store import sqlite_inbox
from connector.store.batching import GroupCommit
from connector.store.clock import as_utc, now
from connector.store.database import MAX_INSERT_ROWS, first_of, insert_new, new_flags
from connector.store.errors import store_errors
from connector.store.tables import InboxRow

# What makes two deliveries one event (uq_inbox_delivery): the same payload bytes
# to the same installation. The subject is read from the payload.
DELIVERY_KEY = ("installation_id", "subject", "payload_hash")


class InboxStatus(enum.StrEnum):
    """Where a delivery is in its processing."""

    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    IGNORED = "ignored"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A claimed or listed delivery."""

    id: int
    installation_id: int
    event: str
    subject: str
    payload: bytes
    status: InboxStatus
    attempts: int
    due_at: datetime
    last_error: str
    received_at: datetime


def payload_hash(payload: bytes) -> str:
    """The key that makes a redelivery of the same bytes one event."""
    return hashlib.sha256(payload).hexdigest()


def inbox_row(
    installation_id: int,
    event: str,
    payload: bytes,
    *,
    subject: str,
    status: InboxStatus,
    moment: datetime,
) -> dict[str, Any]:
    """The values of a new inbox row (`ADDED_COLUMNS`), due at once."""
    return {
        "installation_id": installation_id,
        "event": event,
        "subject": subject,
        "payload": payload,
        "payload_hash": payload_hash(payload),
        "status": status,
        "attempts": 0,
        "due_at": moment,
        "locked_by": "",
        "last_error": "",
        "received_at": moment,
        "finished_at": moment if status is InboxStatus.IGNORED else None,
    }


class Inbox:
    """Durable queue of webhook deliveries on erplink's own database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._adds: GroupCommit[dict[str, Any], bool] = GroupCommit(
            self._add_many, max_batch=MAX_INSERT_ROWS
        )
        self._finishes: GroupCommit[tuple[int, InboxStatus], None] = GroupCommit(
            self._finish_many, max_batch=MAX_INSERT_ROWS
        )

    async def add(
        self,
        installation_id: int,
        event: str,
        payload: bytes,
        *,
        subject: str = "",
        status: InboxStatus = InboxStatus.PENDING,
    ) -> bool:
        """Store a delivery; False when the same bytes were stored before.

        Raises:
            StoreUnavailableError: the database did not take the row.
        """
        row = inbox_row(
            installation_id,
            event,
            payload,
            subject=subject,
            status=status,
            moment=now(),
        )
        return await self.add_row(row)

    async def add_row(self, row: dict[str, Any]) -> bool:
        """Store the row `inbox_row` made; False when its key was stored before.

        Rows that arrive together are committed together (group commit), so the
        answer comes once this one is durable, in a transaction it may share.

        Raises:
            StoreUnavailableError: the database did not take the row.
        """
        return await self._adds.submit(row)

    async def _add_many(self, rows: Sequence[dict[str, Any]]) -> list[bool]:
        """Insert rows in one statement; for each, whether it was new.

        Of two rows with the same payload in one batch only the first is new; a
        row whose payload the table holds already is skipped by the database.
        """
        keys = [tuple(row[name] for name in DELIVERY_KEY) for row in rows]
        first = first_of(keys)
        distinct = [rows[index] for index in sorted(first.values())]
        with store_errors("store the event"):
            async with self._sessions.begin() as session:
                inserted = await session.execute(_insert_new(session), distinct)
                new = {tuple(row) for row in inserted}
        return new_flags(keys, first, new)

    async def claim(
        self, worker: str, *, limit: int = 10, lease: timedelta
    ) -> list[InboxItem]:
        """Take up to `limit` due deliveries for `worker` until the lease runs out."""
        moment = now()
        due = (
            select(InboxRow.id)
            .where(
                or_(
                    (InboxRow.status == InboxStatus.PENDING)
                    & (InboxRow.due_at <= moment),
                    (InboxRow.status == InboxStatus.PROCESSING)
                    & (InboxRow.lease_until < moment),
                )
            )
            .order_by(InboxRow.due_at, InboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(InboxRow)
            .where(InboxRow.id.in_(due.scalar_subquery()))
            .values(
                status=InboxStatus.PROCESSING,
                attempts=InboxRow.attempts + 1,
                lease_until=moment + lease,
                locked_by=worker,
            )
            .returning(InboxRow)
        )
        async with self._sessions.begin() as session:
            rows = (await session.scalars(claim)).all()
        return sorted((_item(r) for r in rows), key=lambda item: item.id)

    async def finish(
        self, item_id: int, status: InboxStatus = InboxStatus.DONE
    ) -> None:
        """Mark a delivery handled (`done` or `ignored`), with others finishing now."""
        await self._finishes.submit((item_id, status))

    async def _finish_many(
        self, items: Sequence[tuple[int, InboxStatus]]
    ) -> list[None]:
        """One UPDATE per status for a batch of finished deliveries."""
        by_status: dict[InboxStatus, list[int]] = {}
        for item_id, status in items:
            by_status.setdefault(status, []).append(item_id)
        moment = now()
        async with self._sessions.begin() as session:
            for status, ids in by_status.items():
                await session.execute(
                    update(InboxRow)
                    .where(InboxRow.id.in_(ids))
                    .values(status=status, finished_at=moment, lease_until=None)
                )
        return [None] * len(items)

    async def retry_later(self, item_id: int, error: str, delay: timedelta) -> None:
        """Put a delivery back to wait `delay` after a transient failure."""
        await self._set(
            item_id,
            status=InboxStatus.PENDING,
            due_at=now() + delay,
            last_error=error,
            lease_until=None,
        )

    async def defer(self, item_id: int, error: str, until: datetime) -> None:
        """Put a claimed delivery back until `until` without using up an attempt.

        For work that never reached the ERP because it is known to be down: the
        claim's attempt is given back, so a long outage does not make dead letters.
        """
        await self._set(
            item_id,
            status=InboxStatus.PENDING,
            due_at=until,
            last_error=error,
            lease_until=None,
            attempts=InboxRow.attempts - 1,
        )

    async def bury(self, item_id: int, error: str) -> None:
        """Make a delivery a dead letter that support can see and retry."""
        await self._set(
            item_id,
            status=InboxStatus.DEAD,
            last_error=error,
            finished_at=now(),
            lease_until=None,
        )

    async def revive(self, item_ids: Sequence[int] = ()) -> int:
        """Send dead letters (these, or all) back to the queue; how many were."""
        statement = (
            update(InboxRow)
            .where(InboxRow.status == InboxStatus.DEAD)
            .values(status=InboxStatus.PENDING, attempts=0, due_at=now())
        )
        if item_ids:
            statement = statement.where(InboxRow.id.in_(item_ids))
        async with self._sessions.begin() as session:
            result = await session.execute(statement)
        return int(cast(CursorResult[Any], result).rowcount)

    async def list(
        self, status: InboxStatus | None = None, *, limit: int = 100
    ) -> list[InboxItem]:
        """Deliveries, newest first, optionally of one status."""
        query = select(InboxRow).order_by(InboxRow.id.desc()).limit(limit)
        if status is not None:
            query = query.where(InboxRow.status == status)
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_item(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        """How many deliveries are in each status."""
        query = select(InboxRow.status, func.count()).group_by(InboxRow.status)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return {str(status): int(count) for status, count in rows}

    async def _set(self, item_id: int, **values: Any) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(InboxRow).where(InboxRow.id == item_id).values(**values)
            )


# Every column a new row gives: all but the id and the lease, which a claim sets.
ADDED_COLUMNS = tuple(
    c.name for c in InboxRow.__table__.columns if c.name not in ("id", "lease_until")
)


def sqlite_writer(
    database: str, lock_timeout_s: str
) -> Callable[[Sequence[dict[str, Any]]], list[bool]]:
    """A `SqliteInboxWriter` of new rows on `database`, for the intake helper."""
    table = cast(Table, InboxRow.__table__)
    writer = sqlite_inbox.SqliteInboxWriter(
        database,
        table,
        ADDED_COLUMNS,
        DELIVERY_KEY,
        lock_timeout_s=float(lock_timeout_s),
    )
    return writer.write


def _insert_new(session: AsyncSession) -> Any:
    """INSERT of inbox rows that skips known payloads and returns the new ones' keys.

    Executed with a list of rows, SQLAlchemy sends it as few multi-row statements
    ("insertmanyvalues") from one cached compilation.
    """
    table = InboxRow.__table__
    return insert_new(session, table).returning(
        *(table.c[name] for name in DELIVERY_KEY)
    )


def _item(row: InboxRow) -> InboxItem:
    return InboxItem(
        id=row.id,
        installation_id=row.installation_id,
        event=row.event,
        subject=row.subject,
        payload=row.payload,
        status=InboxStatus(row.status),
        attempts=row.attempts,
        due_at=as_utc(row.due_at),
        last_error=row.last_error,
        received_at=as_utc(row.received_at),
    )
