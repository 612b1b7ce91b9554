"""Saleor dashboard tokens: who a staff user in the dashboard iframe is.

The token is an RS256 JWT signed with the store's webhook key (see
../shared/saleor/PROTOCOL.md, "Dashboard pages"). It is verified against the
installation's stored JWKS, fetched again once on an unknown `kid` (rate-limited by
`WebhookVerifier`), and must carry `exp`, `iss` equal to the stored API URL and
`app` equal to the stored app id. Roles come from the user's permissions:
MANAGE_APPS makes an admin, MANAGE_USERS support; a staff user whose e-mail is a
salesperson's e-mail in the ERP is that sales rep.
"""

from __future__ import annotations

import time
from typing import Any

import jwt

from connector.errors import SignatureError
from connector.reviewer import Reviewer, Role
from connector.store.installations import Installation, InstallationStore
from erp_adapters.base import ErpAdapter
from webhooks.signatures import WebhookVerifier, _keys

REP_DIRECTORY_TTL_S = 60.0
LEEWAY_S = 5


class RepDirectory:
    """Salesperson e-mail -> ERP salesperson code, read from the ERP's accounts.

    The adapter has no lookup by salesperson, so the map is built from every
    account and kept for `REP_DIRECTORY_TTL_S`.
    """

    def __init__(self, adapter: ErpAdapter, ttl_s: float = REP_DIRECTORY_TTL_S):
        self._adapter = adapter
        self._ttl_s = ttl_s
        self._codes: dict[str, str] = {}
        self._loaded_at = float("-inf")

    async def code_of(self, email: str) -> str:
        """The salesperson code whose e-mail is `email`, or ""."""
        if time.monotonic() - self._loaded_at > self._ttl_s:
            codes: dict[str, str] = {}
            async for account in self._adapter.accounts_changed_since(None):
                if account.salesperson and account.salesperson_email:
                    codes[account.salesperson_email.lower()] = account.salesperson
            self._codes, self._loaded_at = codes, time.monotonic()
        return self._codes.get(email.strip().lower(), "")


class DashboardTokens:
    """Turns a dashboard token into a `Reviewer`."""

    def __init__(
        self,
        installations: InstallationStore,
        verifier: WebhookVerifier,
        reps: RepDirectory,
    ) -> None:
        self._installations = installations
        self._verifier = verifier
        self._reps = reps

    async def reviewer(self, token: str) -> Reviewer:
        """The staff user the token names, with their role.

        Raises:
            SignatureError: forged, expired, of another app or another store, or a
                user with none of the permissions erplink knows.
        """
        installation = await self._installation(token)
        claims = await self._verified(token, installation)
        return await self._role(claims)

    async def _installation(self, token: str) -> Installation:
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError as exc:
            raise SignatureError("the dashboard token is not a JWT") from exc
        installation = await self._installations.get(str(issuer or ""))
        if installation is None:
            raise SignatureError(
                "the dashboard token's store has not installed erplink"
            )
        return installation

    async def _verified(self, token: str, installation: Installation) -> dict[str, Any]:
        jwks = installation.jwks
        if _kid(token) not in _keys(jwks):
            # Saleor switched keys: fetch the JWKS once (rate-limited) and retry.
            jwks = await self._verifier.refreshed_jwks(installation) or jwks
        return _decode(token, jwks, installation)

    async def _role(self, claims: dict[str, Any]) -> Reviewer:
        email = str(claims.get("email") or "")
        permissions = set(claims.get("user_permissions") or [])
        if "MANAGE_APPS" in permissions:
            return Reviewer(Role.ADMIN, email)
        if "MANAGE_USERS" in permissions:
            return Reviewer(Role.SUPPORT, email)
        code = await self._reps.code_of(email) if email else ""
        if code:
            return Reviewer(Role.SALES_REP, email, rep_code=code)
        raise SignatureError(
            "the staff user has neither MANAGE_APPS nor MANAGE_USERS and is no "
            "salesperson in the ERP",
            code="forbidden",
        )


def _kid(token: str) -> str:
    try:
        return str(jwt.get_unverified_header(token).get("kid"))
    except jwt.PyJWTError as exc:
        raise SignatureError("the dashboard token has an unreadable header") from exc


def _decode(token: str, jwks: str, installation: Installation) -> dict[str, Any]:
    key = _keys(jwks).get(_kid(token))
    if key is None:
        raise SignatureError("the dashboard token's key is not in the store's JWKS")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=["RS256"],
            issuer=installation.api_url,
            leeway=LEEWAY_S,
            options={"require": ["exp", "iss"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise SignatureError(
            "the dashboard token has expired", code="token_expired"
        ) from exc
    except jwt.PyJWTError as exc:
        raise SignatureError(f"the dashboard token is not valid: {exc}") from exc
    if claims.get("app") != installation.app_id:
        raise SignatureError("the dashboard token was issued to another app")
    return claims
