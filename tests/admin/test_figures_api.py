"""The funnel and campaign results in the admin API, over real HTTP on the demo.

Two campaigns are issued (one per rep: SK's "launch", MH's "autumn"), and one
customer of each rep registers with their invite, as a storefront does.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from connector.campaigns.invites import InviteStore
from connector.campaigns.issue import CampaignRequest, CampaignResult, create_campaign
from connector.campaigns.tokens import invite_key
from connector.demo import Demo, start_demo
from connector.linking.model import LinkState
from connector.reviewer import Role
from connector.settings import Settings
from connector.store.clock import now
from connector.store.database import sessionmaker
from tests.admin.api import call, codes, key_for
from tests.campaigns.test_invite_end_to_end import JONAS, PREFIX, register
from tests.review_support import DATA, sqlite_demo

ANNA = "anna.schmidt@acme-industrial.de"  # account 10000, rep MH
FUNNEL = """
query {
  adoptionFunnel {
    launch rep
    months { month ends active registered loggedInEver loggedInRecently ordered
             registeredShare monthlyLoginShare digitalOrderShare loginEverShare }
    goals { name target dueMonth expected actual progress }
    unavailable { figure reason }
  }
}"""
RESULTS = """
query ($month: String) {
  campaignResults(month: $month) {
    campaigns { key invites registrations links }
    sources { key invites registrations links }
    reps { key invites registrations links }
    leaderboard { month reps { rep links } }
  }
}"""


@pytest.fixture
async def lite(tmp_path: Path) -> AsyncIterator[Demo]:
    """On SQLite: the figures are read through the store's tested queries."""
    async for running in sqlite_demo(tmp_path):
        yield running


async def campaign(
    demo: Demo, out: Path, name: str, rep: str
) -> tuple[dict[str, str], CampaignResult]:
    """Issue a campaign for `rep`'s accounts: the token of each invited e-mail, and
    what the run says it issued (e-mail invites and one invoice QR per account)."""
    installation = (await demo.services.installations.all())[0]
    result = await create_campaign(
        CampaignRequest(name, out / name, PREFIX + "{token}", rep=rep, workers=1),
        installation=installation,
        adapter=demo.services.adapter,
        store=InviteStore(sessionmaker(demo.services.engine)),
        key=invite_key(demo.services.settings.resolved_secret()),
        today=now().date(),
    )
    with result.mail_merge.open(encoding="utf-8", newline="") as handle:
        tokens = {
            r["email"]: r["link"].removeprefix(PREFIX) for r in csv.DictReader(handle)
        }
    return tokens, result


async def two_invited_registrations(demo: Demo, out: Path) -> dict[str, CampaignResult]:
    """SK's and MH's campaigns, Jonas (SK) and Anna (MH) registered by e-mail invite;
    what each rep's campaign issued."""
    launch, sk = await campaign(demo, out, "launch", "SK")
    autumn, mh = await campaign(demo, out, "autumn", "MH")
    for email, tokens in ((JONAS, launch), (ANNA, autumn)):
        link = await register(demo, email, tokens[email])
        assert link.state is LinkState.LINKED
    assert (len(launch), len(autumn)) == (
        sk.invites - sk.qr_written,
        mh.invites - mh.qr_written,
    )
    return {"SK": sk, "MH": mh}


def tally(key: str, invites: int, registered: int) -> dict[str, object]:
    """A tally row whose registrations all became links."""
    return {
        "key": key, "invites": invites, "registrations": registered,
        "links": registered,
    }  # fmt: skip


async def active_accounts(demo: Demo, rep: str = "") -> int:
    """Unblocked accounts (of `rep`) whose last order is at most a year old."""
    year_ago = now().date().replace(year=now().year - 1)
    accounts = [a async for a in demo.services.adapter.accounts_changed_since(None)]
    return sum(
        1
        for a in accounts
        if a.last_order and a.last_order >= year_ago and not a.is_blocked
        if not rep or a.salesperson == rep
    )


def goals(registered_share: float | None) -> list[dict[str, object]]:
    """The three goals after month 1 with nobody logged in or ordering yet."""
    behind = "BEHIND" if registered_share is not None else "UNKNOWN"
    return [
        {"name": "registered", "target": 0.25, "dueMonth": 3,
         "expected": 0.25 / 3, "actual": registered_share, "progress": behind},
        {"name": "monthly_login", "target": 0.5, "dueMonth": 6,
         "expected": 0.5 / 6, "actual": 0.0, "progress": "BEHIND"},
        {"name": "digital_order", "target": 0.25, "dueMonth": 12,
         "expected": 0.25 / 12, "actual": 0.0, "progress": "BEHIND"},
    ]  # fmt: skip


async def test_an_admin_reads_the_funnel_and_every_campaigns_results(
    lite: Demo, tmp_path: Path
) -> None:
    invites = await two_invited_registrations(lite, tmp_path)
    key = await key_for(lite, Role.ADMIN, "ops")
    today = now().date()

    funnel = await call(lite, FUNNEL, token=key)
    results = await call(lite, RESULTS, token=key)

    active = await active_accounts(lite)
    assert "errors" not in funnel
    assert "errors" not in results
    assert funnel["data"]["adoptionFunnel"] == {
        "launch": today.isoformat(),
        "rep": "",
        "months": [
            {
                "month": 1,
                "ends": today.isoformat(),
                "active": active,
                "registered": 2,
                "loggedInEver": 0,
                "loggedInRecently": 0,
                "ordered": 0,
                "registeredShare": 2 / active,
                "monthlyLoginShare": 0.0,
                "digitalOrderShare": 0.0,
                "loginEverShare": 0.0,
            },
        ],  # fmt: skip
        "goals": goals(2 / active),
        "unavailable": [],
    }
    sk, mh = invites["SK"], invites["MH"]
    qr = sk.qr_written + mh.qr_written
    assert results["data"]["campaignResults"] == {
        "campaigns": [tally("autumn", mh.invites, 1), tally("launch", sk.invites, 1)],
        "sources": [
            tally("email", sk.invites + mh.invites - qr, 2),
            tally("invoice_qr", qr, 0),
        ],
        "reps": [tally("MH", mh.invites, 1), tally("SK", sk.invites, 1)],
        "leaderboard": [
            {
                "month": f"{today:%Y-%m}",
                "reps": [{"rep": "MH", "links": 1}, {"rep": "SK", "links": 1}],
            },
        ],  # fmt: skip
    }


async def test_a_rep_sees_the_leaderboard_and_only_their_own_figures(
    lite: Demo, tmp_path: Path
) -> None:
    invites = await two_invited_registrations(lite, tmp_path)
    key = await key_for(lite, Role.SALES_REP, "s.krueger", "SK")
    today = now().date()

    funnel = await call(lite, FUNNEL, token=key)
    results = await call(lite, RESULTS, {"month": f"{today:%Y-%m}"}, token=key)
    earlier = await call(lite, RESULTS, {"month": "2026-01"}, token=key)

    active = await active_accounts(lite, "SK")
    assert 0 < active < await active_accounts(lite)
    months = funnel["data"]["adoptionFunnel"]["months"]
    assert funnel["data"]["adoptionFunnel"]["rep"] == "SK"
    assert [(m["active"], m["registered"]) for m in months] == [(active, 1)]
    assert funnel["data"]["adoptionFunnel"]["goals"] == goals(1 / active)
    sk = invites["SK"]
    assert results["data"]["campaignResults"] == {
        "campaigns": [tally("launch", sk.invites, 1)],
        "sources": [
            tally("email", sk.invites - sk.qr_written, 1),
            tally("invoice_qr", sk.qr_written, 0),
        ],
        "reps": [tally("SK", sk.invites, 1)],
        "leaderboard": [
            {
                "month": f"{today:%Y-%m}",
                "reps": [{"rep": "MH", "links": 1}, {"rep": "SK", "links": 1}],
            },
        ],  # fmt: skip
    }
    assert earlier["data"]["campaignResults"]["leaderboard"] == [
        {"month": "2026-01", "reps": []}
    ]


async def test_without_credentials_the_figures_are_refused_and_recorded(
    lite: Demo,
) -> None:
    funnel = await call(lite, FUNNEL)
    results = await call(lite, RESULTS, token="erpl_not-a-key")

    assert (codes(funnel), funnel["data"]) == (["unauthenticated"], None)
    assert (codes(results), results["data"]) == (["unauthenticated"], None)
    assert [e["message"] for e in funnel["errors"] + results["errors"]] == [
        "no credentials: send Authorization: Bearer <key>",
        "the API key is unknown or revoked",
    ]
    denied = await lite.services.review.reviews.denied()
    assert [(d.actor.kind, d.code) for d in denied] == [
        ("anonymous", "unauthenticated"),
        ("anonymous", "unauthenticated"),
    ]


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "december", ""])
async def test_a_month_not_written_yyyy_mm_is_refused_with_bad_input(
    lite: Demo, month: str
) -> None:
    key = await key_for(lite, Role.SUPPORT, "helpdesk")

    body = await call(lite, RESULTS, {"month": month}, token=key)

    assert (codes(body), body["data"]) == (["bad_input"], None)
    assert body["errors"][0]["message"] == (
        "month must be written YYYY-MM, for example 2026-11"
    )


async def launched_demo(
    tmp_path: Path, launch: str, *, dated: bool = True
) -> AsyncIterator[Demo]:
    """The demo with `campaign_launch` set, over a copy of the ERP export (whose
    accounts lose their last order dates unless `dated`)."""
    erp = tmp_path / "erp"
    shutil.copytree(DATA, erp, ignore=shutil.ignore_patterns("*.py"))
    if not dated:
        with (DATA / "accounts.csv").open(encoding="utf-8", newline="") as source:
            rows = list(csv.DictReader(source))
        with (erp / "accounts.csv").open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(r | {"Last Order Date": ""} for r in rows)
    settings = Settings(
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'erplink.db'}",
        worker_poll_s=0.05,
        campaign_launch=launch,
        adapter_options={
            "accounts": str(erp / "accounts.csv"),
            "contacts": str(erp / "contacts.csv"),
        },
    )
    running = await start_demo(settings, port=0, sandbox_port=0)
    yield running
    await running.stop()


@pytest.fixture
async def undated(tmp_path: Path) -> AsyncIterator[Demo]:
    """The demo over an ERP export whose accounts carry no last order dates."""
    async for running in launched_demo(tmp_path, "2026-09-01", dated=False):
        yield running


@pytest.mark.parametrize(
    ("launch", "message"),
    [
        ("soon", "ERPLINK_CAMPAIGN_LAUNCH: 'soon' is not a date like 2026-09-01"),
        ("2999-01-01", "ERPLINK_CAMPAIGN_LAUNCH: 2999-01-01 lies in the future"),
    ],
)
async def test_a_launch_day_that_cannot_be_used_is_a_configuration_error(
    tmp_path: Path, launch: str, message: str
) -> None:
    async for demo in launched_demo(tmp_path, launch):
        key = await key_for(demo, Role.ADMIN, "ops")

        body = await call(demo, FUNNEL, token=key)

        assert (codes(body), body["data"]) == (["configuration_error"], None)
        assert body["errors"][0]["message"] == message


async def test_without_last_order_dates_the_funnel_says_what_it_cannot_compute(
    undated: Demo,
) -> None:
    key = await key_for(undated, Role.ADMIN, "ops")

    body = await call(undated, FUNNEL, token=key)

    funnel = body["data"]["adoptionFunnel"]
    why = "the ERP adapter gives no last order dates, so active accounts are unknown"
    assert funnel["unavailable"] == [
        {"figure": "active", "reason": why},
        {"figure": "registered", "reason": why},
    ]
    assert funnel["launch"] == "2026-09-01"
    assert [m["month"] for m in funnel["months"]] == list(
        range(1, _months_since(date(2026, 9, 1), now().date()) + 1)
    )
    assert {(m["active"], m["registeredShare"]) for m in funnel["months"]} == {
        (None, None)
    }
    assert funnel["goals"][0] == {
        "name": "registered", "target": 0.25, "dueMonth": 3,
        "expected": 0.25, "actual": None, "progress": "UNKNOWN",
    }  # fmt: skip


def _months_since(launch: date, today: date) -> int:
    """Month number holding `today`, counting the launch month as 1."""
    months = (today.year - launch.year) * 12 + today.month - launch.month
    return months + (1 if today.day >= launch.day else 0)
