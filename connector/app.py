"""The HTTP application: Saleor's endpoints, health, and the in-process worker."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from connector.admin.endpoint import admin_api
from connector.campaigns.logins import start_login_refresh
from connector.campaigns.metrics import metrics
from connector.mail.dispatch import run_mail
from connector.mail.pages import routes as review_routes
from connector.policy_sync import adopt_safely, follow_policy
from connector.services import Services, open_services
from connector.settings import Settings
from connector.worker import Worker
from erp_adapters.base import ErpError
from webhooks.manifest import manifest
from webhooks.receivers import WEBHOOK_PREFIX, WebhookReceiver
from webhooks.register import register


async def healthz(_: Request) -> PlainTextResponse:
    """Liveness: the process answers."""
    return PlainTextResponse("ok")


async def readyz(request: Request) -> JSONResponse:
    """Readiness: the store and the ERP adapter answer.

    `adapter` shows the guard's view: breaker state, last error code, accounts
    seen and, while the breaker is not closed, the next probe time. While the
    breaker is open the ERP is not asked. `intake` says where webhook deliveries
    are checked and stored (webhooks/intake.py); it does not decide readiness.
    """
    services: Services = request.app.state.services
    checks: dict[str, str] = {}
    try:
        async with services.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["store"] = "ok"
    except Exception as exc:  # any failure means not ready; say which
        checks["store"] = f"unavailable: {type(exc).__name__}"
    checks["erp"] = await _erp_check(services)
    ready = all(v == "ok" for v in checks.values())
    missing = {url: slugs for url, slugs in services.missing_types.items() if slugs}
    body = {
        "ready": ready,
        **checks,
        "adapter": services.adapter.state().as_dict(),
        "missing_customer_types": missing,
        "intake": services.intake.mode,
    }
    return JSONResponse(body, status_code=200 if ready else 503)


async def _erp_check(services: Services) -> str:
    try:
        health = await services.adapter.health()
    except ErpError as exc:  # already logged, masked, by the adapter guard
        return f"unavailable: {exc.code}"
    if health.ok:
        return "ok"
    return f"unavailable: {services.adapter.redact(health.detail)}"


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    *,
    serving: bool = False,
) -> ErplinkApp:
    """The erplink ASGI app. Given `services`, it uses them and leaves them open.

    A serving process (`serving`, `erplink serve`) starts the intake's helper process
    in the background; deliveries are taken in-process until it is ready, and
    always elsewhere (tests). Once start-up is done, it also moves every object then
    alive (the GraphQL schema, the policy, the ERP data, SQLAlchemy's metadata) out
    of the garbage collector's sight with `gc.freeze()`: a full collection would
    otherwise walk all of them every so many requests, tens of milliseconds each
    time (BENCHMARKS.md). That is process-wide, so tests leave `serving` off.
    """
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        shared = services or await open_services(settings)
        app.state.services = shared
        await shared.check_customer_types()
        stop = asyncio.Event()
        await adopt_safely(shared)
        policy = asyncio.create_task(follow_policy(shared, stop))
        mail = asyncio.create_task(run_mail(shared, stop))
        worker = None
        if shared.settings.run_worker:
            worker = asyncio.create_task(Worker(shared).run(stop))
        refresher = start_login_refresh(shared, stop)
        if serving:
            shared.intake.start()
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                await worker
            await policy
            if refresher is not None:
                await refresher
            await mail
            if services is None:
                await shared.aclose()

    routes = [  # webhooks are taken before the router, by ErplinkApp
        Route("/api/manifest", manifest, methods=["GET"]),
        Route("/api/register", register, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/graphql", admin_api(), methods=["GET", "POST"]),
        *review_routes,
        Route("/metrics", metrics, methods=["GET"]),
    ]
    return ErplinkApp(routes=routes, lifespan=lifespan)


class ErplinkApp(Starlette):
    """Starlette, with webhook deliveries handed to their receiver first.

    Saleor posts webhooks at the rate customers arrive, and the receiver answers
    every outcome itself, so they skip Starlette's error and exception middleware
    and its router, which cost about a tenth of a delivery (BENCHMARKS.md).
    """

    _webhooks = WebhookReceiver()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one connection or lifespan."""
        if scope["type"] == "http" and scope["path"].startswith(WEBHOOK_PREFIX):
            scope["app"] = self
            await self._webhooks(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
