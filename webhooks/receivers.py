"""`POST /api/webhooks/<event>`: verify, store durably, answer. Nothing slow here.

Answers: 200 stored (or stored before: a redelivery is one event), 401 unsigned or
from a Saleor that never installed erplink, 400 not a customer event, 413 too large
(the body is not read past the limit), 503 the store is down, so Saleor retries.

This is the one endpoint Saleor calls at the rate customers arrive, so it is a plain
ASGI app that erplink's app calls before Starlette's middleware and router
(`connector.app.ErplinkApp`): it answers every outcome itself, an unexpected error
included. The stored inbox row is the record of a delivery; only refusals are
logged here, and the worker logs what each event led to.
"""

from __future__ import annotations

import structlog
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from connector.errors import SignatureError, StoreUnavailableError
from connector.services import Services
from webhooks.intake import Delivery, Refused, Stored
from webhooks.manifest import EVENT_BY_PATH
from webhooks.orders import ORDER_EVENT, take_order
from webhooks.responses import error_reply

log = structlog.get_logger(__name__)

WEBHOOK_PREFIX = "/api/webhooks/"
STORED = JSONResponse({"success": True})


class BodyTooLargeError(Exception):
    """The request body passed the configured limit."""


class WebhookReceiver:
    """The ASGI app for every path under `WEBHOOK_PREFIX`."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Take one webhook delivery."""
        try:
            response = await _answer(scope, receive)
        except Exception:  # Starlette's error middleware is not around this app
            log.exception("webhook.failed")
            response = error_reply(500, "INTERNAL_ERROR", "erplink failed; retry")
        if response is not None:
            await response(scope, receive, send)


async def _answer(scope: Scope, receive: Receive) -> Response | None:
    request = Request(scope, receive)
    if request.method != "POST":
        refused = error_reply(405, "METHOD_NOT_ALLOWED", "webhooks are POSTed")
        refused.headers["allow"] = "POST"
        return refused
    services: Services = request.app.state.services
    event = EVENT_BY_PATH.get(scope["path"].removeprefix(WEBHOOK_PREFIX))
    if event is None:
        return error_reply(404, "UNKNOWN_EVENT", "erplink does not subscribe to this")
    try:
        return await _take(services, request, event)
    except BodyTooLargeError:
        return error_reply(413, "BODY_TOO_LARGE", "the payload is over the limit")
    except ClientDisconnect:
        return None
    except StoreUnavailableError:
        log.error("webhook.store_unavailable", webhook_event=event)
        return error_reply(503, "STORE_UNAVAILABLE", "try again later")


async def _take(services: Services, request: Request, event: str) -> Response:
    body = await _read_limited(request, services.settings.max_body_bytes)
    api_url = request.headers.get("saleor-api-url", "")
    installation = await services.installations.get(api_url)
    if installation is None:
        log.warning("webhook.unknown_installation", webhook_event=event)
        return error_reply(
            401, "UNKNOWN_INSTALLATION", "this Saleor never installed erplink"
        )
    signature = request.headers.get("saleor-signature", "")
    if event == ORDER_EVENT:
        try:
            await services.verifier.verify(installation, signature, body)
        except SignatureError as exc:
            return _forged(event, exc.code.upper(), str(exc))
        return await take_order(services.activity, installation, body)

    delivery = Delivery(
        installation.id, installation.app_id, installation.jwks, event, signature, body
    )
    outcome = await services.intake.take(delivery)
    if isinstance(outcome, Refused) and outcome.status == 401:
        jwks = await services.verifier.refetched_for(installation, signature)
        if jwks is not None:  # Saleor may have changed its key
            outcome = await services.intake.take(delivery._replace(jwks=jwks))
    match outcome:
        case Refused(401, code, message):
            return _forged(event, code, message)
        case Refused(status, code, message):
            return error_reply(status, code, message)
        case Stored(new, own):
            if new and not own:
                services.wakeup.set()
    return STORED


def _forged(event: str, code: str, message: str) -> Response:
    log.warning("webhook.rejected_signature", webhook_event=event, reason=message)
    return error_reply(401, code, message)


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)
