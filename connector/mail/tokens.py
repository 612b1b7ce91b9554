"""One-click review tokens: the capability inside a rep's Confirm or Reject link.

A token is signed with a key derived from erplink's secret, so that nobody can make
one without it, and carries everything needed to act: the link, the link version it
was issued for, the action, the account to confirm, the rep and an expiry. Binding it
to the version is what makes it single-use: once the link is decided its version
moves on and every token issued before reads as "already decided".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from itsdangerous import BadSignature, URLSafeSerializer

from connector.errors import ErplinkError
from connector.settings import Settings
from connector.store.clock import now

_KEY_INFO = b"erplink review links v1"
_SALT = "erplink.review"


class Action(enum.StrEnum):
    """What a one-click link does."""

    CONFIRM = "confirm"
    REJECT = "reject"


class TokenError(ErplinkError):
    """A review link that cannot be used."""

    code = "token_error"


class TokenInvalidError(TokenError):
    """The link was altered, cut short, or signed with another key."""

    code = "token_invalid"


class TokenExpiredError(TokenError):
    """The link is older than the configured lifetime."""

    code = "token_expired"


@dataclass(frozen=True, slots=True)
class ReviewToken:
    """What a one-click link allows: one action on one version of one link.

    Attributes:
        link_id: the link to act on.
        version: the link version the mail showed; any other version is decided.
        action: confirm or reject.
        rep_code: the ERP salesperson code the mail went to.
        account: for confirm, the candidate account to link to.
        expires_at: when the link stops working (aware UTC).
    """

    link_id: int
    version: int
    action: Action
    rep_code: str
    account: str
    expires_at: datetime


def derive_key(secret: str) -> bytes:
    """A key for review links alone, so that it never equals the token-at-rest key."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO)
    return hkdf.derive(secret.encode())


class TokenSigner:
    """Issues and verifies review tokens."""

    def __init__(self, secret: str, ttl: timedelta) -> None:
        self._serializer = URLSafeSerializer(derive_key(secret), salt=_SALT)
        self.ttl = ttl

    def issue(
        self,
        link_id: int,
        version: int,
        action: Action,
        *,
        rep_code: str,
        account: str = "",
    ) -> str:
        """A URL-safe token for one action, valid for `ttl` from now."""
        expires = now() + self.ttl
        payload = {
            "l": link_id,
            "v": version,
            "a": action.value,
            "r": rep_code,
            "n": account,
            "e": int(expires.timestamp()),
        }
        return str(self._serializer.dumps(payload))

    def verify(self, token: str, *, at: datetime | None = None) -> ReviewToken:
        """The token's content, if it is genuine and not expired.

        Raises:
            TokenInvalidError: the signature does not match or the content is odd.
            TokenExpiredError: the token is genuine but its lifetime has passed.
        """
        try:
            payload = self._serializer.loads(token)
        except BadSignature as exc:
            raise TokenInvalidError("this review link is not valid") from exc
        review = _parse(payload)
        if (at or now()) >= review.expires_at:
            raise TokenExpiredError("this review link has expired")
        return review


def _parse(payload: Any) -> ReviewToken:
    try:
        return ReviewToken(
            link_id=int(payload["l"]),
            version=int(payload["v"]),
            action=Action(payload["a"]),
            rep_code=str(payload["r"]),
            account=str(payload["n"]),
            expires_at=datetime.fromtimestamp(int(payload["e"]), tz=now().tzinfo),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenInvalidError("this review link is not valid") from exc


def signer_for(settings: Settings) -> TokenSigner:
    """The signer for the running configuration's secret and link lifetime."""
    ttl = timedelta(seconds=settings.review_link_ttl_s)
    return TokenSigner(settings.resolved_secret(), ttl)
