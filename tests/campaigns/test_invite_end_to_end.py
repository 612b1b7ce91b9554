"""Invites over the demo stack: sandbox Saleor -> signed webhook -> erplink -> ERP.

The customer registers with `accountRegister(input: {metadata: [{key: "erp.invite",
value: <token>}]})`, unconfirmed, exactly as a storefront following an invite does.
"""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

from connector.campaigns.invites import InviteStore
from connector.campaigns.issue import CampaignRequest, create_campaign
from connector.campaigns.tokens import invite_key
from connector.demo import Demo
from connector.linking.model import LinkState
from connector.linking.payload import INVITE_TOKEN_KEY
from connector.store.clock import now
from connector.store.database import sessionmaker
from connector.store.links import Link

PREFIX = "https://shop.example.com/register?invite="
JONAS = "jonas.weber@brandt-metall.de"


async def issue_tokens(demo: Demo, tmp_path: Path) -> dict[str, str]:
    installation = (await demo.services.installations.all())[0]
    result = await create_campaign(
        CampaignRequest("launch", tmp_path, PREFIX + "{token}", rep="SK", workers=1),
        installation=installation,
        adapter=demo.services.adapter,
        store=InviteStore(sessionmaker(demo.services.engine)),
        key=invite_key(demo.services.settings.resolved_secret()),
        today=now().date(),
    )
    with result.mail_merge.open(encoding="utf-8", newline="") as handle:
        return {
            r["email"]: r["link"].removeprefix(PREFIX) for r in csv.DictReader(handle)
        }


async def register(demo: Demo, email: str, token: str) -> Link:
    user_id = await demo.sandbox.register(
        email, "demo-password-1", metadata={INVITE_TOKEN_KEY: token}
    )
    installation = (await demo.services.installations.all())[0]
    async with asyncio.timeout(10):
        while True:
            link = await demo.services.links.get(installation.id, user_id)
            if link is not None and link.state not in (
                LinkState.RECEIVED,
                LinkState.ON_HOLD,
            ):
                return link
            await asyncio.sleep(0.05)


async def test_an_invited_customer_is_linked_the_moment_they_register(
    demo: Demo, tmp_path: Path
) -> None:
    tokens = await issue_tokens(demo, tmp_path)

    link = await register(demo, JONAS, tokens[JONAS])

    saleor = demo.sandbox.user(link.user_id)
    assert (link.state, link.strategy, link.account_number) == (
        LinkState.LINKED,
        "invite",
        "10010",
    )
    assert saleor["isConfirmed"] is False
    assert saleor["customerType"]["slug"] == "price-retail"
    assert saleor["privateMetadata"]["erp.strategy"] == "invite"
    history = await demo.services.links.history(link.id)
    assert history[-1].evidence["matched"] == ["invite.email", "invite.token"]
    assert history[-1].evidence["campaign"] == "launch"


async def test_a_used_invite_links_nobody_else(demo: Demo, tmp_path: Path) -> None:
    tokens = await issue_tokens(demo, tmp_path)
    await register(demo, JONAS, tokens[JONAS])

    second = await register(demo, "jonas.private@gmail.com", tokens[JONAS])

    saleor = demo.sandbox.user(second.user_id)
    assert (second.state, second.reason, second.account_number) == (
        LinkState.UNMATCHED,
        "invite_used",
        "",
    )
    assert saleor["customerType"]["slug"] == "no-pricing"
    assert "erp.account" not in saleor["privateMetadata"]
    history = await demo.services.links.history(second.id)
    assert history[-1].evidence["invite_rejected"] == "invite_used"


async def test_a_tampered_invite_falls_back_to_the_other_strategies(
    demo: Demo, tmp_path: Path
) -> None:
    tokens = await issue_tokens(demo, tmp_path)
    body, _, mac = tokens[JONAS].partition(".")
    forged = f"{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{mac}"

    link = await register(demo, JONAS, forged)

    saleor = demo.sandbox.user(link.user_id)
    assert (link.state, link.reason, link.strategy) == (
        LinkState.AWAITING_EMAIL_CONFIRMATION,
        "email_not_confirmed",
        "contact_email",
    )
    assert saleor["customerType"]["slug"] == "no-pricing"
    history = await demo.services.links.history(link.id)
    assert history[-1].evidence["invite_rejected"] == "invite_tampered"
