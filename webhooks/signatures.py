"""Webhook signatures: Saleor's detached JWS (RS256, RFC 7797) on the raw body.

Keys come from the installation's cached JWKS. On an unknown `kid` or a failed check
the JWKS is fetched again once (at most every `refetch_interval_s` per installation,
so forged requests cannot make erplink hammer Saleor) and the check repeated: Saleor
switches keys and signatures at once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import jwt
import structlog
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from jwt.algorithms import RSAAlgorithm
from jwt.utils import base64url_decode

from connector.errors import SignatureError
from connector.store.installations import Installation, InstallationStore

log = structlog.get_logger(__name__)

_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()

JwksFetcher = Callable[[str], Awaitable[str]]


def verify_signature(signature: str, body: bytes, jwks: str) -> None:
    """Check a detached JWS over `body` against a JWKS document.

    The RS256 check runs on the signing input `b64url(header) + "." + body` (RFC
    7797: the body is not encoded), straight on the key from the JWKS. The header
    is the same on every delivery of one Saleor key, so it is parsed once.

    Raises:
        SignatureError: missing or malformed header, unknown key, or a bad signature.
    """
    header_segment, _, signature_segment = signature.partition("..")
    header = _header(signature)
    key = _keys(jwks).get(str(header.get("kid")))
    if key is None:
        raise SignatureError("the signing key is not in the store's JWKS")
    if header.get("b64") is not False or "b64" not in header.get("crit", ()):
        raise SignatureError("the signature must have a detached, unencoded payload")
    try:
        raw_signature = base64url_decode(signature_segment)
    except (ValueError, TypeError) as exc:
        raise SignatureError("the signature is not base64url") from exc
    signing_input = header_segment.encode() + b"." + body
    try:
        key.verify(raw_signature, signing_input, _PKCS1V15, _SHA256)
    except InvalidSignature:
        raise SignatureError("the signature does not match the body") from None


def _header(signature: str) -> dict[str, Any]:
    if not signature or signature.count(".") != 2 or ".." not in signature:
        raise SignatureError("Saleor-Signature is not a detached JWS")
    segment = signature.partition(".")[0]
    cached = _HEADER_CACHE.get(segment)
    if cached is not None:
        return cached
    try:
        header = json.loads(base64url_decode(segment))
    except (ValueError, TypeError) as exc:
        raise SignatureError("Saleor-Signature has an unreadable header") from exc
    if not isinstance(header, dict):
        raise SignatureError("Saleor-Signature has an unreadable header")
    if header.get("alg") != "RS256":
        raise SignatureError("only RS256 signatures are accepted")
    if len(_HEADER_CACHE) >= _CACHE_SIZE:  # forged headers cannot grow it
        _HEADER_CACHE.clear()
    _HEADER_CACHE[segment] = header
    return header


_CACHE_SIZE = 64
_HEADER_CACHE: dict[str, dict[str, Any]] = {}
_KEY_CACHE: dict[str, dict[str, RSAPublicKey]] = {}


def _keys(jwks: str) -> dict[str, RSAPublicKey]:
    """Public keys by kid, parsed once per distinct JWKS document."""
    cached = _KEY_CACHE.get(jwks)
    if cached is not None:
        return cached
    try:
        keys = {
            str(k["kid"]): _public(RSAAlgorithm.from_jwk(k))
            for k in json.loads(jwks).get("keys", [])
            if k.get("kty") == "RSA"
        }
    except (ValueError, KeyError, TypeError, jwt.PyJWTError) as exc:
        raise SignatureError("the stored JWKS cannot be read") from exc
    if len(_KEY_CACHE) >= _CACHE_SIZE:
        _KEY_CACHE.clear()
    _KEY_CACHE[jwks] = keys
    return keys


def _public(key: RSAPrivateKey | RSAPublicKey) -> RSAPublicKey:
    return key.public_key() if isinstance(key, RSAPrivateKey) else key


class WebhookVerifier:
    """Verifies deliveries of one erplink against each installation's JWKS."""

    def __init__(
        self,
        installations: InstallationStore,
        fetch_jwks: JwksFetcher,
        *,
        refetch_interval_s: float = 30.0,
    ) -> None:
        self._installations = installations
        self._fetch = fetch_jwks
        self._interval = refetch_interval_s
        self._last_fetch: dict[int, float] = {}

    async def verify(
        self, installation: Installation, signature: str, body: bytes
    ) -> None:
        """Verify, refetching the JWKS once when the cached one does not fit.

        Raises:
            SignatureError: the delivery is not signed by this Saleor.
        """
        try:
            verify_signature(signature, body, installation.jwks)
            return
        except SignatureError as first:
            jwks = await self.refetched_for(installation, signature)
            if jwks is None:
                raise first
        verify_signature(signature, body, jwks)

    async def refetched_for(
        self, installation: Installation, signature: str
    ) -> str | None:
        """After `signature` failed against the cached JWKS: the store's JWKS
        fetched again, to check once more with. None when that cannot help: a
        malformed header, a fetch too recent, or a failed one."""
        try:
            _header(signature)
        except SignatureError:
            return None
        return await self._refetch(installation)

    async def refreshed_jwks(self, installation: Installation) -> str | None:
        """The store's JWKS fetched again (None when fetched too recently or failed);
        also used for dashboard tokens, which Saleor signs with the same key."""
        return await self._refetch(installation)

    async def _refetch(self, installation: Installation) -> str | None:
        last = self._last_fetch.get(installation.id, 0.0)
        if time.monotonic() - last < self._interval:
            return None
        self._last_fetch[installation.id] = time.monotonic()
        try:
            jwks = await self._fetch(installation.api_url)
        except Exception as exc:  # a failed refetch must not turn into a 500
            log.warning("webhook.jwks_refetch_failed", error=type(exc).__name__)
            return None
        if jwks != installation.jwks:
            await self._installations.update_jwks(installation.id, jwks)
            log.info("webhook.jwks_refreshed", installation=installation.id)
        return jwks
