"""Installing an app: manifest fetch, token hand-over, webhooks from the manifest."""

from __future__ import annotations

import pytest

from connector.sandbox import AppInstallError, SandboxSaleor
from connector.sandbox.webhooks import derive_events, parse_subscription

from .conftest import CUSTOMER_SUBSCRIPTION, FakeApp, graphql


@pytest.mark.asyncio
async def test_install_fetches_manifest_and_hands_over_a_working_token(
    sandbox: SandboxSaleor, fake_app: FakeApp
) -> None:
    app = await sandbox.install_app(fake_app.manifest_url)

    (manifest_get,) = fake_app.requests_to("/api/manifest")
    (token_post,) = fake_app.requests_to("/api/register")
    domain = sandbox.base_url.removeprefix("http://")
    assert manifest_get.headers["saleor-schema-version"] == "3.24"
    assert token_post.headers["saleor-api-url"] == f"http://{domain}/graphql/"
    assert token_post.headers["saleor-domain"] == domain
    assert token_post.headers["saleor-schema-version"] == "3.24"
    assert fake_app.token is not None
    assert len(fake_app.token) == 30
    assert fake_app.token.isalnum()
    assert app.permissions == frozenset({"MANAGE_USERS"})
    assert app.global_id == "QXBwOjE="
    response = await graphql(sandbox, "{ app { id } }", token=fake_app.token)
    assert response.json() == {"data": {"app": {"id": "QXBwOjE="}}}


@pytest.mark.asyncio
async def test_forged_token_gets_no_app(
    sandbox: SandboxSaleor, fake_app: FakeApp
) -> None:
    await sandbox.install_app(fake_app.manifest_url)

    response = await graphql(sandbox, "{ app { id } }", token="x" * 30)

    assert response.status_code == 200
    assert response.json() == {"data": {"app": None}}


@pytest.mark.asyncio
async def test_webhook_events_are_derived_from_the_query(
    sandbox: SandboxSaleor, fake_app: FakeApp
) -> None:
    app = await sandbox.install_app(fake_app.manifest_url)

    (webhook,) = app.webhooks
    assert webhook.name == "customer events"
    assert webhook.target_url == f"{fake_app.base_url}/api/webhooks/customer"
    assert webhook.events == frozenset(
        {
            "CUSTOMER_CREATED",
            "CUSTOMER_UPDATED",
            "CUSTOMER_METADATA_UPDATED",
            "ACCOUNT_CONFIRMED",
        }
    )


@pytest.mark.asyncio
async def test_explicit_async_events_win_over_the_query(
    sandbox: SandboxSaleor, fake_app: FakeApp
) -> None:
    fake_app.webhooks = [
        {
            "name": "created only",
            "targetUrl": f"{fake_app.base_url}/api/webhooks/customer",
            "query": CUSTOMER_SUBSCRIPTION,
            "asyncEvents": ["CUSTOMER_CREATED"],
        }
    ]

    app = await sandbox.install_app(fake_app.manifest_url, permissions=[])

    assert app.webhooks[0].events == frozenset({"CUSTOMER_CREATED"})
    assert app.permissions == frozenset()


@pytest.mark.asyncio
async def test_failing_token_target_deletes_the_app(
    sandbox: SandboxSaleor, fake_app: FakeApp
) -> None:
    fake_app.token_status = 403
    fake_app.token_body = {"error": {"message": "Saleor domain not allowed"}}

    with pytest.raises(AppInstallError) as caught:
        await sandbox.install_app(fake_app.manifest_url)

    assert caught.value.code == "token_rejected"
    assert caught.value.message == "Saleor domain not allowed"
    assert sandbox.store.apps == {}
    response = await graphql(sandbox, "{ app { id } }", token=fake_app.token)
    assert response.json() == {"data": {"app": None}}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("subscription { event { nope } }", "Cannot query field 'nope'"),
        ("query { app { id } }", "exactly one subscription"),
        (
            "subscription { event { version } event2: event { version } }",
            "exactly one field",
        ),
        ("subscription {", "unparsable"),
    ],
)
async def test_unusable_webhook_query_refuses_the_install(
    sandbox: SandboxSaleor, fake_app: FakeApp, query: str, reason: str
) -> None:
    fake_app.webhooks = [{"name": "bad", "targetUrl": "http://x/", "query": query}]

    with pytest.raises(AppInstallError, match=reason) as caught:
        await sandbox.install_app(fake_app.manifest_url)

    assert caught.value.code == "manifest_invalid"
    assert sandbox.store.apps == {}
    assert fake_app.requests_to("/api/register") == []


def test_events_are_derived_through_named_fragments() -> None:
    document = parse_subscription(
        "subscription { event { ...Confirmed } }"
        " fragment Confirmed on AccountConfirmed { user { id } }"
    )

    assert derive_events(document) == frozenset({"ACCOUNT_CONFIRMED"})
