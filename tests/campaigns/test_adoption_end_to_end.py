"""Adoption facts over the demo stack: ORDER_CREATED signed by the sandbox's key and
posted to erplink, last logins read from the sandbox Saleor, `/metrics` over HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx

from connector.campaigns.logins import refresh_logins
from connector.demo import Demo, register_everyone

ANNA = "anna.schmidt@acme-industrial.de"


def order_body(order_id: str, user_id: str | None, origin: str = "CHECKOUT") -> bytes:
    order = {
        "id": order_id,
        "created": "2026-12-01T10:00:00+00:00",
        "origin": origin,
        "user": {"id": user_id} if user_id else None,
    }
    event = {"__typename": "OrderCreated", "issuingPrincipal": None, "order": order}
    return json.dumps(event).encode()


async def post_order(demo: Demo, body: bytes) -> httpx.Response:
    headers = {
        "saleor-api-url": demo.sandbox.api_url,
        "saleor-signature": demo.sandbox.sign(body),
        "saleor-event": "order_created",
        "content-type": "application/json",
    }
    async with httpx.AsyncClient(base_url=demo.server.url) as http:
        return await http.post(
            "/api/webhooks/order-created", content=body, headers=headers
        )


async def test_a_customers_order_is_stored_once_and_no_other_counts(
    demo: Demo,
) -> None:
    user = "VXNlcjox"
    unsigned_headers = {"saleor-api-url": demo.sandbox.api_url, "saleor-signature": "x"}

    first = await post_order(demo, order_body("T3JkZXI6MQ==", user))
    again = await post_order(demo, order_body("T3JkZXI6MQ==", user))
    async with httpx.AsyncClient(base_url=demo.server.url) as http:
        unsigned = await http.post(
            "/api/webhooks/order-created",
            content=order_body("T3JkZXI6Mw==", user),
            headers=unsigned_headers,
        )
    malformed = await post_order(demo, b'{"order": {"id": ""}}')
    guest = await post_order(demo, order_body("T3JkZXI6NA==", None))
    draft = await post_order(demo, order_body("T3JkZXI6NQ==", user, "DRAFT"))

    installation = (await demo.services.installations.all())[0]
    answers = [r.status_code for r in (first, again, unsigned, malformed, guest, draft)]
    assert answers == [200, 200, 401, 400, 200, 200]
    assert await demo.services.activity.orders() == {
        (installation.id, user): [datetime(2026, 12, 1, 10, tzinfo=UTC)]
    }


async def test_last_logins_are_read_from_saleor_and_kept_once(demo: Demo) -> None:
    user_id = await demo.sandbox.create_customer(ANNA, is_confirmed=True)
    user = demo.sandbox.store.user_by_global_id(user_id)
    assert user is not None
    user.last_login = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)
    services = demo.services

    added = await refresh_logins(
        services.installations, services.saleor, services.activity
    )
    again = await refresh_logins(
        services.installations, services.saleor, services.activity
    )

    installation = (await services.installations.all())[0]
    assert (added, again) == (1, 0)
    assert await services.activity.logins() == {
        (installation.id, user_id): [datetime(2026, 12, 2, 8, 30, tzinfo=UTC)]
    }


async def test_metrics_show_link_states_inbox_and_funnel(demo: Demo) -> None:
    await register_everyone(demo)

    counts = await demo.services.inbox.counts()
    async with httpx.AsyncClient(base_url=demo.server.url) as http:
        answer = await http.get("/metrics")

    lines = set(answer.text.splitlines())
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert 'erplink_links{state="linked"} 3.0' in lines
    assert 'erplink_links{state="awaiting_rep"} 2.0' in lines
    assert f'erplink_inbox_depth{{status="done"}} {float(counts["done"])}' in lines
    assert "erplink_funnel_month 1.0" in lines
    assert any(
        line.startswith('erplink_funnel_share{figure="registered"}') for line in lines
    )
    assert "@" not in answer.text
