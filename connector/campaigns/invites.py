"""The invites table: what was issued, who registered with it, who redeemed it.

Issuing is an upsert keyed by the deterministic token id: an invite once stored
keeps its expiry, so a rerun after an interruption signs exactly the same tokens.
Redemption is one conditional UPDATE, so of two customers racing with one token
exactly one wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.store.clock import now
from connector.store.tables import InviteRow

_BATCH = 1000


@dataclass(frozen=True, slots=True)
class IssuedInvite:
    """One stored invitation."""

    id: str
    installation_id: int
    campaign: str
    account_number: str
    contact_email: str
    rep: str
    source: str
    expires_on: date
    registered_user_id: str = ""
    redeemed_user_id: str = ""
    redeemed_at: datetime | None = None


class InviteStore:
    """Reads and writes the invites table."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def issue(self, invites: Sequence[IssuedInvite]) -> list[IssuedInvite]:
        """Store the invites not stored yet; return every one as stored.

        Ids already present keep their stored fields (their expiry above all),
        which makes a rerun of a campaign reproduce its tokens.
        """
        stored: dict[str, IssuedInvite] = {}
        for start in range(0, len(invites), _BATCH):
            batch = invites[start : start + _BATCH]
            stored |= await self._issue_batch(batch)

        return [stored[invite.id] for invite in invites]

    async def get(self, invite_id: str) -> IssuedInvite | None:
        """The invite with this id, or None."""
        async with self._sessions() as session:
            row = await session.get(InviteRow, invite_id)
        return _invite(row) if row else None

    async def record_registration(self, invite_id: str, user_id: str) -> None:
        """Note the first customer who registered with the invite (attribution)."""
        query = (
            update(InviteRow)
            .where(InviteRow.id == invite_id, InviteRow.registered_user_id == "")
            .values(registered_user_id=user_id, registered_at=now())
        )
        async with self._sessions.begin() as session:
            await session.execute(query)

    async def redeem(self, invite_id: str, user_id: str) -> bool:
        """Use the invite up for `user_id`; False when someone else already has."""
        query = (
            update(InviteRow)
            .where(InviteRow.id == invite_id, InviteRow.redeemed_user_id == "")
            .values(redeemed_user_id=user_id, redeemed_at=now())
        )
        async with self._sessions.begin() as session:
            result = cast(CursorResult[tuple[()]], await session.execute(query))
        if result.rowcount == 1:
            return True

        current = await self.get(invite_id)
        return current is not None and current.redeemed_user_id == user_id

    async def campaign(self, installation_id: int, campaign: str) -> list[IssuedInvite]:
        """Every invite of one campaign, by id."""
        query = (
            select(InviteRow)
            .where(
                InviteRow.installation_id == installation_id,
                InviteRow.campaign == campaign,
            )
            .order_by(InviteRow.id)
        )
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_invite(row) for row in rows]

    async def _issue_batch(
        self, batch: Sequence[IssuedInvite]
    ) -> dict[str, IssuedInvite]:
        """One transaction: read the stored ones, insert the rest (Core, not ORM
        objects: a campaign is a hundred thousand rows)."""
        ids = [invite.id for invite in batch]
        async with self._sessions.begin() as session:
            query = select(*_COLUMNS).where(InviteRow.id.in_(ids))
            existing = {
                r.id: IssuedInvite(**r._asdict()) for r in await session.execute(query)
            }
            fresh = {i.id: i for i in batch if i.id not in existing}
            if fresh:
                moment = now()
                values = [_values(invite, moment) for invite in fresh.values()]
                await session.execute(insert(InviteRow), values)

        return existing | fresh


_COLUMNS = tuple(
    getattr(InviteRow, name)
    for name in (
        "id",
        "installation_id",
        "campaign",
        "account_number",
        "contact_email",
        "rep",
        "source",
        "expires_on",
        "registered_user_id",
        "redeemed_user_id",
        "redeemed_at",
    )
)


def _values(invite: IssuedInvite, moment: datetime) -> dict[str, object]:
    return {
        "id": invite.id,
        "installation_id": invite.installation_id,
        "campaign": invite.campaign,
        "account_number": invite.account_number,
        "contact_email": invite.contact_email,
        "rep": invite.rep,
        "source": invite.source,
        "expires_on": invite.expires_on,
        "created_at": moment,
        "registered_user_id": "",
        "redeemed_user_id": "",
    }


def _invite(row: InviteRow) -> IssuedInvite:
    return IssuedInvite(
        id=row.id,
        installation_id=row.installation_id,
        campaign=row.campaign,
        account_number=row.account_number,
        contact_email=row.contact_email,
        rep=row.rep,
        source=row.source,
        expires_on=row.expires_on,
        registered_user_id=row.registered_user_id,
        redeemed_user_id=row.redeemed_user_id,
        redeemed_at=row.redeemed_at,
    )
