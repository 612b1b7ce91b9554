"""The admin API over real HTTP: roles, review actions, listings, policy, jobs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connector.demo import Demo
from connector.linking.model import LinkState
from connector.reviewer import Role
from tests.admin.api import call, codes, key_for
from tests.review_support import AMBIGUOUS, LINKED, review_demo, saleor_view, settled

CONFIRM = """
mutation ($id: Int!, $account: String) {
  confirmLink(id: $id, account: $account) { state accountNumber version }
}"""
REJECT = """
mutation ($id: Int!) {
  rejectLink(id: $id, reason: "not a customer of ours") { state version }
}"""
RELINK = """
mutation ($id: Int!, $account: String!) {
  relinkCustomer(id: $id, account: $account, reason: "phoned in") { state }
}"""
QUEUE = """
query ($first: Int!, $after: String, $rep: String) {
  reviewQueue(first: $first, after: $after, rep: $rep) {
    edges { cursor node { id email state reason candidates { account } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.fixture
async def demo(database_url: str, tmp_path: Path) -> AsyncIterator[Demo]:
    async for running in review_demo(database_url, tmp_path):
        yield running


async def test_without_credentials_nothing_changes_and_the_attempt_is_recorded(
    demo: Demo,
) -> None:
    link = await settled(demo, AMBIGUOUS)

    body = await call(demo, CONFIRM, {"id": link.id, "account": "10020"})

    assert codes(body) == ["unauthenticated"]
    assert body["data"] is None
    assert (await demo.services.review.get_link(link.id)).version == link.version
    denied = await demo.services.review.reviews.denied()
    assert [(d.actor.kind, d.code) for d in denied] == [
        ("anonymous", "unauthenticated")
    ]


@pytest.mark.parametrize(
    ("role", "name", "rep"),
    [
        (Role.SUPPORT, "helpdesk", ""),
        (Role.SALES_REP, "a.becker", "AB"),
        (Role.SALES_REP, "j.larsen", "JL"),
    ],
)
async def test_a_wrong_role_or_another_reps_account_is_forbidden(
    demo: Demo, role: Role, name: str, rep: str
) -> None:
    link = await settled(demo, AMBIGUOUS)
    key = await key_for(demo, role, name, rep)

    body = await call(demo, CONFIRM, {"id": link.id, "account": "10020"}, token=key)

    assert codes(body) == ["forbidden"]
    assert (await demo.services.review.get_link(link.id)).version == link.version
    assert saleor_view(demo, link.user_id)[0] == "no-pricing"
    denied = await demo.services.review.reviews.denied()
    assert [(d.actor.name, d.action, d.link_id) for d in denied] == [
        (name, "confirm", link.id)
    ]


async def test_a_rep_confirms_over_the_api(demo: Demo) -> None:
    link = await settled(demo, AMBIGUOUS)
    key = await key_for(demo, Role.SALES_REP, "m.hansen", "MH")

    body = await call(demo, CONFIRM, {"id": link.id, "account": "10020"}, token=key)

    assert body == {
        "data": {
            "confirmLink": {
                "state": "LINKED",
                "accountNumber": "10020",
                "version": link.version + 1,
            }
        }
    }
    assert saleor_view(demo, link.user_id) == ("price-distributor", "linked", "10020")


async def test_confirm_and_reject_at_once_over_http_one_wins(demo: Demo) -> None:
    link = await settled(demo, AMBIGUOUS)
    rep = await key_for(demo, Role.SALES_REP, "m.hansen", "MH")
    admin = await key_for(demo, Role.ADMIN, "ops")

    bodies = await asyncio.gather(
        call(demo, CONFIRM, {"id": link.id, "account": "10020"}, token=rep),
        call(demo, REJECT, {"id": link.id}, token=admin),
    )

    assert sorted(len(codes(b)) for b in bodies) == [0, 1]
    assert [c for b in bodies for c in codes(b)] == ["link_conflict"]
    stored = await demo.services.review.get_link(link.id)
    assert stored.version == link.version + 1
    assert stored.state in (LinkState.LINKED, LinkState.REJECTED)


@pytest.mark.parametrize(
    ("account", "why"),
    [("10040", "account '10040' is blocked"), ("77777", "'77777' is unknown")],
)
async def test_relink_to_a_blocked_or_unknown_account_is_refused_with_the_reason(
    demo: Demo, account: str, why: str
) -> None:
    link = await settled(demo, AMBIGUOUS)
    key = await key_for(demo, Role.SUPPORT, "helpdesk")

    body = await call(demo, RELINK, {"id": link.id, "account": account}, token=key)

    assert codes(body) == ["refused"]
    assert why in body["errors"][0]["message"]
    assert (await demo.services.review.get_link(link.id)).version == link.version


async def test_the_review_queue_pages_with_cursors_and_filters_by_rep(
    demo: Demo,
) -> None:
    first = await settled(demo, AMBIGUOUS)
    second = await settled(demo, "einkauf@hansen-gruppe.de")
    await settled(demo, LINKED)
    admin = await key_for(demo, Role.ADMIN, "ops")
    rep = await key_for(demo, Role.SALES_REP, "j.larsen", "JL")

    page1 = (await call(demo, QUEUE, {"first": 1}, token=admin))["data"]
    cursor = page1["reviewQueue"]["pageInfo"]["endCursor"]
    page2 = (await call(demo, QUEUE, {"first": 1, "after": cursor}, token=admin))[
        "data"
    ]
    of_jl = (await call(demo, QUEUE, {"first": 10}, token=rep))["data"]

    assert [e["node"]["id"] for e in page1["reviewQueue"]["edges"]] == [first.id]
    assert page1["reviewQueue"]["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["id"] for e in page2["reviewQueue"]["edges"]] == [second.id]
    assert page2["reviewQueue"]["pageInfo"]["hasNextPage"] is False
    assert of_jl["reviewQueue"]["edges"] == []


async def test_support_looks_a_customer_up_with_history(demo: Demo) -> None:
    await settled(demo, LINKED)
    key = await key_for(demo, Role.SUPPORT, "helpdesk")
    query = """query ($email: String!) { customer(email: $email) {
        state reason accountNumber history { actor fromState toState reason } } }"""

    body = await call(demo, query, {"email": LINKED.upper()}, token=key)

    assert body["data"]["customer"] == [
        {
            "state": "LINKED",
            "reason": "matched",
            "accountNumber": "10000",
            "history": [
                {
                    "actor": "system",
                    "fromState": "received",
                    "toState": "linked",
                    "reason": "matched",
                }
            ],
        }
    ]


async def test_an_admin_updates_the_policy_and_linking_follows_it(demo: Demo) -> None:
    admin = await key_for(demo, Role.ADMIN, "ops")
    support = await key_for(demo, Role.SUPPORT, "helpdesk")
    update = """mutation { updatePolicy(changes: {
        priceLists: [{priceList: "UNMAPPED_GROUP", customerType: "price-export"}]
    }) { version priceLists { priceList customerType } updatedBy } }"""

    refused = await call(demo, update, token=support)
    done = await call(demo, update, token=admin)
    linked = await settled(demo, "ole@fjord-trading.dk")

    assert codes(refused) == ["forbidden"]
    assert done["data"]["updatePolicy"] == {
        "version": 1,
        "priceLists": [{"priceList": "UNMAPPED_GROUP", "customerType": "price-export"}],
        "updatedBy": "ops",
    }
    assert (linked.state, linked.customer_type) == (LinkState.LINKED, "price-export")
    stored = await demo.services.policies.history()
    assert [(v.version, v.actor.name) for v in stored] == [(1, "ops")]


async def test_a_bad_policy_value_is_refused_with_its_name(demo: Demo) -> None:
    admin = await key_for(demo, Role.ADMIN, "ops")
    update = "mutation { updatePolicy(changes: {maxClaimAttempts: 0}) { version } }"

    body = await call(demo, update, token=admin)

    assert codes(body) == ["configuration_error"]
    assert "max_claim_attempts" in body["errors"][0]["message"]
    assert await demo.services.policies.history() == []


async def test_resync_of_all_linked_runs_as_a_job(demo: Demo) -> None:
    await settled(demo, LINKED)
    await settled(demo, "jonas.weber@brandt-metall.de")
    key = await key_for(demo, Role.SUPPORT, "helpdesk")

    started = await call(demo, "mutation { resyncAllLinked { id total } }", token=key)
    job_id = started["data"]["resyncAllLinked"]["id"]
    query = "query ($id: Int!) { job(id: $id) { status done failed total } }"
    async with asyncio.timeout(10):
        while True:
            job = (await call(demo, query, {"id": job_id}, token=key))["data"]["job"]
            if job["status"] != "running":
                break
            await asyncio.sleep(0.05)

    assert started["data"]["resyncAllLinked"]["total"] == 2
    assert job == {"status": "done", "done": 2, "failed": 0, "total": 2}
