"""One-click tokens: what they carry, and how a forged or old one fails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from connector.mail.tokens import (
    Action,
    TokenExpiredError,
    TokenInvalidError,
    TokenSigner,
    derive_key,
)

SECRET = "test-secret-not-for-production"
WEEK = timedelta(days=7)


def issue(signer: TokenSigner) -> str:
    return signer.issue(12, 3, Action.CONFIRM, rep_code="MH", account="0004711")


def test_a_token_carries_link_version_action_rep_account_and_expiry() -> None:
    signer = TokenSigner(SECRET, WEEK)
    before = datetime.now(UTC)

    review = signer.verify(issue(signer))

    assert (review.link_id, review.version, review.action) == (12, 3, Action.CONFIRM)
    assert (review.rep_code, review.account) == ("MH", "0004711")
    lifetime = review.expires_at - before
    assert WEEK - timedelta(seconds=2) <= lifetime <= WEEK


def test_a_token_expires_after_its_lifetime() -> None:
    signer = TokenSigner(SECRET, WEEK)
    token = issue(signer)
    later = datetime.now(UTC) + WEEK + timedelta(seconds=1)

    with pytest.raises(TokenExpiredError) as raised:
        signer.verify(token, at=later)

    assert raised.value.code == "token_expired"


def flipped_signature(token: str) -> str:
    """The token with the first character of its signature changed: every bit of
    that one is signature (the last character of base64url also carries two bits
    that decoding drops, so changing it may change nothing)."""
    head, _, signature = token.rpartition(".")
    first = "A" if signature[0] != "A" else "B"
    return f"{head}.{first}{signature[1:]}"


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(flipped_signature, id="signature"),
        pytest.param(lambda t: "x" + t, id="payload"),
        pytest.param(lambda t: t[: len(t) // 2], id="cut-short"),
        pytest.param(lambda t: "", id="empty"),
        pytest.param(lambda t: "not-a-token", id="garbage"),
    ],
)
def test_a_tampered_token_is_invalid(tamper: Callable[[str], str]) -> None:
    signer = TokenSigner(SECRET, WEEK)
    token = issue(signer)

    with pytest.raises(TokenInvalidError) as raised:
        signer.verify(tamper(token))

    assert raised.value.code == "token_invalid"


def test_a_token_of_another_secret_is_invalid() -> None:
    token = issue(TokenSigner("another-secret", WEEK))

    with pytest.raises(TokenInvalidError):
        TokenSigner(SECRET, WEEK).verify(token)


def test_the_review_key_is_not_the_secret_itself() -> None:
    key = derive_key(SECRET)

    assert len(key) == 32
    assert key != SECRET.encode()
    assert derive_key(SECRET) == key
    assert derive_key("another-secret") != key
