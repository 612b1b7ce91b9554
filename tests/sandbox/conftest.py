"""Fixtures for the sandbox tests: a started sandbox and a fake app on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connector.sandbox import App, SandboxSaleor, SigningKey
from connector.sandbox.server import bind_socket, request_exit, serve_in_background

FAST_RETRIES_S = (0.05, 0.1)

USER_FIELDS = """
fragment UserFields on User {
  id
  email
  firstName
  isConfirmed
  privateMetadata { key value }
  customerType { slug }
}
"""

CUSTOMER_SUBSCRIPTION = (
    """
subscription {
  event {
    __typename
    issuedAt
    version
    issuingPrincipal { ... on App { id } ... on User { id } }
    ... on CustomerCreated { user { ...UserFields } }
    ... on CustomerUpdated { user { ...UserFields } }
    ... on CustomerMetadataUpdated { user { ...UserFields } }
    ... on AccountConfirmed { user { ...UserFields } }
  }
}
"""
    + USER_FIELDS
)


@dataclass
class Received:
    """One request the fake app received."""

    path: str
    headers: httpx.Headers
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


@dataclass
class FakeApp:
    """A tiny Saleor app: serves a manifest, takes the token, records webhooks.

    Attributes:
        webhook_statuses: Status codes to answer webhooks with, in order; 200
            once exhausted.
    """

    base_url: str = ""
    token_status: int = 200
    token_body: dict[str, Any] = field(default_factory=lambda: {"success": True})
    webhook_statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    token: str | None = None
    webhooks: list[dict[str, Any]] = field(default_factory=list)
    permissions: list[str] = field(default_factory=lambda: ["MANAGE_USERS"])
    call_received: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def manifest_url(self) -> str:
        """Where the manifest is served."""
        return f"{self.base_url}/api/manifest"

    def manifest(self) -> dict[str, Any]:
        """Return the app manifest."""
        return {
            "id": "erplink.test",
            "name": "erplink test",
            "version": "0.1.0",
            "permissions": self.permissions,
            "appUrl": f"{self.base_url}/app",
            "tokenTargetUrl": f"{self.base_url}/api/register",
            "webhooks": self.webhooks
            or [
                {
                    "name": "customer events",
                    "targetUrl": f"{self.base_url}/api/webhooks/customer",
                    "query": CUSTOMER_SUBSCRIPTION,
                    "isActive": True,
                    "asyncEvents": [],
                }
            ],
        }

    def requests_to(self, path: str) -> list[Received]:
        """Return what was received on ``path``, in order."""
        return [r for r in self.received if r.path == path]

    @property
    def webhook_calls(self) -> list[Received]:
        """Webhook requests received, in order."""
        return self.requests_to("/api/webhooks/customer")

    async def _record(self, request: Request) -> Received:
        item = Received(request.url.path, httpx.Headers(request.headers.raw), b"")
        item.body = await request.body()
        self.received.append(item)
        return item

    async def manifest_endpoint(self, request: Request) -> Response:
        await self._record(request)
        return JSONResponse(self.manifest())

    async def register_endpoint(self, request: Request) -> Response:
        item = await self._record(request)
        self.token = item.json()["auth_token"]
        return JSONResponse(self.token_body, status_code=self.token_status)

    async def webhook_endpoint(self, request: Request) -> Response:
        await self._record(request)
        self.call_received.set()
        status = self.webhook_statuses.pop(0) if self.webhook_statuses else 200
        return Response(status_code=status)

    def asgi(self) -> Starlette:
        """The Starlette app serving the fake app's routes."""
        return Starlette(
            routes=[
                Route("/api/manifest", self.manifest_endpoint),
                Route("/api/register", self.register_endpoint, methods=["POST"]),
                Route(
                    "/api/webhooks/customer", self.webhook_endpoint, methods=["POST"]
                ),
            ]
        )


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    """One RSA key for the session: generating 2048-bit keys costs up to 0.2 s."""
    return SigningKey()


@pytest_asyncio.fixture
async def sandbox(signing_key: SigningKey) -> AsyncIterator[SandboxSaleor]:
    """A started sandbox with fast retries and two price-list customer types."""
    instance = SandboxSaleor(retry_schedule_s=FAST_RETRIES_S, signing_key=signing_key)
    instance.seed_customer_types(
        [("Wholesale", "price-wholesale"), ("Retail", "price-retail")]
    )
    await instance.start()
    yield instance
    await instance.stop()


@pytest_asyncio.fixture
async def fake_app(sandbox: SandboxSaleor) -> AsyncIterator[FakeApp]:
    """A fake Saleor app listening on a loopback port.

    Teardown stops it and the sandbox together: each uvicorn shutdown takes a
    fixed 0.1 s, and running both at once halves the cost per test.
    """
    app = FakeApp()
    sock = bind_socket("127.0.0.1", 0)
    app.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server, task = await serve_in_background(app.asgi(), sock, embedded=True)
    yield app

    async def stop_fake_app() -> None:
        request_exit(server)
        await task

    await asyncio.gather(stop_fake_app(), sandbox.stop())


@pytest_asyncio.fixture
async def installed(sandbox: SandboxSaleor, fake_app: FakeApp) -> App:
    """The fake app installed in the sandbox with MANAGE_USERS."""
    return await sandbox.install_app(fake_app.manifest_url)


async def wait_for_calls(app: FakeApp, count: int, timeout_s: float = 2.0) -> None:
    """Wait until the fake app has received ``count`` webhook calls."""
    async with asyncio.timeout(timeout_s):
        while len(app.webhook_calls) < count:
            app.call_received.clear()
            await app.call_received.wait()


async def graphql(
    sandbox: SandboxSaleor,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> httpx.Response:
    """POST a GraphQL request to the sandbox over HTTP."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(verify=False) as client:  # loopback HTTP only
        return await client.post(
            sandbox.api_url,
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )
