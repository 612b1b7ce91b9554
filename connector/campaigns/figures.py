"""The campaign figures as service functions: what the CLI report, `/metrics` and
the admin API show. Each reads the store (and the ERP, for active accounts) once."""

from __future__ import annotations

from datetime import date

from connector.campaigns.attribution import Attribution, attribution
from connector.campaigns.funnel import Facts, Funnel, funnel
from connector.errors import ConfigurationError
from connector.services import Services
from connector.store.clock import now


async def adoption_funnel(
    services: Services, *, today: date | None = None, rep: str = ""
) -> Funnel:
    """The funnel from launch to `today` (default: now, UTC); given a rep code, of
    that rep's accounts only (the launch day stays the program's).

    Raises:
        ConfigurationError: the configured launch day is not an ISO date, or lies
            after `today`.
    """
    today = today or now().date()
    launch = await launch_day(services, today)
    activity = services.activity
    accounts = [a async for a in services.adapter.accounts_changed_since(None)]
    linked = await activity.linked_users()
    if rep:
        accounts = [a for a in accounts if a.salesperson == rep]
        numbers = {a.number for a in accounts}
        linked = [u for u in linked if u.account_number in numbers]
    facts = Facts(
        accounts=accounts,
        linked=linked,
        logins=await activity.logins(),
        orders=await activity.orders(),
    )
    return funnel(facts, launch, today)


async def campaign_attribution(services: Services) -> Attribution:
    """Registrations and links per campaign, source and rep; the rep leaderboard."""
    return attribution(await services.activity.invite_uses())


async def launch_day(services: Services, today: date) -> date:
    """`campaign_launch` from the settings, else the day of the first invite, else
    the day of the first link, else today.

    Raises:
        ConfigurationError: the setting is not an ISO date or lies after `today`.
    """
    configured = services.settings.campaign_launch.strip()
    if configured:
        try:
            launch = date.fromisoformat(configured)
        except ValueError as exc:
            raise ConfigurationError(
                f"ERPLINK_CAMPAIGN_LAUNCH: {configured!r} is not a date like 2026-09-01"
            ) from exc
        if launch > today:
            raise ConfigurationError(
                f"ERPLINK_CAMPAIGN_LAUNCH: {launch} lies in the future"
            )
        return launch

    first_invite = await services.activity.first_invite_day()
    linked = [u.linked_at.date() for u in await services.activity.linked_users()]
    candidates = [d for d in (first_invite, min(linked, default=None)) if d]
    return min(candidates, default=today)
