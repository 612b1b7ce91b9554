"""The app manifest Saleor reads when a staff user installs erplink."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from connector import __version__
from connector.saleor.documents import document
from connector.settings import Settings

# Saleor events erplink subscribes to: event name -> (path, subscription operation).
WEBHOOKS: dict[str, tuple[str, str]] = {
    "CUSTOMER_CREATED": ("customer-created", "CustomerCreatedEvent"),
    "CUSTOMER_UPDATED": ("customer-updated", "CustomerUpdatedEvent"),
    "CUSTOMER_METADATA_UPDATED": (
        "customer-metadata-updated",
        "CustomerMetadataUpdatedEvent",
    ),
    "ACCOUNT_CONFIRMED": ("account-confirmed", "AccountConfirmedEvent"),
    "ORDER_CREATED": ("order-created", "OrderCreatedEvent"),
}
EVENT_BY_PATH = {path: event for event, (path, _) in WEBHOOKS.items()}
# MANAGE_ORDERS: ORDER_CREATED, which counts digital orders for the funnel.
PERMISSIONS = ["MANAGE_USERS", "MANAGE_ORDERS"]
# issuingPrincipal and the customer events' payloads as selected here exist from
# 3.20; customer types need 3.23.26, below which the policy's metadata_only mode
# is the way to run.
REQUIRED_SALEOR_VERSION = ">=3.20 <4"


def build_manifest(settings: Settings) -> dict[str, Any]:
    """The manifest, with every URL under the configured public URL."""
    base = settings.public_url.rstrip("/")
    return {
        "id": "erplink",
        "name": "erplink",
        "version": __version__,
        "about": (
            "Links B2B customers who register on the store to their ERP account and "
            "assigns their contract price list; no prices before the link is sure."
        ),
        "permissions": PERMISSIONS,
        "appUrl": f"{base}/app",
        "tokenTargetUrl": f"{base}/api/register",
        "homepageUrl": f"{base}/",
        "supportUrl": f"{base}/",
        "author": "erplink",
        "requiredSaleorVersion": REQUIRED_SALEOR_VERSION,
        "webhooks": [
            {
                "name": f"erplink {event.lower()}",
                "targetUrl": f"{base}/api/webhooks/{path}",
                "query": document(operation),
                "isActive": True,
                "asyncEvents": [event],
            }
            for event, (path, operation) in WEBHOOKS.items()
        ],
    }


async def manifest(request: Request) -> JSONResponse:
    """`GET /api/manifest`."""
    return JSONResponse(build_manifest(request.app.state.services.settings))
