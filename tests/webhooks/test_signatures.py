"""Signature vectors from an independent signer, and every way a signature is wrong."""

from __future__ import annotations

import json

import pytest

from connector.errors import SignatureError
from tests.signer import TestSigner, b64url, legacy_hmac
from webhooks.signatures import verify_signature

SIGNER = TestSigner()
OTHER = TestSigner()
# Saleor serialises with json.dumps defaults: ", " and ": " separators, ASCII escapes.
BODY = json.dumps(
    {"__typename": "CustomerCreated", "user": {"id": "VXNlcjox", "email": "jörg@x.de"}}
).encode()


def test_a_saleor_signature_verifies() -> None:
    verify_signature(SIGNER.sign(BODY), BODY, SIGNER.jwks())


def test_the_signature_is_over_the_raw_bytes_not_reserialised_json() -> None:
    compact = json.dumps(json.loads(BODY), separators=(",", ":")).encode()

    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SIGNER.sign(BODY), compact, SIGNER.jwks())


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("", "not a detached JWS"),
        ("garbage", "not a detached JWS"),
        ("a.b.c", "not a detached JWS"),
        (legacy_hmac(BODY, "secret"), "not a detached JWS"),
        ("!!!..!!!", "unreadable header"),
        (SIGNER.sign(BODY)[:-4] + "AAAA", "does not match"),
        (OTHER.sign(BODY), "not in the store's JWKS"),
        (SIGNER.sign(BODY, header={"alg": "HS256", "kid": SIGNER.kid}), "only RS256"),
        (
            SIGNER.sign(BODY, header={"alg": "RS256", "kid": SIGNER.kid}),
            "detached, unencoded",
        ),
    ],
    ids=[
        "missing",
        "malformed",
        "three parts",
        "legacy hmac",
        "bad header",
        "forged",
        "another key",
        "other algorithm",
        "encoded payload",
    ],  # fmt: skip
)
def test_a_wrong_signature_is_refused(signature: str, message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        verify_signature(signature, BODY, SIGNER.jwks())


def test_a_body_changed_after_signing_is_refused() -> None:
    signature = SIGNER.sign(BODY)

    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(
            signature, BODY.replace(b"VXNlcjox", b"VXNlcjoy"), SIGNER.jwks()
        )


def test_header_is_exactly_saleors() -> None:
    header = SIGNER.sign(BODY).split("..")[0]

    assert header == b64url(
        (
            '{"alg":"RS256","b64":false,"crit":["b64"],"kid":"'
            + SIGNER.kid
            + '","typ":"JWT"}'
        ).encode()
    )
