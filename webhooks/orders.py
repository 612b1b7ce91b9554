"""`ORDER_CREATED`: an order placed in the store, kept as a digital order.

The order is stored right in the request (one idempotent insert, committed before
the answer, like an inbox row), not queued: nothing about it needs the ERP or Saleor.
Orders without a customer (guest checkout) and orders not placed through a checkout
(drafts a staff member completed, reissues) are answered 200 and not counted.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import JSONResponse, Response

from connector.campaigns.activity import ActivityStore
from connector.store.installations import Installation
from webhooks.responses import error_reply

log = structlog.get_logger(__name__)
ORDER_EVENT = "ORDER_CREATED"
COUNTED_ORIGIN = "CHECKOUT"


async def take_order(
    activity: ActivityStore, installation: Installation, body: bytes
) -> Response:
    """Store the order of a verified `ORDER_CREATED` body."""
    order = _order(body)
    if order is None:
        return error_reply(400, "INVALID_PAYLOAD", "the body is not an order event")

    user = order.get("user") or {}
    if not user.get("id") or order.get("origin") != COUNTED_ORIGIN:
        log.info("webhook.order_skipped", origin=order.get("origin"))
        return JSONResponse({"success": True})
    try:
        created = datetime.fromisoformat(str(order["created"]))
        new = await activity.record_order(
            installation.id, str(order["id"]), str(user["id"]), created
        )
    except SQLAlchemyError:
        log.error("webhook.store_unavailable", webhook_event=ORDER_EVENT)
        return error_reply(503, "STORE_UNAVAILABLE", "try again later")

    log.info("webhook.order_received", new=new)
    return JSONResponse({"success": True})


def _order(body: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    order = payload.get("order") if isinstance(payload, dict) else None
    if not isinstance(order, dict) or not order.get("id") or not order.get("created"):
        return None
    return order
