"""An independent Saleor-style signer for tests, written from the protocol alone.

It shares no code with erplink or its sandbox: RSA keys from `cryptography`, the JWS
built by hand as PROTOCOL.md describes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64(number: int) -> str:
    return b64url(number.to_bytes((number.bit_length() + 7) // 8, "big"))


class TestSigner:
    """Signs bodies the way Saleor does, with a key of its own."""

    __test__ = False  # not a test class, despite its name

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.key.public_key().public_numbers()
        self.n, self.e = _int_b64(numbers.n), _int_b64(numbers.e)
        canonical = json.dumps(
            {"e": self.e, "kty": "RSA", "n": self.n}, separators=(",", ":")
        )
        self.kid = b64url(hashlib.sha256(canonical.encode()).digest())

    def jwks(self) -> str:
        key = {"kty": "RSA", "key_ops": ["verify"], "n": self.n, "e": self.e,
               "use": "sig", "kid": self.kid, "alg": "RS256"}  # fmt: skip
        return json.dumps({"keys": [key]})

    def sign(self, body: bytes, *, header: dict[str, object] | None = None) -> str:
        protected = header or {
            "alg": "RS256",
            "b64": False,
            "crit": ["b64"],
            "kid": self.kid,
            "typ": "JWT",
        }
        encoded = b64url(
            json.dumps(protected, sort_keys=True, separators=(",", ":")).encode()
        )
        signature = self.key.sign(
            encoded.encode() + b"." + body, padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{encoded}..{b64url(signature)}"


def legacy_hmac(body: bytes, secret: str) -> str:
    """The deprecated `secretKey` signature: hex HMAC-SHA256 of the body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
