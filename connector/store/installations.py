"""Installations: the Saleor stores that installed erplink, with their app token
encrypted at rest (Fernet, key from the settings) and their cached JWKS."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.errors import ConfigurationError
from connector.store.clock import as_utc, now
from connector.store.errors import store_errors
from connector.store.tables import InstallationRow

CACHE_TTL_S = 30.0


@dataclass(frozen=True, slots=True)
class Installation:
    """One Saleor store's installation of erplink. `repr` never shows the token."""

    id: int
    api_url: str
    app_id: str
    domain: str
    jwks: str
    updated_at: datetime
    token: str = ""

    def __repr__(self) -> str:
        return f"Installation(id={self.id}, api_url={self.api_url!r})"


def fernet_for(secret: str) -> Fernet:
    """A Fernet key derived from the configured secret (any length)."""
    digest = hashlib.sha256(secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class InstallationStore:
    """Installations keyed by Saleor API URL, kept in memory for a short while.

    Every webhook names its installation, so reading it from the database and
    decrypting its token on each delivery would cost more than storing the event.
    A process keeps each installation it read for `cache_ttl_s`; its own writes
    refresh the copy at once. A change made by another process (a reinstall served
    by another `erplink serve`) is seen within `cache_ttl_s`; until then a webhook
    signed with a new key still verifies, because a failed check fetches the JWKS
    again. Unknown API URLs are not cached: an installation counts at once.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        secret: str,
        *,
        cache_ttl_s: float = CACHE_TTL_S,
    ) -> None:
        self._sessions = sessions
        self._fernet = fernet_for(secret)
        self._ttl_s = cache_ttl_s
        self._cache: dict[str, tuple[float, Installation]] = {}
        self._urls: dict[int, str] = {}

    async def save(
        self, api_url: str, app_id: str, domain: str, token: str, jwks: str
    ) -> Installation:
        """Store (or replace, on reinstall) the installation of `api_url`."""
        moment = now()
        encrypted = self._fernet.encrypt(token.encode())
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(InstallationRow).where(InstallationRow.api_url == api_url)
            )
            if row is None:
                row = InstallationRow(api_url=api_url, created_at=moment)
                session.add(row)
            row.app_id, row.domain, row.jwks = app_id, domain, jwks
            row.token_encrypted, row.updated_at = encrypted, moment
        return self._remember(self._installation(row))

    async def get(self, api_url: str) -> Installation | None:
        """The installation of `api_url`, or None when that Saleor never installed."""
        cached = self._cached(api_url)
        if cached is not None:
            return cached
        return await self._one(InstallationRow.api_url == api_url)

    async def by_id(self, installation_id: int) -> Installation | None:
        """The installation with this id, or None."""
        cached = self._cached(self._urls.get(installation_id, ""))
        if cached is not None:
            return cached
        return await self._one(InstallationRow.id == installation_id)

    async def all(self) -> list[Installation]:
        """Every installation."""
        async with self._sessions() as session:
            rows = (await session.scalars(select(InstallationRow))).all()
        return [self._installation(r) for r in rows]

    async def update_jwks(self, installation_id: int, jwks: str) -> None:
        """Replace the cached JWKS after Saleor changed its key."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(InstallationRow)
                .where(InstallationRow.id == installation_id)
                .values(jwks=jwks, updated_at=now())
            )
        self._forget(installation_id)

    async def _one(self, condition: ColumnElement[bool]) -> Installation | None:
        with store_errors("read the installation"):
            found = await self._read_one(condition)
        return self._remember(found) if found else None

    def _cached(self, api_url: str) -> Installation | None:
        entry = self._cache.get(api_url)
        if entry is None or time.monotonic() - entry[0] > self._ttl_s:
            return None
        return entry[1]

    def _remember(self, installation: Installation) -> Installation:
        self._cache[installation.api_url] = (time.monotonic(), installation)
        self._urls[installation.id] = installation.api_url
        return installation

    def _forget(self, installation_id: int) -> None:
        self._cache.pop(self._urls.pop(installation_id, ""), None)

    async def _read_one(self, condition: ColumnElement[bool]) -> Installation | None:
        async with self._sessions() as session:
            row = await session.scalar(select(InstallationRow).where(condition))
        return self._installation(row) if row else None

    def _installation(self, row: InstallationRow) -> Installation:
        try:
            token = self._fernet.decrypt(row.token_encrypted).decode()
        except InvalidToken as exc:
            raise ConfigurationError(
                f"the app token of {row.api_url} cannot be decrypted: "
                "ERPLINK_SECRET_KEY differs from the one it was stored with"
            ) from exc
        return Installation(
            id=row.id,
            api_url=row.api_url,
            app_id=row.app_id,
            domain=row.domain,
            jwks=row.jwks,
            updated_at=as_utc(row.updated_at),
            token=token,
        )
