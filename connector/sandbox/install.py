"""Installing an app the way Saleor's ``appInstall`` does.

Saleor fetches the manifest, creates the app with its webhooks, then hands a
fresh token to ``tokenTargetUrl``; if that hand-over fails it deletes the app.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog

from connector.sandbox.errors import AppInstallError
from connector.sandbox.http import new_client
from connector.sandbox.state import (
    App,
    Store,
    Webhook,
    generate_app_token,
    hash_token,
)
from connector.sandbox.webhooks import (
    SubscriptionQueryError,
    derive_events,
    parse_subscription,
)

logger = structlog.get_logger(__name__)

SCHEMA_VERSION = "3.24"


async def fetch_manifest(
    client: httpx.AsyncClient, manifest_url: str
) -> dict[str, Any]:
    """GET and decode the manifest.

    Raises:
        AppInstallError: ``manifest_unreachable`` or ``manifest_invalid``.
    """
    headers = {"Saleor-Schema-Version": SCHEMA_VERSION}
    try:
        response = await client.get(manifest_url, headers=headers)
    except httpx.TransportError as exc:
        raise AppInstallError("manifest_unreachable", type(exc).__name__) from exc
    if response.status_code != 200:
        message = f"manifest answered HTTP {response.status_code}"
        raise AppInstallError("manifest_unreachable", message)
    try:
        manifest = response.json()
    except ValueError as exc:
        raise AppInstallError("manifest_invalid", "manifest is not JSON") from exc
    if not isinstance(manifest, dict) or not manifest.get("tokenTargetUrl"):
        raise AppInstallError("manifest_invalid", "manifest lacks tokenTargetUrl")

    return manifest


def build_webhook(store: Store, spec: dict[str, Any]) -> Webhook:
    """Turn one manifest ``webhooks[]`` entry into a stored webhook.

    Raises:
        AppInstallError: ``manifest_invalid`` when the query is unusable.
    """
    try:
        document = parse_subscription(spec["query"])
    except (KeyError, TypeError, SubscriptionQueryError) as exc:
        message = f"webhook {spec.get('name')!r}: {exc}"
        raise AppInstallError("manifest_invalid", message) from exc
    events = frozenset(spec.get("asyncEvents") or ()) or derive_events(document)
    return Webhook(
        pk=store.next_pk("Webhook"),
        name=str(spec.get("name", "")),
        target_url=spec["targetUrl"],
        query=spec["query"],
        document=document,
        events=events,
        is_active=bool(spec.get("isActive", True)),
    )


def create_app(
    store: Store,
    manifest: dict[str, Any],
    *,
    manifest_url: str,
    token: str,
    permissions: list[str] | None,
) -> App:
    """Create and store the app a manifest describes."""
    webhooks = [build_webhook(store, spec) for spec in manifest.get("webhooks") or []]
    granted = permissions if permissions is not None else manifest.get("permissions")
    app = App(
        pk=store.next_pk("App"),
        identifier=str(manifest.get("id", "")),
        name=str(manifest.get("name", "")),
        token_hash=hash_token(token),
        permissions=frozenset(granted or ()),
        manifest_url=manifest_url,
        version=manifest.get("version"),
        app_url=manifest.get("appUrl"),
        webhooks=webhooks,
    )
    store.apps[app.pk] = app
    return app


def _error_message(response: httpx.Response) -> str:
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        return f"token target answered HTTP {response.status_code}"
    return str(message)


async def hand_over_token(
    client: httpx.AsyncClient, url: str, token: str, api_url: str
) -> None:
    """POST the token to the app.

    Raises:
        AppInstallError: ``token_rejected`` (non-2xx) or ``token_unreachable``.
    """
    headers = {
        "Saleor-Api-Url": api_url,
        "Saleor-Domain": urlsplit(api_url).netloc,
        "Saleor-Schema-Version": SCHEMA_VERSION,
    }
    try:
        response = await client.post(url, json={"auth_token": token}, headers=headers)
    except httpx.TransportError as exc:
        raise AppInstallError("token_unreachable", type(exc).__name__) from exc
    if not response.is_success:
        raise AppInstallError("token_rejected", _error_message(response))


async def install_app(
    store: Store, manifest_url: str, api_url: str, permissions: list[str] | None = None
) -> App:
    """Install the app at ``manifest_url``; see the module docstring.

    Raises:
        AppInstallError: The app is not installed; ``code`` says why.
    """
    token = generate_app_token()
    async with new_client() as client:
        manifest = await fetch_manifest(client, manifest_url)
        app = create_app(
            store,
            manifest,
            manifest_url=manifest_url,
            token=token,
            permissions=permissions,
        )
        try:
            await hand_over_token(client, manifest["tokenTargetUrl"], token, api_url)
        except AppInstallError as exc:
            del store.apps[app.pk]
            logger.warning(
                "sandbox.app.install_failed", app=app.identifier, code=exc.code
            )
            raise

    logger.info("sandbox.app.installed", app=app.identifier, app_id=app.global_id)
    return app
