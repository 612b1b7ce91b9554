"""Versions of the linking policy and price list mapping, kept in the store.

The settings file gives the first policy; an admin's change through the admin API
is stored as a new version with who made it. The newest version wins, in every
process: `PolicyStore.latest` is what `connector.policy_sync` polls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.linking.policy import Policy
from connector.store.clock import as_utc, now
from connector.store.links import Actor
from connector.store.tables import PolicyVersionRow


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    """One stored version of the policy."""

    version: int
    policy: Policy
    at: datetime
    actor: Actor


class PolicyStore:
    """Stores and reads policy versions."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def latest(self) -> PolicyVersion | None:
        """The newest stored version, or None while the settings file rules."""
        query = select(PolicyVersionRow).order_by(PolicyVersionRow.id.desc()).limit(1)
        async with self._sessions() as session:
            row = await session.scalar(query)
        return _version(row) if row else None

    async def save(self, policy: Policy, actor: Actor) -> PolicyVersion:
        """Store `policy` as the newest version."""
        row = PolicyVersionRow(
            at=now(),
            actor=actor.kind,
            actor_name=actor.name,
            policy=_dump(policy),
        )
        async with self._sessions.begin() as session:
            session.add(row)
        return _version(row)

    async def history(self) -> list[PolicyVersion]:
        """Every stored version, oldest first."""
        query = select(PolicyVersionRow).order_by(PolicyVersionRow.id)
        async with self._sessions() as session:
            rows = (await session.scalars(query)).all()
        return [_version(r) for r in rows]


def _dump(policy: Policy) -> dict[str, Any]:
    data: dict[str, Any] = policy.model_dump(mode="json")
    data["auto_link"] = sorted(data["auto_link"])
    data["extra_free_mail_domains"] = sorted(data["extra_free_mail_domains"])
    return data


def _version(row: PolicyVersionRow) -> PolicyVersion:
    return PolicyVersion(
        version=row.id,
        policy=Policy.model_validate(row.policy),
        at=as_utc(row.at),
        actor=Actor(row.actor, row.actor_name),
    )
