"""The admin API's queries for the adoption funnel and the campaign results.

Admins and support see the whole program. A sales rep, as everywhere in the API,
sees only their own accounts: the funnel of the accounts they are the
salesperson of, the tallies of the invites issued for them, and the leaderboard
(which ranks every rep: that is what it is for).

Known limits: a rep's funnel follows the accounts' salesperson in the ERP today,
while an invite stays counted for the rep it was issued for, so after an account
changes hands its old invites still count for the former rep. Each call reads
every ERP account and every invite afresh (no cache, unlike `/metrics`), which
costs what `erplink report` costs.
"""

from __future__ import annotations

import re

import strawberry

from connector.admin.context import AdminContext
from connector.admin.figure_types import (
    AdoptionFunnel,
    CampaignResults,
    LeaderboardMonth,
    TallyView,
)
from connector.campaigns.attribution import attribution, rep_leaderboard
from connector.campaigns.figures import adoption_funnel
from connector.errors import ErplinkError
from connector.reviewer import Action

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _context(info: strawberry.Info) -> AdminContext:
    context: AdminContext = info.context
    return context


def checked_month(month: str) -> str:
    """`month` if it is written `YYYY-MM`.

    Raises:
        ErplinkError: code `bad_input`, anything else.
    """
    if not _MONTH.match(month):
        raise ErplinkError(
            "month must be written YYYY-MM, for example 2026-11", code="bad_input"
        )
    return month


@strawberry.type
class FigureQueries:
    """The funnel and campaign figures, also shown by `erplink report`."""

    @strawberry.field
    async def adoption_funnel(self, info: strawberry.Info) -> AdoptionFunnel:
        """Months since launch with their shares, each goal's standing, and the
        figures that cannot be computed; a rep sees their own accounts only."""
        context = _context(info)
        reviewer = await context.allowed(Action.VIEW)
        computed = await adoption_funnel(context.services, rep=reviewer.rep_code)
        return AdoptionFunnel.of(computed, reviewer.rep_code)

    @strawberry.field
    async def campaign_results(
        self, info: strawberry.Info, month: str | None = None
    ) -> CampaignResults:
        """Invites, registrations and links per campaign, source and rep, and the
        rep leaderboard (of `month`, "YYYY-MM", when given; else every month)."""
        context = _context(info)
        reviewer = await context.allowed(Action.VIEW)
        wanted = checked_month(month) if month is not None else None
        uses = await context.services.activity.invite_uses()
        own = [u for u in uses if not reviewer.rep_code or u.rep == reviewer.rep_code]
        tallies = attribution(own)
        board = rep_leaderboard(uses)
        if wanted is not None:
            board = {wanted: board.get(wanted, ())}
        return CampaignResults(
            campaigns=[TallyView.of(t) for t in tallies.campaigns],
            sources=[TallyView.of(t) for t in tallies.sources],
            reps=[TallyView.of(t) for t in tallies.reps],
            leaderboard=[LeaderboardMonth.of(m, s) for m, s in board.items()],
        )
