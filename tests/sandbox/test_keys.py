"""The signing key: JWKS shape, kid thumbprint, signature bytes and rotation."""

from __future__ import annotations

import base64
import hashlib
import json

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from connector.sandbox import SandboxSaleor, SigningKey


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _thumbprint(n: str, e: str) -> str:
    canonical = '{"e":"' + e + '","kty":"RSA","n":"' + n + '"}'
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _verify_with_jwks(jwks: dict[str, object], body: bytes, signature: str) -> None:
    encoded_header, empty, encoded_signature = signature.split(".")
    header = json.loads(_b64url_decode(encoded_header))
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]  # type: ignore[attr-defined]
    public_key = rsa.RSAPublicNumbers(
        int.from_bytes(_b64url_decode(jwk["e"]), "big"),
        int.from_bytes(_b64url_decode(jwk["n"]), "big"),
    ).public_key()
    assert empty == ""
    public_key.verify(
        _b64url_decode(encoded_signature),
        encoded_header.encode() + b"." + body,
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_jwks_has_exactly_saleors_shape_and_an_rfc7638_kid() -> None:
    key = SigningKey()

    (jwk,) = key.jwks()["keys"]

    assert list(jwk) == ["kty", "key_ops", "n", "e", "use", "kid", "alg"]
    assert jwk["kty"] == "RSA"
    assert jwk["key_ops"] == ["verify"]
    assert jwk["e"] == "AQAB"
    assert len(_b64url_decode(jwk["n"])) == 256
    assert jwk["use"] == "sig"
    assert jwk["alg"] == "RS256"
    assert jwk["kid"] == _thumbprint(jwk["n"], jwk["e"])


def test_signature_header_bytes_are_exact() -> None:
    key = SigningKey()

    signature = key.sign(b'{"a": 1}')

    encoded_header = signature.split("..")[0]
    expected = (
        '{"alg":"RS256","b64":false,"crit":["b64"],"kid":"' + key.kid + '","typ":"JWT"}'
    )
    assert _b64url_decode(encoded_header) == expected.encode()
    assert signature.count(".") == 2


def test_signature_verifies_from_the_jwks_alone() -> None:
    key = SigningKey()
    body = b'{"user": "\\u00e9"}'

    signature = key.sign(body)

    _verify_with_jwks(key.jwks(), body, signature)


def test_signature_fails_for_other_bytes() -> None:
    key = SigningKey()
    signature = key.sign(b"{}")

    with pytest.raises(InvalidSignature):
        _verify_with_jwks(key.jwks(), b"{} ", signature)


@pytest.mark.asyncio
async def test_jwks_is_served_and_switches_on_rotation(sandbox: SandboxSaleor) -> None:
    url = f"{sandbox.base_url}/.well-known/jwks.json"
    async with httpx.AsyncClient(verify=False) as client:
        before = (await client.get(url)).json()
        old_kid = sandbox.kid

        sandbox.rotate_key()
        after = (await client.get(url)).json()

    assert before["keys"][0]["kid"] == old_kid
    assert after == sandbox.jwks()
    assert after["keys"][0]["kid"] == sandbox.kid != old_kid
    _verify_with_jwks(after, b"body", sandbox.sign(b"body"))
