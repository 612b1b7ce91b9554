"""Webhook intake over a real socket: each bad input of the issue's table is a row."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from connector.demo import Demo
from connector.store import sqlite_inbox
from connector.store.database import create_engine, sessionmaker
from connector.store.inbox import Inbox
from connector.store.installations import InstallationStore
from tests.signer import TestSigner, legacy_hmac
from webhooks.intake import Intake

PATH = "/api/webhooks/customer-created"
USER = {
    "id": "VXNlcjo5OQ==",
    "email": "anna.schmidt@acme-industrial.de",
    "isConfirmed": True,
}
BODY = json.dumps(
    {"__typename": "CustomerCreated", "issuingPrincipal": None, "user": USER}
).encode()


async def post(
    demo: Demo, body: bytes, *, signature: str | None = None, api_url: str | None = None
) -> httpx.Response:
    headers = {
        "Content-Type": "application/json",
        "Saleor-Event": "customer_created",
        "Saleor-Api-Url": demo.sandbox.api_url if api_url is None else api_url,
        "Saleor-Signature": demo.sandbox.sign(body) if signature is None else signature,
    }
    async with httpx.AsyncClient(base_url=demo.server.url) as http:
        return await http.post(PATH, content=body, headers=headers)


async def stored(demo: Demo) -> int:
    return sum((await demo.services.inbox.counts()).values())


@pytest.fixture
async def quiet(demo: Demo) -> Demo:
    """The demo with its install-time deliveries already counted out."""
    await demo.sandbox.wait_idle(5.0)
    return demo


async def test_a_signed_delivery_is_stored_and_processed(quiet: Demo) -> None:
    before = await stored(quiet)

    response = await post(quiet, BODY)

    assert (response.status_code, response.json()) == (200, {"success": True})
    assert await stored(quiet) == before + 1


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "not-a-jws",
        "e30..c2ln",
        TestSigner().sign(BODY),
        legacy_hmac(BODY, "secret"),
    ],
    ids=["missing", "malformed", "forged", "another key", "legacy hmac"],
)
async def test_an_unverified_delivery_is_refused_and_not_stored(
    quiet: Demo, signature: str
) -> None:
    before = await stored(quiet)

    response = await post(quiet, BODY, signature=signature)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert await stored(quiet) == before


async def test_a_delivery_signed_over_other_bytes_is_refused(quiet: Demo) -> None:
    before = await stored(quiet)

    response = await post(quiet, BODY, signature=quiet.sandbox.sign(BODY + b" "))

    assert response.status_code == 401
    assert await stored(quiet) == before


async def test_a_saleor_that_never_installed_gets_401(quiet: Demo) -> None:
    before = await stored(quiet)

    response = await post(quiet, BODY, api_url="https://other.example/graphql/")

    assert (response.status_code, response.json()["error"]["code"]) == (
        401,
        "UNKNOWN_INSTALLATION",
    )
    assert await stored(quiet) == before


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"__typename": "CustomerCreated"}',
        b'{"user": {"email": "x"}}',
    ],
    ids=["not json", "not an object", "no user", "user without id"],
)
async def test_a_body_that_is_no_customer_event_gets_400(
    quiet: Demo, body: bytes
) -> None:
    before = await stored(quiet)

    response = await post(quiet, body)

    assert (response.status_code, response.json()["error"]["code"]) == (
        400,
        "INVALID_PAYLOAD",
    )
    assert await stored(quiet) == before


async def test_a_body_over_the_limit_gets_413(quiet: Demo) -> None:
    limit = quiet.services.settings.max_body_bytes
    body = b'{"user": {"id": "' + b"x" * limit + b'"}}'

    response = await post(quiet, body, signature="unchecked")

    assert (response.status_code, response.json()["error"]["code"]) == (
        413,
        "BODY_TOO_LARGE",
    )


async def test_a_chunked_body_over_the_limit_gets_413(quiet: Demo) -> None:
    limit = quiet.services.settings.max_body_bytes

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(limit // 8192 + 2):
            yield b"x" * 8192

    async with httpx.AsyncClient(base_url=quiet.server.url) as http:
        response = await http.post(
            PATH, content=chunks(), headers={"Saleor-Api-Url": quiet.sandbox.api_url}
        )

    assert response.status_code == 413


async def test_the_same_delivery_again_and_at_once_is_one_event(quiet: Demo) -> None:
    before = await stored(quiet)

    first = await post(quiet, BODY)
    together = await asyncio.gather(*(post(quiet, BODY) for _ in range(5)))

    assert [r.status_code for r in (first, *together)] == [200] * 6
    assert await stored(quiet) == before + 1


async def test_an_unreachable_store_gets_503_so_saleor_retries(quiet: Demo) -> None:
    dead = sessionmaker(create_engine("postgresql+asyncpg://postgres@127.0.0.1:9/none"))
    working = quiet.services.intake, quiet.services.installations
    quiet.services.intake = Intake(Inbox(dead), dead)
    try:
        inbox_down = await post(quiet, BODY)
        quiet.services.installations = InstallationStore(dead, "any")
        all_down = await post(quiet, BODY)
    finally:
        quiet.services.intake, quiet.services.installations = working

    assert (inbox_down.status_code, all_down.status_code) == (503, 503)
    assert inbox_down.json()["error"]["code"] == "STORE_UNAVAILABLE"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_an_sqlite_store_locked_too_long_gets_503_and_the_retry_is_stored(
    quiet: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inbox, "LOCK_TIMEOUT_S", 0.2)
    database = make_url(quiet.services.settings.resolved_database_url()).database
    assert database
    await quiet.services.intake.close()  # its helper started with the old timeout
    quiet.services.intake = Intake(
        quiet.services.inbox, sessionmaker(quiet.services.engine), helper_process=True
    )
    assert await quiet.services.intake.ready()
    before = await stored(quiet)
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer that does not let go
    try:
        locked = await post(quiet, BODY)
    finally:
        other.execute("ROLLBACK")
        other.close()

    retried = await post(quiet, BODY)

    assert (locked.status_code, retried.status_code) == (503, 200)
    assert await stored(quiet) == before + 1


async def test_a_webhook_path_asked_with_get_gets_405_and_stores_nothing(
    quiet: Demo,
) -> None:
    before = await stored(quiet)
    async with httpx.AsyncClient(base_url=quiet.server.url) as http:
        response = await http.get(PATH)

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert await stored(quiet) == before


async def test_an_unexpected_failure_gets_500_so_saleor_retries(
    quiet: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(quiet.services.intake, "take", broken)
    failed = await post(quiet, BODY)
    monkeypatch.undo()
    retried = await post(quiet, BODY)

    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "INTERNAL_ERROR"
    assert "a bug" not in failed.text
    assert retried.status_code == 200
