"""The invite checker over a real store: every reason a presented invite is refused,
and single use under a race."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

import pytest

from connector.campaigns.invites import InviteStore, IssuedInvite
from connector.campaigns.redemption import InviteChecker
from connector.campaigns.tokens import (
    InviteClaims,
    InviteSource,
    installation_tag,
    invite_key,
    sign,
    token_id,
)
from connector.linking.model import Customer, Evidence
from connector.store.clock import now
from connector.store.installations import Installation
from erp_adapters.csv import CsvAdapter

KEY = invite_key("test-secret")
ANNA = "anna.schmidt@acme-industrial.de"


def claims_for(installation: Installation, **changes: object) -> InviteClaims:
    tag = installation_tag(installation.api_url)
    claims = InviteClaims(
        token_id=token_id(tag, "spring", "10000", ANNA),
        installation=tag,
        campaign="spring",
        account="10000",
        email=ANNA,
        rep="MH",
        source=InviteSource.EMAIL,
        expires=now().date() + timedelta(days=30),
    )
    return replace(claims, **changes)  # type: ignore[arg-type]


async def issued(store: InviteStore, claims: InviteClaims, installation_id: int) -> str:
    invite = IssuedInvite(
        claims.token_id,
        installation_id,
        claims.campaign,
        claims.account,
        claims.email,
        claims.rep,
        claims.source.value,
        claims.expires,
    )
    await store.issue([invite])
    return sign(claims, KEY)


def customer(token: str, user_id: str = "VXNlcjox") -> Customer:
    return Customer(user_id, ANNA, is_confirmed=False, invite_token=token)


async def test_a_genuine_invite_becomes_evidence_and_is_attributed(
    installation: Installation, invite_store: InviteStore, erp: CsvAdapter
) -> None:
    claims = claims_for(installation)
    token = await issued(invite_store, claims, installation.id)
    checker = InviteChecker(invite_store, KEY, erp)

    evidence = await checker.attach(installation, customer(token), Evidence())

    assert evidence.invite_rejected == ""
    assert evidence.invite is not None
    assert (evidence.invite.account.number, evidence.invite.email) == ("10000", ANNA)
    stored = await invite_store.get(claims.token_id)
    assert stored is not None
    assert (stored.registered_user_id, stored.redeemed_user_id) == ("VXNlcjox", "")


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("tampered", "invite_tampered"),
        ("expired", "invite_expired"),
        ("other installation", "invite_other_installation"),
        ("never issued", "invite_unknown"),
        ("used by another customer", "invite_used"),
        ("account gone from the ERP", "invite_account_unknown"),
    ],
)
async def test_a_refused_invite_gives_its_reason_and_records_nothing(
    installation: Installation,
    invite_store: InviteStore,
    erp: CsvAdapter,
    case: str,
    reason: str,
) -> None:
    claims = claims_for(installation)
    if case == "expired":
        claims = replace(claims, expires=now().date() - timedelta(days=1))
    if case == "other installation":
        claims = replace(claims, installation=installation_tag("https://other/"))
    if case == "account gone from the ERP":
        claims = replace(
            claims,
            account="99999",
            token_id=token_id(claims.installation, "spring", "99999", ANNA),
        )
    token = await issued(invite_store, claims, installation.id)
    if case == "tampered":
        token = sign(replace(claims, account="10010"), invite_key("forger"))
    if case == "never issued":
        token = sign(replace(claims, campaign="ghost"), KEY)
    if case == "used by another customer":
        await invite_store.redeem(claims.token_id, "VXNlcjo5")
    checker = InviteChecker(invite_store, KEY, erp)

    evidence = await checker.attach(installation, customer(token), Evidence())

    assert (evidence.invite, evidence.invite_rejected) == (None, reason)
    stored = await invite_store.get(claims.token_id)
    assert stored is not None
    assert stored.registered_user_id == ""


async def test_of_two_customers_racing_with_one_invite_one_wins(
    installation: Installation, invite_store: InviteStore
) -> None:
    claims = claims_for(installation)
    await issued(invite_store, claims, installation.id)

    results = await asyncio.gather(
        invite_store.redeem(claims.token_id, "VXNlcjox"),
        invite_store.redeem(claims.token_id, "VXNlcjoy"),
    )

    stored = await invite_store.get(claims.token_id)
    assert stored is not None
    assert sorted(results) == [False, True]
    winner = "VXNlcjox" if results[0] else "VXNlcjoy"
    assert stored.redeemed_user_id == winner
    assert await invite_store.redeem(claims.token_id, winner) is True


async def test_issuing_again_keeps_the_first_expiry(
    installation: Installation, invite_store: InviteStore
) -> None:
    claims = claims_for(installation)
    await issued(invite_store, claims, installation.id)

    later = replace(claims, expires=date(2030, 1, 1))
    await issued(invite_store, later, installation.id)

    stored = await invite_store.campaign(installation.id, "spring")
    assert [i.expires_on for i in stored] == [claims.expires]
