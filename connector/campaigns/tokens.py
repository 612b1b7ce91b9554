"""Invite tokens: signed, compact, URL-safe, and verifiable without any I/O.

A token carries who it is for (installation, account, optional contact e-mail), who
asked (rep code, campaign, source) and until when it is good. Its layout::

    base64url(fields joined by US) "." base64url(HMAC-SHA256(key, fields)[:12])

The invite id is not in the token: it is derived again from the fields it is made
of. Every byte saved makes the QR code smaller (a lower QR version), which is both
easier to scan from paper and faster to make. 96 bits of MAC leave forging to
chance far beyond any number of attempts a store would ever answer.

The key is derived from the app secret with a fixed label, so rotating the app
secret invalidates every outstanding invite: that is the price of not storing a
second secret. Whether a token was already used is not visible in the token; the
invites table answers that (see `connector.campaigns.redemption`).
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, timedelta

from connector.errors import ErplinkError

TOKEN_VERSION = "1"
MAC_BYTES = 12
_KEY_LABEL = b"erplink invite token v1"
_SEPARATOR = "\x1f"
_EPOCH = date(2020, 1, 1)
_FIELDS = 8


class InviteSource(enum.StrEnum):
    """Where the invitation reached the customer."""

    EMAIL = "email"
    INVOICE_QR = "invoice_qr"
    REP_VISIT = "rep_visit"

    @property
    def letter(self) -> str:
        """The one-letter code a token carries."""
        return _SOURCE_LETTERS[self]


_SOURCE_LETTERS = {
    InviteSource.EMAIL: "e",
    InviteSource.INVOICE_QR: "q",
    InviteSource.REP_VISIT: "r",
}
_SOURCES_BY_LETTER = {letter: source for source, letter in _SOURCE_LETTERS.items()}


class InviteTokenError(ErplinkError):
    """A token that links nothing; `code` says why (a `Reason` value)."""

    code = "invite_tampered"


@dataclass(frozen=True, slots=True)
class InviteClaims:
    """What a token says. `email` is empty for an account-wide invite (a QR code)."""

    token_id: str
    installation: str
    campaign: str
    account: str
    email: str
    rep: str
    source: InviteSource
    expires: date


def invite_key(app_secret: str) -> bytes:
    """The signing key for invite tokens, derived from the app secret."""
    return hmac.new(app_secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def installation_tag(api_url: str) -> str:
    """A short, stable name for the installation a token is for."""
    return _b64(hashlib.sha256(api_url.encode()).digest()[:6])


def token_id(installation: str, campaign: str, account: str, email: str) -> str:
    """The invite's id: the same inputs always give the same id (and token)."""
    material = _SEPARATOR.join((installation, campaign, account, email.lower()))
    return _b64(hashlib.sha256(material.encode()).digest()[:12])


def sign(claims: InviteClaims, key: bytes) -> str:
    """The token for `claims` (whose `token_id` is implied by its other fields).

    Raises:
        InviteTokenError: a field holds the separator character (code
            `invite_field_invalid`); such a value cannot be encoded unambiguously.
    """
    fields = (
        TOKEN_VERSION,
        claims.installation,
        claims.campaign,
        claims.account,
        claims.email,
        claims.rep,
        claims.source.letter,
        format((claims.expires - _EPOCH).days, "x"),
    )
    if any(_SEPARATOR in value for value in fields):
        raise InviteTokenError(
            "invite fields may not contain the unit separator character",
            code="invite_field_invalid",
        )
    body = _SEPARATOR.join(fields).encode()

    return f"{_b64(body)}.{_b64(_mac(key, body))}"


def verify(token: str, key: bytes, *, installation: str, today: date) -> InviteClaims:
    """The claims of a genuine, current token for this installation.

    Raises:
        InviteTokenError: code `invite_tampered` (not a token, or not signed with
            this key), `invite_other_installation` or `invite_expired`.
    """
    body = _authentic_body(token, key)
    claims = _parse(body)
    if not hmac.compare_digest(claims.installation, installation):
        raise InviteTokenError(
            "the invite was issued for another store", code="invite_other_installation"
        )
    if today > claims.expires:
        raise InviteTokenError(
            f"the invite expired on {claims.expires.isoformat()}", code="invite_expired"
        )

    return claims


def _authentic_body(token: str, key: bytes) -> bytes:
    encoded, dot, mac = token.strip().partition(".")
    try:
        body, given = _unb64(encoded), _unb64(mac)
    except (binascii.Error, ValueError) as exc:
        raise InviteTokenError("the invite is not a token") from exc
    if not dot or not hmac.compare_digest(given, _mac(key, body)):
        raise InviteTokenError("the invite's signature does not match")

    return body


def _parse(body: bytes) -> InviteClaims:
    """Fields of a body whose MAC verified; a bad layout still means tampering."""
    fields = body.decode("utf-8", "replace").split(_SEPARATOR)
    if len(fields) != _FIELDS or fields[0] != TOKEN_VERSION:
        raise InviteTokenError("the invite has an unknown layout")
    source = _SOURCES_BY_LETTER.get(fields[6])
    try:
        expires = _EPOCH + timedelta(days=int(fields[7], 16))
    except ValueError as exc:
        raise InviteTokenError("the invite has an unknown layout") from exc
    if source is None:
        raise InviteTokenError("the invite has an unknown layout")

    _, installation, campaign, account, email, rep = fields[:6]
    return InviteClaims(
        token_id=token_id(installation, campaign, account, email),
        installation=installation,
        campaign=campaign,
        account=account,
        email=email,
        rep=rep,
        source=source,
        expires=expires,
    )


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()[:MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text:
        raise ValueError("empty")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
