"""The periodic job that reads every customer's `lastLogin` from Saleor.

Saleor keeps only the latest login, so a login is known to erplink only if a refresh
saw it: of several logins between two refreshes only the last is recorded. Monthly
figures stay right as long as refreshes run more often than monthly (hourly by
default); "logged in at least once" is exact.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import structlog

from connector.campaigns.activity import ActivityStore
from connector.errors import ErplinkError
from connector.saleor.pool import SaleorPool
from connector.services import Services
from connector.store.installations import Installation, InstallationStore

log = structlog.get_logger(__name__)
PAGE_SIZE = 100


async def refresh_logins(
    installations: InstallationStore, saleor: SaleorPool, activity: ActivityStore
) -> int:
    """Read every installation's customers' last logins; returns logins new to the
    store. A store that cannot be asked is skipped and logged; the next run asks
    again."""
    added = 0
    for installation in await installations.all():
        try:
            logins = await _last_logins(saleor, installation)
        except ErplinkError as exc:
            log.warning(
                "logins.refresh_failed", api_url=installation.api_url, error=exc.code
            )
            continue
        added += await activity.record_logins(installation.id, logins)
    log.info("logins.refreshed", new=added)
    return added


def start_login_refresh(
    services: Services, stop: asyncio.Event
) -> asyncio.Task[None] | None:
    """The periodic refresh as a task of the server (with its worker), or None when
    `login_refresh_s` is 0 or this process runs no worker."""
    interval_s = services.settings.login_refresh_s
    if not services.settings.run_worker or interval_s <= 0:
        return None
    return asyncio.create_task(
        run_periodically(
            services.installations, services.saleor, services.activity, interval_s, stop
        )
    )


async def run_periodically(
    installations: InstallationStore,
    saleor: SaleorPool,
    activity: ActivityStore,
    interval_s: float,
    stop: asyncio.Event,
) -> None:
    """Refresh until `stop` is set, once at start and then every `interval_s`."""
    while not stop.is_set():
        try:
            await refresh_logins(installations, saleor, activity)
        except Exception:  # a bad page must not end the job: log, try next time
            log.exception("logins.refresh_crashed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        except TimeoutError:
            continue


async def _last_logins(
    saleor: SaleorPool, installation: Installation
) -> list[tuple[str, datetime]]:
    client = saleor.client(installation)
    logins: list[tuple[str, datetime]] = []
    after: str | None = None
    while True:
        data = await client.execute("CustomerLogins", first=PAGE_SIZE, after=after)
        page = data["customers"]
        for edge in page["edges"]:
            node = edge["node"]
            if node.get("lastLogin"):
                logins.append((node["id"], datetime.fromisoformat(node["lastLogin"])))
        if not page["pageInfo"]["hasNextPage"]:
            return logins
        after = page["pageInfo"]["endCursor"]
