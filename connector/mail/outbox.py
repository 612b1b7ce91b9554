"""The outbox: mails erplink owes someone, stored before any of them is sent.

A row is written when a link enters `awaiting_rep` (by the link processor's hook,
and again by the sweep, which finds any link version the hook missed) and once per
digest period. Workers claim due rows with a lease, like the inbox; a row is
`sent`, `skipped` (its link moved on, or nobody can be mailed), retried later on an
SMTP failure, or `dead` after the last attempt. The unique `key` of each row is what
makes one link version one mail, however many workers see it.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.linking.model import LinkState
from connector.store.clock import as_utc, now
from connector.store.links import Link
from connector.store.tables import LinkRow, NotificationRow

log = structlog.get_logger(__name__)


class NotificationStatus(enum.StrEnum):
    """Where a mail is on its way out."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    DEAD = "dead"


class NotificationKind(enum.StrEnum):
    """What a mail is about."""

    REP = "rep"
    DIGEST = "digest"


@dataclass(frozen=True, slots=True)
class Notification:
    """One mail to send, as stored."""

    id: int
    key: str
    kind: NotificationKind
    link_id: int | None
    link_version: int | None
    status: NotificationStatus
    attempts: int
    sent_to: list[str]
    last_error: str
    due_at: datetime
    sent_at: datetime | None


def rep_key(link_id: int, version: int) -> str:
    """The key of the rep mail for one link version."""
    return f"rep:{link_id}:{version}"


def digest_key(period: int) -> str:
    """The key of the admin digest of one period."""
    return f"digest:{period}"


class Outbox:
    """Durable queue of mails on erplink's own database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self.wakeup = asyncio.Event()

    async def link_awaiting_rep(self, link: Link) -> None:
        """The link processor's hook: queue the rep mail and wake the dispatcher.

        Called after the link was stored. A failure here is logged and left to the
        dispatcher's sweep, which queues every version the hook missed: the link
        itself is already safe, and failing now would only make the event retry.
        """
        key = rep_key(link.id, link.version)
        try:
            await self.add(
                key, NotificationKind.REP, link_id=link.id, link_version=link.version
            )
        except SQLAlchemyError as exc:
            log.warning("mail.queue_deferred", link=link.id, error=type(exc).__name__)
            return
        self.wakeup.set()

    async def add(
        self,
        key: str,
        kind: NotificationKind,
        *,
        link_id: int | None = None,
        link_version: int | None = None,
    ) -> bool:
        """Queue a mail; False when one with this key exists already."""
        moment = now()
        values: dict[str, Any] = {
            "key": key,
            "kind": kind,
            "link_id": link_id,
            "link_version": link_version,
            "status": NotificationStatus.PENDING,
            "attempts": 0,
            "due_at": moment,
            "sent_to": [],
            "last_error": "",
            "created_at": moment,
        }
        async with self._sessions.begin() as session:
            insert = _insert_for(session)(NotificationRow).values(**values)
            result = await session.execute(insert.on_conflict_do_nothing())
        return bool(cast(CursorResult[Any], result).rowcount)

    async def add_waiting_reps(self) -> int:
        """Queue a rep mail for every link version awaiting a rep that has none."""
        queued = select(NotificationRow.id).where(
            NotificationRow.link_id == LinkRow.id,
            NotificationRow.link_version == LinkRow.version,
        )
        missing = select(LinkRow.id, LinkRow.version).where(
            LinkRow.state == LinkState.AWAITING_REP, ~queued.exists()
        )
        async with self._sessions() as session:
            rows = (await session.execute(missing)).all()
        added = 0
        for link_id, version in rows:
            key = rep_key(link_id, version)
            kind = NotificationKind.REP
            added += await self.add(key, kind, link_id=link_id, link_version=version)
        return added

    async def claim(self, *, limit: int, lease: timedelta) -> list[Notification]:
        """Take up to `limit` due mails until the lease runs out."""
        moment = now()
        due = (
            select(NotificationRow.id)
            .where(
                or_(
                    and_(
                        NotificationRow.status == NotificationStatus.PENDING,
                        NotificationRow.due_at <= moment,
                    ),
                    and_(
                        NotificationRow.status == NotificationStatus.SENDING,
                        NotificationRow.lease_until < moment,
                    ),
                )
            )
            .order_by(NotificationRow.due_at, NotificationRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(NotificationRow)
            .where(NotificationRow.id.in_(due.scalar_subquery()))
            .values(
                status=NotificationStatus.SENDING,
                attempts=NotificationRow.attempts + 1,
                lease_until=moment + lease,
            )
            .returning(NotificationRow)
        )
        async with self._sessions.begin() as session:
            rows = (await session.scalars(claim)).all()
        return sorted((_notification(r) for r in rows), key=lambda n: n.id)

    async def progress(self, notification_id: int, sent_to: list[str]) -> None:
        """Record who has the mail already, so that a retry skips them."""
        await self._set(notification_id, sent_to=sent_to)

    async def finish(
        self, notification_id: int, status: NotificationStatus, note: str = ""
    ) -> None:
        """Close a row as `sent`, `skipped` or `dead`, with why."""
        sent_at = now() if status is NotificationStatus.SENT else None
        await self._set(
            notification_id,
            status=status,
            last_error=note,
            sent_at=sent_at,
            lease_until=None,
        )

    async def retry_later(
        self, notification_id: int, error: str, delay: timedelta
    ) -> None:
        """Put a mail back in the queue, due after `delay`."""
        await self._set(
            notification_id,
            status=NotificationStatus.PENDING,
            last_error=error,
            due_at=now() + delay,
            lease_until=None,
        )

    async def all(self) -> list[Notification]:
        """Every row, oldest first (for the CLI and tests)."""
        query = select(NotificationRow).order_by(NotificationRow.id)
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_notification(r) for r in rows]

    async def _set(self, notification_id: int, **values: Any) -> None:
        statement = (
            update(NotificationRow)
            .where(NotificationRow.id == notification_id)
            .values(**values)
        )
        async with self._sessions.begin() as session:
            await session.execute(statement)


def _insert_for(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return pg_insert if dialect == "postgresql" else sqlite_insert


def _notification(row: NotificationRow) -> Notification:
    return Notification(
        id=row.id,
        key=row.key,
        kind=NotificationKind(row.kind),
        link_id=row.link_id,
        link_version=row.link_version,
        status=NotificationStatus(row.status),
        attempts=row.attempts,
        sent_to=[str(code) for code in row.sent_to or []],
        last_error=row.last_error,
        due_at=as_utc(row.due_at),
        sent_at=as_utc(row.sent_at) if row.sent_at else None,
    )
