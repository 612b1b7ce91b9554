"""The one-click pages end to end: the rep's mail, its link, the button, Saleor.

Every request goes over loopback to erplink, which writes to the sandbox Saleor.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from connector.demo import Demo
from connector.linking.model import LinkState
from connector.mail.tokens import Action, TokenSigner
from connector.store.links import Link
from tests.mail.conftest import HANSEN, register
from tests.mail.smtp_sink import SmtpSink

REVIEW_URL = re.compile(r"http://127\.0\.0\.1:\d+/review/[A-Za-z0-9_.\-]+")
HIDDEN_TOKEN = re.compile(r'name="token" value="([^"]+)"')
MH = "m.hansen@erplink-demo.example"


@dataclass
class Mailed:
    """The link waiting for MH and the URLs of MH's mail."""

    link: Link
    confirm_url: str
    reject_url: str


@pytest.fixture
async def mailed(mail_demo: Demo, smtp: SmtpSink) -> Mailed:
    link = await register(mail_demo, HANSEN)
    mails = await smtp.wait_for(2)
    mine = next(m for m in mails if m.recipients == [MH])
    confirm, reject = REVIEW_URL.findall(mine.part("plain"))
    return Mailed(link, confirm, reject)


def saleor_state(demo: Demo) -> tuple[str, dict[str, str]]:
    user = demo.sandbox.user(demo.user_ids[HANSEN])
    return user["customerType"]["slug"], dict(user["privateMetadata"])


async def stored(demo: Demo, link: Link) -> Link:
    found = await demo.services.links.by_id(link.id)
    assert found is not None
    return found


async def press(client: httpx.AsyncClient, url: str, **fields: str) -> httpx.Response:
    """Open the page like a rep, then press its one button."""
    page = await client.get(url)
    assert page.status_code == 200, page.text
    token = HIDDEN_TOKEN.search(page.text)
    assert token is not None
    action = url.rsplit("/", 1)[0]
    return await client.post(action, data={"token": token.group(1), **fields})


async def test_a_rep_confirms_from_the_mail_and_the_customer_gets_prices(
    mail_demo: Demo, mailed: Mailed
) -> None:
    async with httpx.AsyncClient() as client:
        # when the rep opens the Confirm link of their account
        page = await client.get(mailed.confirm_url)

        # then the page shows the evidence and one button, and nothing changed
        assert page.status_code == 200
        assert "<td>buyer@hansen-gruppe.de</td>" in page.text
        assert "<td>10020</td><td>Hansen Gruppe Nord</td>" in page.text
        assert "<td>24103</td>" in page.text
        assert page.text.count("<button") == 1
        assert "Confirm account 10020</button>" in page.text
        assert await stored(mail_demo, mailed.link) == mailed.link

        # when they press it
        done = await press(client, mailed.confirm_url)

    # then the customer is linked, with the account's customer type in Saleor
    assert done.status_code == 200
    assert "<h1>Confirmed</h1>" in done.text
    link = await stored(mail_demo, mailed.link)
    assert (link.state, link.account_number) == (LinkState.LINKED, "10020")
    slug, private = saleor_state(mail_demo)
    assert slug == "price-distributor"
    assert private["erp.account"] == "10020"
    assert private["erp.link_status"] == "linked"


async def test_a_rep_rejects_from_the_mail_with_a_reason(
    mail_demo: Demo, mailed: Mailed
) -> None:
    async with httpx.AsyncClient() as client:
        page = await client.get(mailed.reject_url)
        done = await press(client, mailed.reject_url, reason="not our customer")

    assert 'name="reason"' in page.text
    assert done.status_code == 200
    assert "<h1>Rejected</h1>" in done.text
    link = await stored(mail_demo, mailed.link)
    assert link.state is LinkState.REJECTED
    assert saleor_state(mail_demo)[0] == "no-pricing"
    last = (await mail_demo.services.links.history(link.id))[-1]
    assert (last.actor.name, last.evidence["note"]) == (
        "rep MH (e-mail link)",
        "not our customer",
    )


async def test_get_of_a_valid_link_shows_the_page_and_changes_nothing(
    mail_demo: Demo, mailed: Mailed
) -> None:
    history = await mail_demo.services.links.history(mailed.link.id)
    before = saleor_state(mail_demo)

    async with httpx.AsyncClient() as client:
        pages = [await client.get(u) for u in (mailed.confirm_url, mailed.reject_url)]
        again = await client.get(mailed.confirm_url)

    assert [p.status_code for p in [*pages, again]] == [200, 200, 200]
    assert pages[0].headers["cache-control"] == "no-store"
    assert pages[0].headers["referrer-policy"] == "no-referrer"
    assert pages[0].headers["x-frame-options"] == "DENY"
    assert await stored(mail_demo, mailed.link) == mailed.link
    assert await mail_demo.services.links.history(mailed.link.id) == history
    assert saleor_state(mail_demo) == before


async def use(client: httpx.AsyncClient, base: str, token: str) -> list[httpx.Response]:
    """Open a token's page, and post it as its button would: both answers."""
    return [
        await client.get(f"{base}/{token}"),
        await client.post(base, data={"token": token}),
    ]


async def test_a_link_used_twice_says_already_decided_and_changes_nothing(
    mail_demo: Demo, mailed: Mailed
) -> None:
    # given the rep confirmed once
    base, confirm = mailed.confirm_url.rsplit("/", 1)
    reject = mailed.reject_url.rsplit("/", 1)[1]
    async with httpx.AsyncClient() as client:
        first = await press(client, mailed.confirm_url)
        decided = await stored(mail_demo, mailed.link)
        history = await mail_demo.services.links.history(mailed.link.id)
        after_first = saleor_state(mail_demo)

        # when the same link, and the Reject of the same mail, are used again
        again = await use(client, base, confirm) + await use(client, base, reject)

    # then "already decided", and the link and Saleor are as the first use left them
    assert first.status_code == 200
    assert [r.status_code for r in again] == [409, 409, 409, 409]
    for response in again:
        assert "<h1>Already decided</h1>" in response.text
        assert "now linked to account 10020" in response.text
        assert "<button" not in response.text
    assert await stored(mail_demo, mailed.link) == decided
    assert await mail_demo.services.links.history(mailed.link.id) == history
    assert saleor_state(mail_demo) == after_first


async def test_an_expired_link_says_expired_and_changes_nothing(
    mail_demo: Demo, mailed: Mailed
) -> None:
    # given a genuine token whose lifetime has passed
    secret = mail_demo.services.settings.resolved_secret()
    old = TokenSigner(secret, timedelta(seconds=-1)).issue(
        mailed.link.id,
        mailed.link.version,
        Action.CONFIRM,
        rep_code="MH",
        account="10020",
    )
    base = mailed.confirm_url.rsplit("/", 1)[0]
    history = await mail_demo.services.links.history(mailed.link.id)
    before = saleor_state(mail_demo)

    # when it is opened and posted
    async with httpx.AsyncClient() as client:
        responses = await use(client, base, old)

    # then "expired", no button, and nothing changed
    assert [r.status_code for r in responses] == [410, 410]
    for response in responses:
        assert "<h1>Link expired</h1>" in response.text
        assert "<button" not in response.text
    assert await stored(mail_demo, mailed.link) == mailed.link
    assert await mail_demo.services.links.history(mailed.link.id) == history
    assert saleor_state(mail_demo) == before


async def test_a_tampered_link_says_invalid_and_changes_nothing(
    mail_demo: Demo, mailed: Mailed
) -> None:
    # given forged tokens: an altered signature, another key, and no token at all
    base, token = mailed.confirm_url.rsplit("/", 1)
    foreign = TokenSigner("not-erplinks-secret", timedelta(days=1)).issue(
        mailed.link.id,
        mailed.link.version,
        Action.CONFIRM,
        rep_code="MH",
        account="10021",
    )
    forged = [token[:-2] + ("AA" if not token.endswith("AA") else "BB"), foreign]
    history = await mail_demo.services.links.history(mailed.link.id)
    before = saleor_state(mail_demo)

    # when each is opened and posted
    async with httpx.AsyncClient() as client:
        responses = [r for f in forged for r in await use(client, base, f)]
        responses.append(await client.post(base, data={"reason": "no token"}))

    # then "not valid" every time, and nothing changed
    assert [r.status_code for r in responses] == [400, 400, 400, 400, 400]
    for response in responses:
        assert "<h1>Link not valid</h1>" in response.text
    assert await stored(mail_demo, mailed.link) == mailed.link
    assert await mail_demo.services.links.history(mailed.link.id) == history
    assert saleor_state(mail_demo) == before


async def test_confirm_and_reject_at_the_same_moment_one_wins_one_conflicts(
    mail_demo: Demo, mailed: Mailed
) -> None:
    base = mailed.confirm_url.rsplit("/", 1)[0]
    confirm = mailed.confirm_url.rsplit("/", 1)[1]
    reject = mailed.reject_url.rsplit("/", 1)[1]

    # when both buttons are pressed at once
    async with httpx.AsyncClient() as client:
        responses = await asyncio.gather(
            client.post(base, data={"token": confirm}),
            client.post(base, data={"token": reject}),
        )

    # then exactly one won, the other got the conflict page, and Saleor agrees
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert "<h1>Decided by someone else</h1>" in loser.text
    link = await stored(mail_demo, mailed.link)
    confirmed_won = responses[0].status_code == 200
    slug, private = saleor_state(mail_demo)
    if confirmed_won:
        assert (link.state, slug) == (LinkState.LINKED, "price-distributor")
    else:
        assert (link.state, slug) == (LinkState.REJECTED, "no-pricing")
    assert private["erp.link_status"] == link.state.value
    assert link.version == mailed.link.version + 1


async def test_a_new_version_mails_again_and_the_old_mail_is_out_of_date(
    mail_demo: Demo, smtp: SmtpSink, mailed: Mailed
) -> None:
    # given the evidence of the waiting link changed (a new version, still waiting)
    links = mail_demo.services.links
    changed = dataclasses.replace(mailed.link, candidates=mailed.link.candidates[:1])
    newer = await links.save(mailed.link, changed)

    # when the mail task has run
    mails = await smtp.wait_for(3)
    async with httpx.AsyncClient() as client:
        old = await client.get(mailed.confirm_url)

    # then the rep of the remaining candidate got a new mail, the old one is stale
    assert newer.version == mailed.link.version + 1
    assert mails[2].recipients == [MH]
    assert old.status_code == 409
    assert "<h1>Link out of date</h1>" in old.text
    assert await stored(mail_demo, mailed.link) == newer
