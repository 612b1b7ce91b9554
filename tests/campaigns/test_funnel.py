"""The funnel and attribution as tables: pure functions over given facts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from connector.campaigns.activity import InviteUse, LinkedUser
from connector.campaigns.attribution import RepScore, Tally, attribution
from connector.campaigns.funnel import NO_ORDER_DATES, Facts, funnel
from connector.campaigns.report import render_report, write_chart
from connector.linking.model import Account, Blocked

LAUNCH = date(2026, 9, 1)
TODAY = date(2026, 12, 4)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def account(number: str, last_order: date | None, **changes: object) -> Account:
    return Account(number, f"Firma {number}", last_order=last_order, **changes)  # type: ignore[arg-type]


ACCOUNTS = [
    account("1", date(2026, 11, 1)),
    account("2", date(2026, 6, 1)),
    account("3", date(2026, 1, 10)),
    account("4", date(2025, 10, 1)),  # last order over 12 months ago: not active
    account("5", date(2026, 11, 1), blocked=Blocked.ALL),  # blocked: not active
    account("6", None),
]
LINKED = [
    LinkedUser(1, "u1", "1", at("2026-09-10")),
    LinkedUser(1, "u1b", "1", at("2026-10-02")),
    LinkedUser(1, "u2", "2", at("2026-10-20")),
    LinkedUser(1, "u4", "4", at("2026-09-05")),
]
LOGINS = {
    (1, "u1"): [at("2026-09-11"), at("2026-11-20")],
    (1, "u2"): [at("2026-10-21")],
    (1, "u4"): [at("2026-12-01")],
}
ORDERS = {(1, "u1b"): [at("2026-11-03")]}
FACTS = Facts(ACCOUNTS, LINKED, LOGINS, ORDERS)


def test_each_month_counts_active_registered_logins_and_orders() -> None:
    result = funnel(FACTS, LAUNCH, TODAY)

    rows = [
        (m.month, m.ends, m.active, m.registered, m.logged_in_ever,
         m.logged_in_recently, m.ordered)
        for m in result.months
    ]  # fmt: skip
    assert rows == [
        (1, date(2026, 9, 30), 3, 1, 1, 1, 0),
        (2, date(2026, 10, 31), 3, 2, 2, 1, 0),
        (3, date(2026, 11, 30), 3, 2, 2, 1, 1),
        (4, date(2026, 12, 4), 3, 2, 2, 1, 1),
    ]
    assert result.unavailable == {}


def test_goals_are_marked_against_their_linear_ramp() -> None:
    result = funnel(FACTS, LAUNCH, TODAY)

    marks = {
        s.goal.name: (round(s.share or 0, 3), round(s.expected, 3), s.on_track)
        for s in result.goals
    }
    assert marks == {
        "registered": (0.667, 0.25, True),
        "monthly_login": (0.5, 0.333, True),
        "digital_order": (0.5, 0.083, True),
    }


def test_a_month_behind_its_goal_is_marked_behind() -> None:
    facts = Facts(ACCOUNTS, LINKED[:1], {}, {})

    result = funnel(facts, LAUNCH, date(2026, 11, 15))

    marks = {s.goal.name: s.on_track for s in result.goals}
    assert marks == {"registered": True, "monthly_login": False, "digital_order": False}


def test_without_last_order_dates_the_report_says_what_cannot_be_computed() -> None:
    undated = [account(a.number, None) for a in ACCOUNTS]

    result = funnel(Facts(undated, LINKED, LOGINS, ORDERS), LAUNCH, TODAY)
    text = render_report(result, attribution([]))

    latest = result.months[-1]
    assert (latest.active, latest.registered) == (None, 3)
    assert latest.shares()["registered"] is None
    assert result.unavailable == {
        "active": NO_ORDER_DATES,
        "registered": NO_ORDER_DATES,
    }
    assert result.goals[0].on_track is None
    assert "25% of active accounts registered by month 3: cannot be computed" in text
    assert f"  active: {NO_ORDER_DATES}" in text


USES = [
    InviteUse("spring", "email", "MH", True, at("2026-10-02")),
    InviteUse("spring", "email", "MH", True, None),
    InviteUse("spring", "invoice_qr", "SK", True, at("2026-10-05")),
    InviteUse("spring", "invoice_qr", "SK", False, None),
    InviteUse("autumn", "rep_visit", "SK", True, at("2026-11-20")),
    InviteUse("autumn", "email", "", True, at("2026-11-21")),
    InviteUse("autumn", "email", "MH", True, at("2026-11-22")),
]


def test_registrations_and_links_are_tallied_per_campaign_source_and_rep() -> None:
    result = attribution(USES)

    assert result.campaigns == (Tally("autumn", 3, 3, 3), Tally("spring", 4, 3, 2))
    assert result.sources == (
        Tally("email", 4, 4, 3),
        Tally("invoice_qr", 2, 1, 1),
        Tally("rep_visit", 1, 1, 1),
    )
    assert result.reps == (
        Tally("(none)", 1, 1, 1),
        Tally("MH", 3, 3, 2),
        Tally("SK", 3, 2, 2),
    )


def test_the_leaderboard_ranks_reps_by_links_each_month() -> None:
    result = attribution(USES)

    assert result.leaderboard == {
        "2026-10": (RepScore("MH", 1), RepScore("SK", 1)),
        "2026-11": (RepScore("(none)", 1), RepScore("MH", 1), RepScore("SK", 1)),
    }


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_the_chart_is_written_in_the_format_its_name_asks_for(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"funnel{suffix}"

    write_chart(funnel(FACTS, LAUNCH, TODAY), path)

    start = path.read_bytes()[:8]
    assert start.startswith(b"\x89PNG") if suffix == ".png" else b"<?xml" in start
