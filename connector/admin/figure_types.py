"""The admin API's types for the adoption funnel and the campaign results.

Built from the pure figures of `connector.campaigns.funnel` and
`connector.campaigns.attribution`; shares are fractions (0.25 is 25 %), and a share
is null where the ERP's data do not allow it (see `AdoptionFunnel.unavailable`).
"""

from __future__ import annotations

import enum
from datetime import date

import strawberry

from connector.campaigns import attribution, funnel


@strawberry.enum
class GoalProgress(enum.Enum):
    """Where a goal stands after the latest month."""

    ON_TRACK = "on_track"
    BEHIND = "behind"
    UNKNOWN = "unknown"


@strawberry.type
class FunnelMonthView:
    """The funnel at the end of one month since launch (today, for the current one).

    `active` and `registeredShare` are null when the ERP gives no last order dates.
    """

    month: int
    ends: date
    active: int | None
    registered: int
    logged_in_ever: int
    logged_in_recently: int
    ordered: int
    registered_share: float | None
    monthly_login_share: float | None
    digital_order_share: float | None
    login_ever_share: float | None

    @classmethod
    def of(cls, month: funnel.FunnelMonth) -> FunnelMonthView:
        """From the computed month."""
        shares = month.shares()
        return cls(
            month=month.month,
            ends=month.ends,
            active=month.active,
            registered=month.registered,
            logged_in_ever=month.logged_in_ever,
            logged_in_recently=month.logged_in_recently,
            ordered=month.ordered,
            registered_share=shares["registered"],
            monthly_login_share=shares["monthly_login"],
            digital_order_share=shares["digital_order"],
            login_ever_share=shares["login_ever"],
        )


@strawberry.type
class GoalView:
    """One goal of the program: its target, when it is due, and where it stands."""

    name: str
    target: float
    due_month: int
    expected: float
    actual: float | None
    progress: GoalProgress

    @classmethod
    def of(cls, status: funnel.GoalStatus) -> GoalView:
        """From the goal's status after the latest month."""
        if status.on_track is None:
            progress = GoalProgress.UNKNOWN
        else:
            progress = GoalProgress.ON_TRACK if status.on_track else GoalProgress.BEHIND
        return cls(
            name=status.goal.name,
            target=status.goal.share,
            due_month=status.goal.by_month,
            expected=status.expected,
            actual=status.share,
            progress=progress,
        )


@strawberry.type
class UnavailableFigure:
    """A figure that cannot be computed, and why."""

    figure: str
    reason: str


@strawberry.type
class AdoptionFunnel:
    """Months since launch with their shares, the goals, and what is unknown.

    `rep` is the rep code the figures are limited to ("" for the whole program).
    """

    launch: date
    rep: str
    months: list[FunnelMonthView]
    goals: list[GoalView]
    unavailable: list[UnavailableFigure]

    @classmethod
    def of(cls, computed: funnel.Funnel, rep: str) -> AdoptionFunnel:
        """From the computed funnel."""
        return cls(
            launch=computed.launch,
            rep=rep,
            months=[FunnelMonthView.of(m) for m in computed.months],
            goals=[GoalView.of(g) for g in computed.goals],
            unavailable=[
                UnavailableFigure(figure=name, reason=why)
                for name, why in sorted(computed.unavailable.items())
            ],
        )


@strawberry.type
class TallyView:
    """Invites issued for one campaign, source or rep, registrations with them and
    the links that followed."""

    key: str
    invites: int
    registrations: int
    links: int

    @classmethod
    def of(cls, tally: attribution.Tally) -> TallyView:
        """From the computed tally."""
        return cls(
            key=tally.key,
            invites=tally.invites,
            registrations=tally.registrations,
            links=tally.links,
        )


@strawberry.type
class RepScoreView:
    """A rep's links from invites in one month."""

    rep: str
    links: int


@strawberry.type
class LeaderboardMonth:
    """One month ("YYYY-MM") of the rep leaderboard, most links first."""

    month: str
    reps: list[RepScoreView]

    @classmethod
    def of(
        cls, month: str, scores: tuple[attribution.RepScore, ...]
    ) -> LeaderboardMonth:
        """From one month of the computed leaderboard."""
        return cls(
            month=month, reps=[RepScoreView(rep=s.rep, links=s.links) for s in scores]
        )


@strawberry.type
class CampaignResults:
    """Tallies per campaign, source and rep, and the monthly rep leaderboard.

    For a sales rep the tallies count only the invites of that rep; the
    leaderboard always ranks every rep.
    """

    campaigns: list[TallyView]
    sources: list[TallyView]
    reps: list[TallyView]
    leaderboard: list[LeaderboardMonth]
