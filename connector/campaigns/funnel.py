"""The adoption funnel, by month since launch, against the program's goals.

Pure: the store's facts (linked users, logins, orders) and the ERP's accounts go in,
figures come out. An account is *active* when its last ERP order is at most 12
months old today, *registered* when at least one of its web users is linked. The
ERP says only today's last order date, so every month is measured against today's
active accounts; an account that stopped ordering drops out of past months too.

Goals ramp linearly: a goal of 25 % by month 3 expects 8.3 % after month 1. A month
is on track when its share reaches the ramp.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from connector.campaigns.activity import LinkedUser, UserKey
from connector.campaigns.periods import add_months
from connector.linking.model import Account

ACTIVE_MONTHS = 12
RECENT_LOGIN_DAYS = 30
NO_ORDER_DATES = (
    "the ERP adapter gives no last order dates, so active accounts are unknown"
)


@dataclass(frozen=True, slots=True)
class Goal:
    """A share to reach by a month since launch."""

    name: str
    share: float
    by_month: int

    def expected(self, month: int) -> float:
        """The share this goal expects after `month` months."""
        return self.share * min(month, self.by_month) / self.by_month


GOALS = (
    Goal("registered", 0.25, 3),
    Goal("monthly_login", 0.50, 6),
    Goal("digital_order", 0.25, 12),
)


@dataclass(frozen=True, slots=True)
class FunnelMonth:
    """The funnel at the end of one month since launch (or today, for the current
    month). `active` is None when the ERP gives no last order dates."""

    month: int
    ends: date
    active: int | None
    registered: int
    logged_in_ever: int
    logged_in_recently: int
    ordered: int

    def shares(self) -> dict[str, float | None]:
        """Each goal's share: registered of active, the others of registered."""
        return {
            "registered": _share(self.registered, self.active),
            "monthly_login": _share(self.logged_in_recently, self.registered),
            "digital_order": _share(self.ordered, self.registered),
            "login_ever": _share(self.logged_in_ever, self.registered),
        }


@dataclass(frozen=True, slots=True)
class GoalStatus:
    """Where the latest month stands against one goal."""

    goal: Goal
    share: float | None
    expected: float
    on_track: bool | None


@dataclass(frozen=True, slots=True)
class Funnel:
    """Months since launch, the goals, and figures that cannot be computed."""

    launch: date
    months: tuple[FunnelMonth, ...]
    goals: tuple[GoalStatus, ...]
    unavailable: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the funnel is computed from."""

    accounts: Sequence[Account]
    linked: Sequence[LinkedUser]
    logins: Mapping[UserKey, list[datetime]]
    orders: Mapping[UserKey, list[datetime]]


def funnel(facts: Facts, launch: date, today: date) -> Funnel:
    """The funnel for every month from `launch` up to `today`."""
    dated = any(a.last_order for a in facts.accounts)
    active = _active_numbers(facts.accounts, today) if dated else None
    users = _users_by_account(facts.linked, active)
    months = tuple(
        _month(n, end, active, users, facts) for n, end in _month_ends(launch, today)
    )
    unavailable = (
        {} if dated else {"active": NO_ORDER_DATES, "registered": NO_ORDER_DATES}
    )

    return Funnel(launch, months, _statuses(months), unavailable)


def _active_numbers(accounts: Iterable[Account], today: date) -> set[str]:
    cutoff = add_months(today, -ACTIVE_MONTHS)
    return {
        a.number
        for a in accounts
        if a.last_order is not None and a.last_order >= cutoff and not a.is_blocked
    }


def _users_by_account(
    linked: Iterable[LinkedUser], active: set[str] | None
) -> dict[str, list[LinkedUser]]:
    """Linked users per account; of active accounts only, when that is known."""
    grouped: dict[str, list[LinkedUser]] = defaultdict(list)
    for user in linked:
        if active is None or user.account_number in active:
            grouped[user.account_number].append(user)
    return grouped


def _month_ends(launch: date, today: date) -> list[tuple[int, date]]:
    """(month number, last day counted) from month 1 to the one holding today."""
    ends: list[tuple[int, date]] = []
    month = 1
    while True:
        end = add_months(launch, month) - timedelta(days=1)
        ends.append((month, min(end, today)))
        if end >= today:
            return ends
        month += 1


def _month(
    number: int,
    end: date,
    active: set[str] | None,
    users: Mapping[str, list[LinkedUser]],
    facts: Facts,
) -> FunnelMonth:
    until = datetime.combine(end, time.max, tzinfo=UTC)
    recent = until - timedelta(days=RECENT_LOGIN_DAYS)
    registered = ever = recently = ordered = 0
    for people in users.values():
        keys = [(u.installation_id, u.user_id) for u in people if u.linked_at <= until]
        if not keys:
            continue
        registered += 1
        logins = [t for k in keys for t in facts.logins.get(k, ()) if t <= until]
        ever += bool(logins)
        recently += any(t > recent for t in logins)
        ordered += any(t <= until for k in keys for t in facts.orders.get(k, ()))

    return FunnelMonth(
        number,
        end,
        len(active) if active is not None else None,
        registered,
        ever,
        recently,
        ordered,
    )


def _statuses(months: Sequence[FunnelMonth]) -> tuple[GoalStatus, ...]:
    latest = months[-1]
    shares = latest.shares()
    statuses = []
    for goal in GOALS:
        share = shares[goal.name]
        expected = goal.expected(latest.month)
        on_track = None if share is None else share >= expected
        statuses.append(GoalStatus(goal, share, expected, on_track))
    return tuple(statuses)


def _share(part: int, whole: int | None) -> float | None:
    if whole is None:
        return None
    return part / whole if whole else 0.0
