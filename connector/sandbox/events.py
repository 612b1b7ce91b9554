"""Fan-out of an event to every subscribed webhook of every installed app."""

from __future__ import annotations

import json

import structlog

from connector.sandbox.delivery import Delivery, WebhookDispatcher
from connector.sandbox.state import App, Principal, Store, User, Webhook, now
from connector.sandbox.webhooks import EVENT_PERMISSIONS, event_root, render_payload

logger = structlog.get_logger(__name__)


def subscribers(store: Store, event_type: str) -> list[tuple[App, Webhook]]:
    """Return the active webhooks, with their apps, that receive ``event_type``."""
    permission = EVENT_PERMISSIONS.get(event_type)
    return [
        (app, webhook)
        for app in store.apps.values()
        if app.is_active and (permission is None or app.has_permission(permission))
        for webhook in app.webhooks
        if webhook.is_active and event_type in webhook.events
    ]


def publish_event(
    store: Store,
    dispatcher: WebhookDispatcher,
    event_type: str,
    user: User,
    principal: Principal | None,
) -> list[Delivery]:
    """Render and enqueue ``event_type`` for every subscriber.

    The payload is rendered now (a snapshot of the user at event time); the
    POSTs happen later in background tasks.

    Returns:
        The deliveries enqueued, one per subscribed webhook.
    """
    issued_at = now()
    deliveries = []
    for app, webhook in subscribers(store, event_type):
        event = event_root(event_type, user, principal, app, issued_at)
        body = json.dumps(render_payload(webhook.document, event)).encode()
        deliveries.append(
            dispatcher.enqueue(
                event_type, app.global_id, webhook.name, webhook.target_url, body
            )
        )
    logger.info(
        "sandbox.event.published",
        event_type=event_type,
        user_id=user.global_id,
        deliveries=len(deliveries),
    )
    return deliveries
