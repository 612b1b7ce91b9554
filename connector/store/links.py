"""Links and their audit trail: erplink's own record, the only source of link state
(safety rule 6). Saleor's private metadata is a copy written from here.

Every change goes through `LinkStore.save`, which checks the row's version
(optimistic concurrency: of two writers, exactly one wins, the other gets
`LinkConflictError`) and writes one audit entry in the same transaction. Saving a
link unchanged writes nothing, so handling the same event twice leaves one trail.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.errors import ErplinkError
from connector.linking.model import LinkState
from connector.store.clock import as_utc, now
from connector.store.database import insert_new
from connector.store.tables import AuditRow, LinkRow

_TRACKED = (
    "state",
    "reason",
    "strategy",
    "account_number",
    "price_list",
    "customer_type",
    "candidates",
    "claimed_account",
    "claim_attempts",
    "email",
)


class LinkConflictError(ErplinkError):
    """Someone else changed the link first; reload and decide again."""

    code = "link_conflict"
    transient = True


@dataclass(frozen=True, slots=True)
class Link:
    """One web account's link, as stored."""

    id: int
    installation_id: int
    user_id: str
    email: str
    state: LinkState
    reason: str = ""
    strategy: str = ""
    account_number: str = ""
    price_list: str = ""
    customer_type: str = ""
    candidates: list[dict[str, Any]] = field(default_factory=list)
    claimed_account: str = ""
    claim_attempts: int = 0
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None
    linked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changed a link: the system, a rep, an admin, support or the customer."""

    kind: str
    name: str = ""


SYSTEM = Actor("system")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded transition."""

    id: int
    at: datetime
    actor: Actor
    from_state: str
    to_state: str
    reason: str
    evidence: dict[str, Any]


class LinkStore:
    """Reads and writes links with their audit trail."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, installation_id: int, user_id: str) -> Link | None:
        """The link of one Saleor user, or None if erplink never saw them."""
        query = select(LinkRow).where(
            LinkRow.installation_id == installation_id, LinkRow.user_id == user_id
        )
        async with self._sessions() as session:
            row = await session.scalar(query)
        return link_from_row(row) if row else None

    async def get_or_create(
        self, installation_id: int, user_id: str, email: str
    ) -> Link:
        """The user's link, created as `received` on first sight.

        One transaction: read, insert if missing (a concurrent creator's row wins
        over ours without an error), read again.
        """
        query = select(LinkRow).where(
            LinkRow.installation_id == installation_id, LinkRow.user_id == user_id
        )
        moment = now()
        fresh = {
            "installation_id": installation_id,
            "user_id": user_id,
            "email": email,
            "state": LinkState.RECEIVED,
            "candidates": [],
            "created_at": moment,
            "updated_at": moment,
        }
        async with self._sessions.begin() as session:
            row = await session.scalar(query)
            if row is None:
                await session.execute(insert_new(session, LinkRow.__table__), fresh)
                row = await session.scalar(query)
        if row is None:
            raise LinkConflictError(f"link of {user_id} vanished while being created")
        return link_from_row(row)

    async def save(
        self,
        old: Link,
        new: Link,
        *,
        actor: Actor = SYSTEM,
        evidence: dict[str, Any] | None = None,
        inbox_id: int | None = None,
    ) -> Link:
        """Write `new` over `old` with one audit entry; nothing if nothing changed.

        Raises:
            LinkConflictError: the stored link is no longer `old`.
        """
        changes = {
            k: getattr(new, k) for k in _TRACKED if getattr(new, k) != getattr(old, k)
        }
        if not changes:
            return old

        moment = now()
        values: dict[str, Any] = {
            **changes,
            "version": old.version + 1,
            "updated_at": moment,
        }
        if new.state is LinkState.LINKED and old.state is not LinkState.LINKED:
            values["linked_at"] = moment
        statement = (
            update(LinkRow)
            .where(LinkRow.id == old.id, LinkRow.version == old.version)
            .values(**values)
        )
        audit = AuditRow(
            link_id=old.id,
            at=moment,
            actor=actor.kind,
            actor_name=actor.name,
            from_state=old.state,
            to_state=new.state,
            reason=new.reason,
            evidence=evidence or {},
            inbox_id=inbox_id,
        )
        async with self._sessions.begin() as session:
            result = await session.execute(statement)
            if cast(CursorResult[Any], result).rowcount != 1:
                raise LinkConflictError(f"link {old.id} changed under us")
            session.add(audit)
        return dataclasses.replace(
            new,
            version=old.version + 1,
            updated_at=moment,
            linked_at=values.get("linked_at", old.linked_at),
        )

    async def history(self, link_id: int) -> list[AuditEntry]:
        """The link's audit trail, oldest first."""
        query = (
            select(AuditRow).where(AuditRow.link_id == link_id).order_by(AuditRow.id)
        )
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [
            AuditEntry(
                id=r.id,
                at=as_utc(r.at),
                actor=Actor(r.actor, r.actor_name),
                from_state=r.from_state,
                to_state=r.to_state,
                reason=r.reason,
                evidence=r.evidence,
            )
            for r in rows
        ]

    async def find_by_email(self, email: str) -> list[Link]:
        """Links whose e-mail is `email`, case-insensitively, across installations."""
        query = select(LinkRow).where(func.lower(LinkRow.email) == email.lower())
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [link_from_row(r) for r in rows]

    async def by_id(self, link_id: int) -> Link | None:
        """The link with this id, or None."""
        async with self._sessions() as session:
            row = await session.get(LinkRow, link_id)
        return link_from_row(row) if row else None

    async def in_state(self, state: LinkState, *, limit: int = 500) -> list[Link]:
        """Links in `state`, oldest first, at most `limit`."""
        query = (
            select(LinkRow)
            .where(LinkRow.state == state)
            .order_by(LinkRow.updated_at, LinkRow.id)
            .limit(limit)
        )
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [link_from_row(r) for r in rows]

    async def count_by_state(self) -> dict[str, int]:
        """How many links are in each state."""
        query = select(LinkRow.state, func.count()).group_by(LinkRow.state)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return {str(state): int(count) for state, count in rows}


def link_from_row(row: LinkRow) -> Link:
    """The stored row as a `Link` (for stores that read the links table)."""
    return Link(
        id=row.id,
        installation_id=row.installation_id,
        user_id=row.user_id,
        email=row.email,
        state=LinkState(row.state),
        reason=row.reason,
        strategy=row.strategy,
        account_number=row.account_number,
        price_list=row.price_list,
        customer_type=row.customer_type,
        candidates=list(row.candidates or []),
        claimed_account=row.claimed_account,
        claim_attempts=row.claim_attempts,
        version=row.version,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        linked_at=as_utc(row.linked_at) if row.linked_at else None,
    )
