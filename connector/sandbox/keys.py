"""The sandbox's signing key: JWKS publication and Saleor-style detached JWS.

Saleor signs webhook bodies with RS256 over an unencoded payload (RFC 7797) and
publishes exactly one public key at a time; ``kid`` is the RFC 7638 thumbprint.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

RSA_KEY_SIZE_BITS = 2048
RSA_PUBLIC_EXPONENT = 65537


def b64url(data: bytes) -> str:
    """Encode bytes as unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_to_b64url(value: int) -> str:
    length = (value.bit_length() + 7) // 8
    return b64url(value.to_bytes(length, "big"))


def canonical_json(value: Any) -> bytes:
    """Serialise with sorted keys and no whitespace (JOSE canonical form)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def rsa_thumbprint(n: str, e: str) -> str:
    """Return the RFC 7638 thumbprint of an RSA public key given as JWK members."""
    digest = hashlib.sha256(canonical_json({"e": e, "kty": "RSA", "n": n})).digest()
    return b64url(digest)


class SigningKey:
    """One RSA key pair, as Saleor holds it to sign webhooks.

    Attributes:
        n: The public modulus, base64url.
        e: The public exponent, base64url.
        kid: The RFC 7638 thumbprint of the public key.
    """

    def __init__(self, private_key: rsa.RSAPrivateKey | None = None) -> None:
        self._private_key = private_key or rsa.generate_private_key(
            public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_SIZE_BITS
        )
        numbers = self._private_key.public_key().public_numbers()
        self.n = _int_to_b64url(numbers.n)
        self.e = _int_to_b64url(numbers.e)
        self.kid = rsa_thumbprint(self.n, self.e)

    def jwk(self) -> dict[str, Any]:
        """Return the public key as the JWK Saleor publishes."""
        return {
            "kty": "RSA",
            "key_ops": ["verify"],
            "n": self.n,
            "e": self.e,
            "use": "sig",
            "kid": self.kid,
            "alg": "RS256",
        }

    def jwks(self) -> dict[str, Any]:
        """Return the JWKS document: a single key."""
        return {"keys": [self.jwk()]}

    def protected_header(self) -> bytes:
        """Return the exact protected header bytes of a webhook signature."""
        header = {
            "alg": "RS256",
            "b64": False,
            "crit": ["b64"],
            "kid": self.kid,
            "typ": "JWT",
        }
        return canonical_json(header)

    def sign_jwt(self, claims: dict[str, Any]) -> str:
        """Sign ``claims`` as a compact RS256 JWT with this key's ``kid``."""
        return jwt.encode(
            claims, self._private_key, algorithm="RS256", headers={"kid": self.kid}
        )

    def sign(self, body: bytes) -> str:
        """Sign ``body`` as a detached JWS with an unencoded payload.

        Args:
            body: The exact bytes that will be sent.

        Returns:
            ``<b64url(header)>..<b64url(signature)>``.
        """
        encoded_header = b64url(self.protected_header())
        signing_input = encoded_header.encode("ascii") + b"." + body
        signature = self._private_key.sign(
            signing_input, padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{encoded_header}..{b64url(signature)}"
