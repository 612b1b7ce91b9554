"""Dashboard tokens over real HTTP: signed by the sandbox exactly as Saleor signs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connector.demo import Demo
from connector.sandbox.dashboard import dashboard_token
from connector.sandbox.keys import SigningKey
from tests.admin.api import call, codes
from tests.review_support import sqlite_demo

ME = "{ me { role name repCode } }"


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    async for running in sqlite_demo(tmp_path):
        yield running


@pytest.mark.parametrize(
    ("email", "permissions", "me"),
    [
        ("owner@shop.example", ["MANAGE_APPS", "MANAGE_USERS"], ("ADMIN", "")),
        ("help@shop.example", ["MANAGE_USERS"], ("SUPPORT", "")),
        ("m.hansen@erplink-demo.example", [], ("SALES_REP", "MH")),
    ],
)
async def test_a_dashboard_token_names_the_staff_user_and_their_role(
    demo: Demo, email: str, permissions: list[str], me: tuple[str, str]
) -> None:
    token = dashboard_token(demo.sandbox, email=email, user_permissions=permissions)

    body = await call(demo, ME, token=token)

    assert body == {"data": {"me": {"role": me[0], "name": email, "repCode": me[1]}}}


async def test_a_staff_user_without_a_role_is_forbidden(demo: Demo) -> None:
    token = dashboard_token(
        demo.sandbox, email="intern@shop.example", user_permissions=["MANAGE_ORDERS"]
    )

    body = await call(demo, ME, token=token)

    assert codes(body) == ["forbidden"]
    denied = await demo.services.review.reviews.denied()
    assert [(d.actor.kind, d.code) for d in denied] == [("anonymous", "forbidden")]


def _expired(demo: Demo) -> str:
    return dashboard_token(
        demo.sandbox,
        email="owner@shop.example",
        user_permissions=["MANAGE_APPS"],
        expires_in_s=-60,
    )


def _forged(demo: Demo) -> str:
    claims = {
        "iss": demo.sandbox.api_url,
        "exp": 4_000_000_000,
        "app": "QXBwOjE=",
        "email": "owner@shop.example",
        "user_permissions": ["MANAGE_APPS"],
    }
    return SigningKey().sign_jwt(claims)


def _other_app(demo: Demo) -> str:
    return dashboard_token(
        demo.sandbox,
        email="owner@shop.example",
        user_permissions=["MANAGE_APPS"],
        app_id="QXBwOjk5",
    )


def _other_store(demo: Demo) -> str:
    return dashboard_token(
        demo.sandbox,
        email="owner@shop.example",
        user_permissions=["MANAGE_APPS"],
        issuer="https://elsewhere.example/graphql/",
    )


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (_expired, "expired"),
        (_forged, "key is not in the store's JWKS"),
        (_other_app, "another app"),
        (_other_store, "has not installed erplink"),
    ],
    ids=["expired", "forged", "other-app", "other-store"],
)
async def test_a_bad_dashboard_token_is_rejected(demo: Demo, make, why: str) -> None:  # type: ignore[no-untyped-def]
    body = await call(demo, ME, token=make(demo))

    assert codes(body) == ["unauthenticated"]
    assert why in body["errors"][0]["message"]
    assert body["data"] is None


async def test_a_token_after_a_key_rotation_verifies_after_one_jwks_refetch(
    demo: Demo,
) -> None:
    demo.sandbox.rotate_key()
    token = dashboard_token(
        demo.sandbox, email="owner@shop.example", user_permissions=["MANAGE_APPS"]
    )

    body = await call(demo, ME, token=token)

    assert body["data"]["me"]["role"] == "ADMIN"
    installation = (await demo.services.installations.all())[0]
    assert demo.sandbox.kid in installation.jwks
