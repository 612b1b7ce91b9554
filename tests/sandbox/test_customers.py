"""App and staff writes to customers, and the events they fire."""

from __future__ import annotations

import pytest

from connector.sandbox import App, SandboxSaleor

from .conftest import FakeApp, graphql

UPDATE = """
mutation Link($id: ID!, $input: CustomerInput!) {
  customerUpdate(id: $id, input: $input) {
    user { customerType { slug } privateMetadata { key value } }
    errors { field code message }
  }
}
"""
UPDATE_PRIVATE = """
mutation Meta($id: ID!, $input: [MetadataInput!]!) {
  updatePrivateMetadata(id: $id, input: $input) {
    item { privateMetadata { key value } ... on User { id } }
    errors { field code message }
  }
}
"""


def _events(fake_app: FakeApp) -> list[str]:
    return sorted(call.headers["saleor-event"] for call in fake_app.webhook_calls)


@pytest.mark.asyncio
async def test_app_sets_type_and_private_metadata_in_one_update(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    user_id = await sandbox.create_customer("buyer@acme.example")
    await sandbox.wait_idle(2)
    fake_app.received.clear()
    variables = {
        "id": user_id,
        "input": {
            "customerType": sandbox.customer_type_id("price-wholesale"),
            "privateMetadata": [{"key": "erplink.account", "value": "C-1001"}],
        },
    }

    response = await graphql(sandbox, UPDATE, variables, token=fake_app.token)
    await sandbox.wait_idle(2)

    assert response.json() == {
        "data": {
            "customerUpdate": {
                "user": {
                    "customerType": {"slug": "price-wholesale"},
                    "privateMetadata": [{"key": "erplink.account", "value": "C-1001"}],
                },
                "errors": [],
            }
        }
    }
    state = sandbox.user(user_id)
    assert state["customerType"]["slug"] == "price-wholesale"
    assert state["privateMetadata"] == {"erplink.account": "C-1001"}
    assert _events(fake_app) == ["customer_metadata_updated", "customer_updated"]
    principals = [call.json()["issuingPrincipal"] for call in fake_app.webhook_calls]
    assert principals == [{"id": installed.global_id}] * 2


@pytest.mark.asyncio
async def test_unchanged_metadata_fires_nothing_and_changed_fires_metadata_only(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    user_id = await sandbox.create_customer(
        "x@acme.example", private_metadata={"k": "v"}
    )
    await sandbox.wait_idle(2)
    fake_app.received.clear()
    same = {"id": user_id, "input": {"privateMetadata": [{"key": "k", "value": "v"}]}}
    new = {"id": user_id, "input": {"privateMetadata": [{"key": "k", "value": "w"}]}}

    await graphql(sandbox, UPDATE, same, token=fake_app.token)
    await sandbox.wait_idle(2)
    events_after_same = _events(fake_app)
    await graphql(sandbox, UPDATE, new, token=fake_app.token)
    await sandbox.wait_idle(2)

    assert events_after_same == []
    assert _events(fake_app) == ["customer_metadata_updated"]


@pytest.mark.asyncio
async def test_unknown_customer_type_is_not_found_and_changes_nothing(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    user_id = await sandbox.create_customer("y@acme.example")
    await sandbox.wait_idle(2)
    fake_app.received.clear()
    variables = {
        "id": user_id,
        "input": {
            "customerType": "Q3VzdG9tZXJUeXBlOjk5",
            "privateMetadata": [{"key": "k", "value": "v"}],
        },
    }

    response = await graphql(sandbox, UPDATE, variables, token=fake_app.token)
    await sandbox.wait_idle(2)

    assert response.json()["data"]["customerUpdate"] == {
        "user": None,
        "errors": [
            {
                "field": "customerType",
                "code": "NOT_FOUND",
                "message": "Couldn't resolve to a node: Q3VzdG9tZXJUeXBlOjk5",
            }
        ],
    }
    assert sandbox.user(user_id)["privateMetadata"] == {}
    assert sandbox.user(user_id)["customerType"]["slug"] == "no-pricing"
    assert fake_app.webhook_calls == []


@pytest.mark.asyncio
async def test_update_private_metadata_upserts_and_fires_only_on_change(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    user_id = await sandbox.create_customer(
        "z@acme.example", private_metadata={"a": "1"}
    )
    await sandbox.wait_idle(2)
    fake_app.received.clear()
    variables = {"id": user_id, "input": [{"key": "b", "value": "2"}]}

    first = await graphql(sandbox, UPDATE_PRIVATE, variables, token=fake_app.token)
    await graphql(sandbox, UPDATE_PRIVATE, variables, token=fake_app.token)
    await sandbox.wait_idle(2)

    assert first.json()["data"]["updatePrivateMetadata"] == {
        "item": {
            "privateMetadata": [
                {"key": "a", "value": "1"},
                {"key": "b", "value": "2"},
            ],
            "id": user_id,
        },
        "errors": [],
    }
    assert _events(fake_app) == ["customer_metadata_updated"]


@pytest.mark.asyncio
async def test_staff_created_customer_reports_the_staff_user_as_principal(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    user_id = await sandbox.create_customer(
        "staff-made@acme.example",
        billing_post_code="10115",
        billing_company_name="Acme GmbH",
        customer_type="price-retail",
        is_confirmed=False,
    )
    await sandbox.wait_idle(2)

    (call,) = fake_app.webhook_calls
    assert call.headers["saleor-event"] == "customer_created"
    assert call.json()["issuingPrincipal"] == {"id": sandbox.staff.global_id}
    state = sandbox.user(user_id)
    assert state["defaultBillingAddress"]["postalCode"] == "10115"
    assert state["defaultBillingAddress"]["companyName"] == "Acme GmbH"
    assert state["defaultBillingAddress"]["country"] == {"code": "DE"}
    assert state["customerType"]["slug"] == "price-retail"
    assert state["isConfirmed"] is False


@pytest.mark.asyncio
async def test_customer_create_by_app_fires_created_with_the_app_as_principal(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    query = """
    mutation New($input: UserCreateInput!) {
      customerCreate(input: $input) {
        user { email defaultBillingAddress { postalCode country { code } } }
        errors { field code }
      }
    }
    """
    address = {"companyName": "Beta AG", "postalCode": "8001", "country": "CH"}
    variables = {
        "input": {"email": "new@beta.example", "defaultBillingAddress": address}
    }

    response = await graphql(sandbox, query, variables, token=fake_app.token)
    await sandbox.wait_idle(2)

    assert response.json()["data"]["customerCreate"] == {
        "user": {
            "email": "new@beta.example",
            "defaultBillingAddress": {"postalCode": "8001", "country": {"code": "CH"}},
        },
        "errors": [],
    }
    (call,) = fake_app.webhook_calls
    assert call.json()["issuingPrincipal"] == {"id": installed.global_id}
