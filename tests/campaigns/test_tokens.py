"""Invite tokens: round trip, determinism, and every way a token is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from connector.campaigns.tokens import (
    InviteClaims,
    InviteSource,
    InviteTokenError,
    installation_tag,
    invite_key,
    sign,
    token_id,
    verify,
)

KEY = invite_key("app-secret-for-tests")
HERE = installation_tag("https://shop.example.com/graphql/")
TODAY = date(2026, 12, 4)
CLAIMS = InviteClaims(
    token_id=token_id(HERE, "spring", "0004711", "anna@acme.de"),
    installation=HERE,
    campaign="spring",
    account="0004711",
    email="anna@acme.de",
    rep="R07",
    source=InviteSource.EMAIL,
    expires=date(2027, 3, 4),
)


def test_a_signed_token_verifies_to_its_claims() -> None:
    token = sign(CLAIMS, KEY)

    assert verify(token, KEY, installation=HERE, today=TODAY) == CLAIMS


def test_a_token_is_compact_and_url_safe() -> None:
    token = sign(CLAIMS, KEY)

    assert len(token) < 110
    assert set(token) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    )


def test_the_same_inputs_give_the_same_id_and_token() -> None:
    again = token_id(HERE, "spring", "0004711", "ANNA@acme.de")

    assert again == CLAIMS.token_id
    assert sign(replace(CLAIMS, token_id=again), KEY) == sign(CLAIMS, KEY)
    assert token_id(HERE, "autumn", "0004711", "anna@acme.de") != CLAIMS.token_id


def test_a_token_is_good_on_its_last_day() -> None:
    token = sign(CLAIMS, KEY)

    claims = verify(token, KEY, installation=HERE, today=CLAIMS.expires)

    assert claims.expires == date(2027, 3, 4)


def _flip_one_character(token: str) -> str:
    body, _, mac = token.partition(".")
    middle = len(body) // 2
    swapped = "A" if body[middle] != "A" else "B"
    return f"{body[:middle]}{swapped}{body[middle + 1 :]}.{mac}"


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (_flip_one_character(sign(CLAIMS, KEY)), "invite_tampered"),
        (sign(CLAIMS, invite_key("other")), "invite_tampered"),
        (sign(CLAIMS, KEY).partition(".")[0], "invite_tampered"),
        ("not a token at all", "invite_tampered"),
        ("", "invite_tampered"),
        (sign(replace(CLAIMS, expires=date(2026, 12, 3)), KEY), "invite_expired"),
        (
            sign(replace(CLAIMS, installation=installation_tag("https://x/")), KEY),
            "invite_other_installation",
        ),
    ],
    ids=[
        "one character changed",
        "signed with another key",
        "signature cut off",
        "garbage",
        "empty",
        "expired yesterday",
        "another installation",
    ],
)
def test_a_bad_token_is_refused_with_its_reason(token: str, code: str) -> None:
    with pytest.raises(InviteTokenError) as caught:
        verify(token, KEY, installation=HERE, today=TODAY)

    assert caught.value.code == code


def test_a_field_holding_the_separator_cannot_be_signed() -> None:
    with pytest.raises(InviteTokenError) as caught:
        sign(replace(CLAIMS, campaign="a\x1fb"), KEY)

    assert caught.value.code == "invite_field_invalid"
