"""Saleor changes its key: erplink fetches the JWKS again, once, and goes on."""

from __future__ import annotations

import json

import httpx

from connector.demo import Demo

USER = {"id": "VXNlcjo3Nw==", "email": "k@acme-industrial.de"}
BODY = json.dumps({"__typename": "CustomerCreated", "user": USER}).encode()


async def post(demo: Demo, signature: str) -> int:
    headers = {"Saleor-Api-Url": demo.sandbox.api_url, "Saleor-Signature": signature}
    async with httpx.AsyncClient(base_url=demo.server.url) as http:
        response = await http.post(
            "/api/webhooks/customer-created", content=BODY, headers=headers
        )
    return response.status_code


async def test_a_new_key_is_fetched_and_trusted(demo: Demo) -> None:
    old = (await demo.services.installations.all())[0].jwks
    demo.sandbox.rotate_key()

    status = await post(demo, demo.sandbox.sign(BODY))

    stored = (await demo.services.installations.all())[0].jwks
    assert status == 200
    assert stored != old
    assert demo.sandbox.kid in stored


async def test_forged_signatures_refetch_at_most_once_per_interval(demo: Demo) -> None:
    fetches: list[str] = []
    verifier = demo.services.verifier
    original = verifier._fetch

    async def counting(api_url: str) -> str:
        fetches.append(api_url)
        return await original(api_url)

    verifier._fetch = counting
    forged = demo.sandbox.sign(BODY + b"x")

    statuses = [await post(demo, forged) for _ in range(5)]

    assert statuses == [401] * 5
    assert fetches == [demo.sandbox.api_url]
