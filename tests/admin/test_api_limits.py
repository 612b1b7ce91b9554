"""The admin API's edge over real HTTP: bad documents, limits, masking, keys.

These run on SQLite only: the store's kind plays no part in them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connector.demo import Demo
from connector.reviewer import Role
from connector.store.inbox import InboxStatus
from tests.admin.api import call, codes, key_for
from tests.review_support import LINKED, settled, sqlite_demo


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    async for running in sqlite_demo(tmp_path):
        yield running


async def test_a_revoked_key_is_refused(demo: Demo) -> None:
    key = await key_for(demo, Role.ADMIN, "ops")
    await demo.services.api_keys.revoke(1)

    body = await call(demo, "{ me { role } }", token=key)

    assert codes(body) == ["unauthenticated"]


@pytest.mark.parametrize(
    "query",
    [
        "{ me { role ",
        "{ nosuchfield }",
        "{ reviewQueue { edges { node { history { evidence } candidates { account }"
        " } } pageInfo { hasNextPage } } " + "me { role } " * 0 + "}",
        "{ " + " ".join(f"a{i}: me {{ role }}" for i in range(30)) + " }",
        "{ me { " + "role " * 2500 + "} }",
    ],
    ids=["malformed", "unknown-field", "valid", "too-many-aliases", "too-many-tokens"],
)
async def test_bad_documents_are_graphql_errors_and_the_server_goes_on(
    demo: Demo, query: str
) -> None:
    key = await key_for(demo, Role.ADMIN, "ops")

    body = await call(demo, query, token=key)
    after = await call(demo, "{ me { role name } }", token=key)

    if "history" in query:
        assert codes(body) == []
    else:
        assert codes(body) == ["graphql_invalid"]
    assert after == {"data": {"me": {"role": "ADMIN", "name": "ops"}}}


async def test_a_query_over_the_depth_limit_is_refused(demo: Demo) -> None:
    key = await key_for(demo, Role.ADMIN, "ops")
    loop = "deadLetters { customer { "
    deep = "{ deadLetters { edges { node { customer { " + loop * 3 + "id" + " } }" * 3
    deep += " } } } } }"

    body = await call(demo, deep, token=key)
    after = await call(demo, "{ me { role } }", token=key)

    assert codes(body) == ["graphql_invalid"]
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert after == {"data": {"me": {"role": "ADMIN"}}}


async def test_an_unexpected_error_is_masked(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = await key_for(demo, Role.ADMIN, "ops")

    async def broken() -> None:
        raise RuntimeError("secret internals /var/lib/x")

    monkeypatch.setattr(demo.services.adapter, "health", broken)
    body = await call(demo, "{ adapterStatus { ok } }", token=key)

    assert body["errors"][0]["message"] == "Unexpected error."
    assert codes(body) == ["internal_error"]


async def test_support_reads_unmatched_customers_adapter_status_and_policy(
    demo: Demo,
) -> None:
    unmatched = await settled(demo, "max.mustermann@gmail.com")
    await settled(demo, LINKED)
    key = await key_for(demo, Role.SUPPORT, "helpdesk")
    query = """{
      unmatchedCustomers(first: 5) { edges { node { id reason } } }
      adapterStatus { name ok accounts }
      policy { version creditLimitThreshold priceLists { priceList } }
      reviewQueue(first: 5, olderThanHours: 1) { edges { node { id } } }
    }"""

    body = await call(demo, query, token=key)

    data = body["data"]
    assert data["unmatchedCustomers"]["edges"] == [
        {"node": {"id": unmatched.id, "reason": "free_mail_domain"}}
    ]
    assert data["adapterStatus"] == {"name": "csv", "ok": True, "accounts": 300}
    assert data["policy"]["version"] == 0
    assert data["policy"]["creditLimitThreshold"] == "100000"
    assert [p["priceList"] for p in data["policy"]["priceLists"]] == [
        "DISTRIBUTOR",
        "EXPORT",
        "RETAIL",
        "VIP",
        "WHOLESALE",
    ]
    assert data["reviewQueue"]["edges"] == []


async def test_support_lists_and_retries_a_dead_letter(demo: Demo) -> None:
    link = await settled(demo, LINKED)
    inbox = demo.services.inbox
    item = next(i for i in await inbox.list() if i.subject == link.user_id)
    await inbox.bury(item.id, "erp_unavailable: test")
    key = await key_for(demo, Role.SUPPORT, "helpdesk")
    rep = await key_for(demo, Role.SALES_REP, "m.hansen", "MH")
    listing = """{ deadLetters(first: 5) {
        edges { node { id lastError customer { email } } } } }"""
    retry = "mutation ($id: Int!) { retryDeadLetter(id: $id) }"

    listed = await call(demo, listing, token=key)
    refused = await call(demo, retry, {"id": item.id}, token=rep)
    retried = await call(demo, retry, {"id": item.id}, token=key)

    assert listed["data"]["deadLetters"]["edges"] == [
        {
            "node": {
                "id": item.id,
                "lastError": "erp_unavailable: test",
                "customer": {"email": LINKED},
            }
        }
    ]
    assert codes(refused) == ["forbidden"]
    assert retried == {"data": {"retryDeadLetter": 1}}
    assert [i.id for i in await inbox.list(InboxStatus.DEAD)] == []
