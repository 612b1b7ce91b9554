"""Public account mutations and the signed webhooks they fire."""

from __future__ import annotations

import json

import pytest

from connector.sandbox import App, SandboxError, SandboxSaleor

from .conftest import FakeApp, graphql

REGISTER = """
mutation Register($input: AccountRegisterInput!) {
  accountRegister(input: $input) {
    requiresConfirmation
    errors { field code message }
  }
}
"""
CONFIRM = """
mutation Confirm($email: String!, $token: String!) {
  confirmAccount(email: $email, token: $token) {
    user { email isConfirmed }
    errors { field code message }
  }
}
"""


def _register_input(email: str, **extra: object) -> dict[str, object]:
    return {
        "input": {
            "email": email,
            "password": "correct-horse",
            "redirectUrl": "https://shop.example.com/confirm",
            **extra,
        }
    }


@pytest.mark.asyncio
async def test_register_fires_a_signed_customer_created_with_exact_headers_and_body(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    user_id = await sandbox.register(
        "zoe@example.com", "correct-horse", first_name="Zoë", metadata={"acct": "1"}
    )
    await sandbox.wait_idle(2)

    (call,) = fake_app.webhook_calls
    expected = {
        "__typename": "CustomerCreated",
        "issuedAt": call.json()["issuedAt"],
        "version": "3.24.0-a.0",
        "issuingPrincipal": None,
        "user": {
            "id": user_id,
            "email": "zoe@example.com",
            "firstName": "Zoë",
            "isConfirmed": False,
            "privateMetadata": [],
            "customerType": {"slug": "no-pricing"},
        },
    }
    assert call.body == json.dumps(expected).encode()
    assert b"Zo\\u00eb" in call.body
    domain = sandbox.base_url.removeprefix("http://")
    signature = sandbox.sign(call.body)
    sent = {name: call.headers.get(name) for name in EXPECTED_HEADER_NAMES}
    assert sent == {
        "content-type": "application/json",
        "user-agent": "Saleor/3.24",
        "saleor-event": "customer_created",
        "saleor-domain": domain,
        "saleor-signature": signature,
        "saleor-api-url": f"http://{domain}/graphql/",
        "x-saleor-event": "customer_created",
        "x-saleor-domain": domain,
        "x-saleor-signature": signature,
    }
    assert user_id == "VXNlcjoy"


EXPECTED_HEADER_NAMES = [
    "content-type",
    "user-agent",
    "saleor-event",
    "saleor-domain",
    "saleor-signature",
    "saleor-api-url",
    "x-saleor-event",
    "x-saleor-domain",
    "x-saleor-signature",
]


@pytest.mark.asyncio
async def test_register_stores_an_unconfirmed_user_with_public_metadata(
    sandbox: SandboxSaleor,
) -> None:
    response = await graphql(
        sandbox, REGISTER, _register_input("a@example.com", metadata=[])
    )

    assert response.json() == {
        "data": {"accountRegister": {"requiresConfirmation": True, "errors": []}}
    }
    user = sandbox.store.user_by_email("a@example.com")
    assert user is not None
    assert sandbox.user(user.global_id)["isConfirmed"] is False
    assert sandbox.user(user.global_id)["customerType"]["slug"] == "no-pricing"


@pytest.mark.asyncio
async def test_register_without_email_confirmation_creates_a_confirmed_user(
    sandbox: SandboxSaleor,
) -> None:
    sandbox.enable_account_confirmation_by_email = False

    user_id = await sandbox.register("b@example.com", "correct-horse")

    assert sandbox.user(user_id)["isConfirmed"] is True
    with pytest.raises(SandboxError):
        sandbox.confirmation_token("b@example.com")


@pytest.mark.asyncio
async def test_duplicate_email_is_refused_with_unique_and_fires_nothing(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    await sandbox.register("c@example.com", "correct-horse")
    await sandbox.wait_idle(2)

    response = await graphql(sandbox, REGISTER, _register_input("C@example.com"))
    await sandbox.wait_idle(2)

    assert response.json()["data"]["accountRegister"] == {
        "requiresConfirmation": None,
        "errors": [
            {
                "field": "email",
                "code": "UNIQUE",
                "message": "User with this Email already exists.",
            }
        ],
    }
    assert len(fake_app.webhook_calls) == 1
    assert len([u for u in sandbox.store.users.values() if not u.is_staff]) == 1


@pytest.mark.asyncio
async def test_register_needs_a_redirect_url_while_confirmation_is_on(
    sandbox: SandboxSaleor,
) -> None:
    variables = _register_input("d@example.com", redirectUrl=None)

    response = await graphql(sandbox, REGISTER, variables)

    assert response.json()["data"]["accountRegister"]["errors"] == [
        {
            "field": "redirectUrl",
            "code": "REQUIRED",
            "message": "This field is required.",
        }
    ]
    assert sandbox.store.user_by_email("d@example.com") is None


@pytest.mark.asyncio
async def test_confirm_with_a_wrong_token_fails_and_fires_nothing(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    user_id = await sandbox.register("e@example.com", "correct-horse")

    response = await graphql(
        sandbox, CONFIRM, {"email": "e@example.com", "token": "forged"}
    )
    await sandbox.wait_idle(2)

    assert response.json()["data"]["confirmAccount"] == {
        "user": None,
        "errors": [
            {
                "field": "token",
                "code": "INVALID",
                "message": "Invalid or expired token.",
            }
        ],
    }
    assert sandbox.user(user_id)["isConfirmed"] is False
    events = [call.headers["saleor-event"] for call in fake_app.webhook_calls]
    assert events == ["customer_created"]


@pytest.mark.asyncio
async def test_confirm_with_the_sandbox_token_fires_account_confirmed(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    user_id = await sandbox.register("f@example.com", "correct-horse")

    await sandbox.confirm("f@example.com")
    await sandbox.wait_idle(2)

    assert sandbox.user(user_id)["isConfirmed"] is True
    created, confirmed = sorted(
        fake_app.webhook_calls,
        key=lambda c: c.headers["saleor-event"] != "customer_created",
    )
    assert confirmed.headers["saleor-event"] == "account_confirmed"
    payload = confirmed.json()
    assert payload["__typename"] == "AccountConfirmed"
    assert payload["issuingPrincipal"] is None
    assert payload["user"]["isConfirmed"] is True
    with pytest.raises(SandboxError):
        await sandbox.confirm("f@example.com")
