"""Installation: the manifest, and the token hand-over with every way it goes wrong."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest
from graphql import build_schema, parse, validate
from sqlalchemy import text

from connector.demo import Demo

SALEOR_SCHEMA = "../shared/saleor/schema.graphql"


async def register(demo: Demo, body: object, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=demo.server.url) as http:
        return await http.post("/api/register", json=body, headers=headers)


async def test_the_demo_installed_erplink_with_its_token_encrypted(demo: Demo) -> None:
    installations = await demo.services.installations.all()
    async with demo.services.engine.connect() as connection:
        stored = (
            await connection.execute(text("SELECT token_encrypted FROM installations"))
        ).scalar_one()
    app = next(iter(demo.sandbox.store.apps.values()))

    assert [i.api_url for i in installations] == [demo.sandbox.api_url]
    assert installations[0].app_id == app.global_id
    assert hashlib.sha256(installations[0].token.encode()).hexdigest() == app.token_hash
    assert installations[0].token.encode() not in stored
    assert installations[0].token not in repr(installations[0])


async def test_the_manifest_names_every_webhook_and_permission(demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=demo.server.url) as http:
        manifest = (await http.get("/api/manifest")).json()

    assert manifest["permissions"] == ["MANAGE_USERS", "MANAGE_ORDERS"]
    assert manifest["tokenTargetUrl"] == f"{demo.server.url}/api/register"
    assert sorted(w["asyncEvents"][0] for w in manifest["webhooks"]) == [
        "ACCOUNT_CONFIRMED",
        "CUSTOMER_CREATED",
        "CUSTOMER_METADATA_UPDATED",
        "CUSTOMER_UPDATED",
        "ORDER_CREATED",
    ]
    assert all(w["targetUrl"].startswith(demo.server.url) for w in manifest["webhooks"])


def test_every_subscription_in_the_manifest_validates_against_saleor() -> None:
    from connector.settings import Settings
    from webhooks.manifest import build_manifest

    try:
        schema = build_schema(Path(SALEOR_SCHEMA).read_text(encoding="utf-8"))
    except OSError:
        pytest.skip("Saleor's schema is not beside the checkout")
    for webhook in build_manifest(Settings())["webhooks"]:
        assert validate(schema, parse(webhook["query"])) == [], webhook["name"]


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        ({"auth_token": "x" * 30}, {}, 400, "MISSING_SALEOR_API_URL"),
        ({}, {"Saleor-Api-Url": "SANDBOX"}, 400, "MISSING_AUTH_TOKEN"),
        ({"auth_token": 42}, {"Saleor-Api-Url": "SANDBOX"}, 400, "MISSING_AUTH_TOKEN"),
        ({"auth_token": "f" * 30}, {"Saleor-Api-Url": "SANDBOX"}, 401, "INVALID_TOKEN"),
        (
            {"auth_token": "f" * 30},
            {"Saleor-Api-Url": "http://127.0.0.1:9/graphql/"},
            400,
            "SALEOR_UNREACHABLE",
        ),
    ],
    ids=[
        "no api url",
        "no token",
        "token not a string",
        "unknown token",
        "saleor down",
    ],
)
async def test_a_bad_registration_gets_a_protocol_error_and_stores_nothing(
    demo: Demo, body: object, headers: dict[str, str], status: int, code: str
) -> None:
    headers = {
        k: v.replace("SANDBOX", demo.sandbox.api_url) for k, v in headers.items()
    }
    before = await demo.services.installations.all()

    response = await register(demo, body, headers)

    assert response.status_code == status
    assert response.json() == {
        "success": False,
        "error": {"code": code, "message": response.json()["error"]["message"]},
    }
    assert await demo.services.installations.all() == before


async def test_a_saleor_outside_the_allow_list_may_not_install(demo: Demo) -> None:
    settings = demo.services.settings
    demo.services.settings = settings.with_overrides(
        allowed_saleor_urls=["https://shop.example/graphql/"]
    )
    try:
        response = await register(
            demo, {"auth_token": "f" * 30}, {"Saleor-Api-Url": demo.sandbox.api_url}
        )
    finally:
        demo.services.settings = settings

    assert (response.status_code, response.json()["error"]["code"]) == (
        403,
        "SALEOR_URL_PROHIBITED",
    )
