"""API keys for the admin API: created once, shown once, stored as a keyed hash.

A key is `erpl_` followed by 32 random bytes (256 bits, URL-safe base64). The store
keeps only HMAC-SHA256 of the key under the installation secret. A fast keyed hash
is right here, unlike for passwords: slow hashes (bcrypt, argon2) exist to make
guessing low-entropy passwords expensive, but nobody can guess a 256-bit random
key, fast hash or not. The HMAC key means that a copy of the database alone does
not even let anyone test a candidate key, and lookup is one indexed equality match
per request instead of a deliberately slow computation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.errors import ErplinkError
from connector.reviewer import Reviewer, Role
from connector.store.clock import as_utc, now
from connector.store.tables import ApiKeyRow

KEY_PREFIX = "erpl_"
KEY_BYTES = 32
_SHOWN_CHARS = 8


class ApiKeyError(ErplinkError):
    """An API key cannot be created or revoked as asked."""

    code = "api_key_error"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key, without the secret: what `apikey list` shows."""

    id: int
    name: str
    role: Role
    rep_code: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyStore:
    """Creates, lists, revokes and checks API keys."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], secret: str):
        self._sessions = sessions
        self._secret = secret.encode()

    async def create(self, role: Role, name: str, rep_code: str = "") -> str:
        """A new key for `name` with `role`; returned once, never stored as such.

        Raises:
            ApiKeyError: a rep key without a rep code, a rep code for another role,
                or an empty name.
        """
        _check(role, name, rep_code)
        key = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
        row = ApiKeyRow(
            name=name.strip(),
            role=role.value,
            rep_code=rep_code.strip(),
            key_hash=self._digest(key),
            prefix=key[: len(KEY_PREFIX) + _SHOWN_CHARS],
            created_at=now(),
            revoked_at=None,
        )
        async with self._sessions.begin() as session:
            session.add(row)
        return key

    async def list(self) -> list[ApiKey]:
        """Every key, revoked ones included, oldest first."""
        async with self._sessions() as session:
            rows = (await session.scalars(select(ApiKeyRow).order_by("id"))).all()
        return [_key(r) for r in rows]

    async def revoke(self, key_id: int) -> ApiKey:
        """Revoke a key by id; a revoked key stops working at once.

        Raises:
            ApiKeyError: no such key.
        """
        async with self._sessions.begin() as session:
            await session.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
                .values(revoked_at=now())
            )
            row = await session.get(ApiKeyRow, key_id)
        if row is None:
            raise ApiKeyError(f"there is no API key {key_id}", code="not_found")
        return _key(row)

    async def reviewer(self, key: str) -> Reviewer | None:
        """The person a presented key stands for, or None for an unknown or revoked
        key."""
        if not key.startswith(KEY_PREFIX):
            return None
        query = select(ApiKeyRow).where(
            ApiKeyRow.key_hash == self._digest(key), ApiKeyRow.revoked_at.is_(None)
        )
        async with self._sessions() as session:
            row = await session.scalar(query)
        if row is None:
            return None
        return Reviewer(Role(row.role), row.name, rep_code=row.rep_code)

    def _digest(self, key: str) -> str:
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()


def _check(role: Role, name: str, rep_code: str) -> None:
    if not name.strip():
        raise ApiKeyError("name the key's holder, e.g. --name 'helpdesk'")
    if role is Role.SALES_REP and not rep_code.strip():
        raise ApiKeyError("a sales rep key needs --rep CODE (the ERP salesperson)")
    if role is not Role.SALES_REP and rep_code.strip():
        raise ApiKeyError("--rep is only for sales rep keys")


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        rep_code=row.rep_code,
        prefix=row.prefix,
        created_at=as_utc(row.created_at),
        revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
    )
