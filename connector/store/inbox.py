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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.store.clock import as_utc, now
from connector.store.errors import store_errors
from connector.store.tables import InboxRow


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


class Inbox:
    """Durable queue of webhook deliveries on erplink's own database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

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
        moment = now()
        values = {
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
        with store_errors("store the event"):
            async with self._sessions.begin() as session:
                insert = _insert_for(session)(InboxRow).values(**values)
                result = await session.execute(insert.on_conflict_do_nothing())
        return bool(cast(CursorResult[Any], result).rowcount)

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
        """Mark a delivery handled (`done` or `ignored`)."""
        await self._set(item_id, status=status, finished_at=now(), lease_until=None)

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


def _insert_for(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return pg_insert if dialect == "postgresql" else sqlite_insert


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
