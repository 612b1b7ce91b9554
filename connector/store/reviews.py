"""What people's actions need from the store beyond `LinkStore`: links by id and
by filter, audit entries that record an act without a state change, and the
separate record of denied attempts.

Denied attempts live in their own table (`access_denied`) rather than in the audit
trail: a refused attempt changed nothing, may name no link at all (no credentials,
an unknown link id), and must not be mistaken for a transition when support reads
a customer's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.linking.model import LinkState
from connector.store.clock import as_utc, now
from connector.store.links import Actor, Link, link_from_row
from connector.store.tables import AccessDeniedRow, AuditRow, LinkRow


@dataclass(frozen=True, slots=True)
class DeniedAttempt:
    """One refused attempt to act."""

    id: int
    at: datetime
    actor: Actor
    action: str
    link_id: int | None
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class LinkFilter:
    """Which links a listing shows; empty fields do not filter.

    Attributes:
        states: only links in these states.
        older_than: only links unchanged since before this moment.
        email: only links of this e-mail address, case-insensitively.
    """

    states: frozenset[LinkState] = frozenset()
    older_than: datetime | None = None
    email: str = ""


class ReviewStore:
    """Reads links for people and records what they did or were refused."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def link(self, link_id: int) -> Link | None:
        """The link with this id, or None."""
        async with self._sessions() as session:
            row = await session.get(LinkRow, link_id)
        return link_from_row(row) if row else None

    async def links(
        self, where: LinkFilter, *, after_id: int = 0, limit: int = 50
    ) -> list[Link]:
        """Links matching `where` by ascending id, after `after_id`, at most `limit`."""
        page = _query(where).where(LinkRow.id > after_id).order_by(LinkRow.id)
        async with self._sessions() as session:
            rows = (await session.scalars(page.limit(limit))).all()
        return [link_from_row(r) for r in rows]

    async def linked_ids(self) -> list[int]:
        """The ids of every linked customer, for a resync of all of them."""
        query = select(LinkRow.id).where(LinkRow.state == LinkState.LINKED.value)
        async with self._sessions() as session:
            return list((await session.scalars(query.order_by(LinkRow.id))).all())

    async def count(self, where: LinkFilter) -> int:
        """How many links match `where` (ignoring the account filter)."""
        query = select(func.count()).select_from(_query(where).subquery())
        async with self._sessions() as session:
            return int(await session.scalar(query) or 0)

    async def note(
        self, link: Link, actor: Actor, reason: str, evidence: dict[str, Any]
    ) -> None:
        """An audit entry for an act that left the link's state as it was."""
        entry = AuditRow(
            link_id=link.id,
            at=now(),
            actor=actor.kind,
            actor_name=actor.name,
            from_state=link.state.value,
            to_state=link.state.value,
            reason=reason,
            evidence=evidence,
            inbox_id=None,
        )
        async with self._sessions.begin() as session:
            session.add(entry)

    async def deny(
        self, actor: Actor, action: str, link_id: int | None, code: str, detail: str
    ) -> None:
        """Record a refused attempt."""
        row = AccessDeniedRow(
            at=now(),
            actor=actor.kind,
            actor_name=actor.name,
            action=action,
            link_id=link_id,
            code=code,
            detail=detail,
        )
        async with self._sessions.begin() as session:
            session.add(row)

    async def denied(self, limit: int = 100) -> list[DeniedAttempt]:
        """The most recent refused attempts, newest first."""
        query = select(AccessDeniedRow).order_by(AccessDeniedRow.id.desc())
        async with self._sessions() as session:
            rows = (await session.scalars(query.limit(limit))).all()
        return [
            DeniedAttempt(
                id=r.id,
                at=as_utc(r.at),
                actor=Actor(r.actor, r.actor_name),
                action=r.action,
                link_id=r.link_id,
                code=r.code,
                detail=r.detail,
            )
            for r in rows
        ]


def _query(where: LinkFilter) -> Select[LinkRow]:
    query = select(LinkRow)
    if where.states:
        query = query.where(LinkRow.state.in_(sorted(s.value for s in where.states)))
    if where.older_than is not None:
        query = query.where(LinkRow.updated_at < where.older_than)
    if where.email:
        query = query.where(func.lower(LinkRow.email) == where.email.lower())
    return query
