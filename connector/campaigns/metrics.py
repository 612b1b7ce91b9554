"""`GET /metrics`: Prometheus gauges for links, campaigns, the funnel and the inbox.

Link states and the inbox are counted on every scrape. The funnel reads every ERP
account, so it is computed at most once per `FUNNEL_TTL_S` and served from memory
in between. The figures are counts and shares only: no e-mail address, account
name or token is ever a label.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge
from prometheus_client.exposition import generate_latest
from starlette.requests import Request
from starlette.responses import Response

from connector.campaigns.attribution import Attribution
from connector.campaigns.figures import adoption_funnel, campaign_attribution
from connector.campaigns.funnel import Funnel
from connector.services import Services

FUNNEL_TTL_S = 300.0


@dataclass
class _Cached:
    funnel: Funnel
    at: float


_cache: dict[int, _Cached] = {}


async def metrics(request: Request) -> Response:
    """The current figures in Prometheus' text format."""
    services: Services = request.app.state.services
    registry = CollectorRegistry()
    _links(registry, await services.links.count_by_state())
    _inbox(registry, await services.inbox.counts())
    _campaigns(registry, await campaign_attribution(services))
    _funnel(registry, await _current_funnel(services))

    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


async def _current_funnel(services: Services) -> Funnel:
    cached = _cache.get(id(services))
    if cached is None or time.monotonic() - cached.at > FUNNEL_TTL_S:
        cached = _Cached(await adoption_funnel(services), time.monotonic())
        _cache[id(services)] = cached
    return cached.funnel


def _links(registry: CollectorRegistry, counts: dict[str, int]) -> None:
    gauge = Gauge(
        "erplink_links", "Web accounts by link state.", ["state"], registry=registry
    )
    for state, count in counts.items():
        gauge.labels(state=state).set(count)


def _inbox(registry: CollectorRegistry, counts: dict[str, int]) -> None:
    gauge = Gauge(
        "erplink_inbox_depth",
        "Inbox deliveries by status.",
        ["status"],
        registry=registry,
    )
    for status, count in counts.items():
        gauge.labels(status=status).set(count)


def _campaigns(registry: CollectorRegistry, figures: Attribution) -> None:
    labels = ["campaign"]
    invites = Gauge(
        "erplink_campaign_invites", "Invites issued.", labels, registry=registry
    )
    registrations = Gauge(
        "erplink_campaign_registrations",
        "Registrations with an invite.",
        labels,
        registry=registry,
    )
    links = Gauge(
        "erplink_campaign_links", "Links after an invite.", labels, registry=registry
    )
    for tally in figures.campaigns:
        invites.labels(campaign=tally.key).set(tally.invites)
        registrations.labels(campaign=tally.key).set(tally.registrations)
        links.labels(campaign=tally.key).set(tally.links)


def _funnel(registry: CollectorRegistry, funnel: Funnel) -> None:
    shares = Gauge(
        "erplink_funnel_share",
        "Funnel shares of the current month since launch.",
        ["figure"],
        registry=registry,
    )
    on_track = Gauge(
        "erplink_funnel_goal_on_track",
        "1 when a goal is on track, 0 when behind.",
        ["goal"],
        registry=registry,
    )
    month = Gauge(
        "erplink_funnel_month", "Months since launch, current one.", registry=registry
    )
    latest = funnel.months[-1]
    month.set(latest.month)
    for figure, share in latest.shares().items():
        if share is not None:
            shares.labels(figure=figure).set(share)
    for status in funnel.goals:
        if status.on_track is not None:
            on_track.labels(goal=status.goal.name).set(int(status.on_track))
