"""Adoption facts in the store: logins seen in Saleor, orders placed in the store,
and the linked accounts and invites the funnel and attribution are computed from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.linking.model import LinkState
from connector.store.clock import as_utc
from connector.store.tables import (
    CustomerLoginRow,
    DigitalOrderRow,
    InviteRow,
    LinkRow,
)

_BATCH = 1000
UserKey = tuple[int, str]


@dataclass(frozen=True, slots=True)
class LinkedUser:
    """A web account linked to an ERP account."""

    installation_id: int
    user_id: str
    account_number: str
    linked_at: datetime


@dataclass(frozen=True, slots=True)
class InviteUse:
    """One invite, with who registered with it and where their link stands."""

    campaign: str
    source: str
    rep: str
    registered: bool
    linked_at: datetime | None


class ActivityStore:
    """Reads and writes the adoption facts."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record_logins(
        self, installation_id: int, logins: Iterable[tuple[str, datetime]]
    ) -> int:
        """Store the (user, last login) pairs not seen before; returns how many."""
        wanted = sorted(set(logins))
        added = 0
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start : start + _BATCH]
            added += await self._add_logins(installation_id, batch)
        return added

    async def record_order(
        self, installation_id: int, order_id: str, user_id: str, created_at: datetime
    ) -> bool:
        """Store one order; False when it was stored before (a redelivery)."""
        row = DigitalOrderRow(
            installation_id=installation_id,
            order_id=order_id,
            user_id=user_id,
            created_at=created_at,
        )
        try:
            async with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            return False
        return True

    async def linked_users(self) -> list[LinkedUser]:
        """Every linked web account, with its account and when it was linked."""
        query = select(
            LinkRow.installation_id,
            LinkRow.user_id,
            LinkRow.account_number,
            LinkRow.linked_at,
            LinkRow.updated_at,
        ).where(LinkRow.state == LinkState.LINKED.value)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [LinkedUser(r[0], r[1], r[2], as_utc(r[3] or r[4])) for r in rows]

    async def logins(self) -> dict[UserKey, list[datetime]]:
        """Every login seen, per (installation, user), oldest first."""
        query = select(
            CustomerLoginRow.installation_id,
            CustomerLoginRow.user_id,
            CustomerLoginRow.login_at,
        ).order_by(CustomerLoginRow.login_at)
        return await self._grouped(query)

    async def orders(self) -> dict[UserKey, list[datetime]]:
        """Every digital order, per (installation, user), oldest first."""
        query = select(
            DigitalOrderRow.installation_id,
            DigitalOrderRow.user_id,
            DigitalOrderRow.created_at,
        ).order_by(DigitalOrderRow.created_at)
        return await self._grouped(query)

    async def invite_uses(self) -> list[InviteUse]:
        """Every invite with its registration and link, for attribution."""
        joined = and_(
            LinkRow.installation_id == InviteRow.installation_id,
            LinkRow.user_id == InviteRow.registered_user_id,
        )
        query = select(
            InviteRow.campaign,
            InviteRow.source,
            InviteRow.rep,
            InviteRow.registered_user_id,
            LinkRow.state,
            LinkRow.linked_at,
            InviteRow.redeemed_user_id,
        ).outerjoin(LinkRow, joined)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [
            InviteUse(
                campaign=r[0],
                source=r[1],
                rep=r[2],
                registered=bool(r[3]),
                linked_at=as_utc(r[5])
                if r[4] == LinkState.LINKED.value and r[5]
                else None,
            )
            for r in rows
        ]

    async def first_invite_day(self) -> date | None:
        """The day the first invite was issued, or None before any."""
        async with self._sessions() as session:
            first = await session.scalar(select(func.min(InviteRow.created_at)))
        return as_utc(first).date() if first else None

    async def _add_logins(
        self, installation_id: int, batch: list[tuple[str, datetime]]
    ) -> int:
        users = [user for user, _ in batch]
        query = select(CustomerLoginRow.user_id, CustomerLoginRow.login_at).where(
            CustomerLoginRow.installation_id == installation_id,
            CustomerLoginRow.user_id.in_(users),
        )
        async with self._sessions.begin() as session:
            seen = {(u, as_utc(at)) for u, at in await session.execute(query)}
            fresh = [(u, at) for u, at in batch if (u, as_utc(at)) not in seen]
            session.add_all(
                CustomerLoginRow(
                    installation_id=installation_id, user_id=u, login_at=at
                )
                for u, at in fresh
            )
        return len(fresh)

    async def _grouped(self, query: object) -> dict[UserKey, list[datetime]]:
        grouped: dict[UserKey, list[datetime]] = {}
        async with self._sessions() as session:
            for installation_id, user_id, at in await session.execute(query):  # type: ignore[call-overload]
                grouped.setdefault((installation_id, user_id), []).append(as_utc(at))
        return grouped
