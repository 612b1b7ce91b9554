"""`invites create` end to end over a real store: files, tokens, reruns."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from connector.campaigns import issue
from connector.campaigns.invites import InviteStore
from connector.campaigns.issue import CampaignRequest, create_campaign
from connector.campaigns.periods import Period
from connector.campaigns.tokens import installation_tag, invite_key, verify
from connector.errors import ConfigurationError
from connector.store.installations import Installation
from erp_adapters.csv import CsvAdapter

KEY = invite_key("test-secret")
TODAY = date(2026, 12, 4)
TEMPLATE = "https://shop.example.com/register?invite={token}"


def request(out: Path, **changes: object) -> CampaignRequest:
    fields: dict[str, object] = {
        "name": "spring",
        "out": out,
        "link_template": TEMPLATE,
        "workers": 1,
    }
    return CampaignRequest(**(fields | changes))  # type: ignore[arg-type]


async def run(
    req: CampaignRequest,
    installation: Installation,
    erp: CsvAdapter,
    store: InviteStore,
    *,
    today: date = TODAY,
    progress: issue.Progress = issue.no_progress,
) -> issue.CampaignResult:
    return await create_campaign(
        req,
        installation=installation,
        adapter=erp,
        store=store,
        key=KEY,
        today=today,
        progress=progress,
    )


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


async def test_a_rep_campaign_writes_one_row_per_contact_and_a_code_per_account(
    tmp_path: Path,
    installation: Installation,
    erp: CsvAdapter,
    invite_store: InviteStore,
) -> None:
    accounts = [a async for a in erp.accounts_changed_since(None)]
    mine = [a for a in accounts if a.salesperson == "MH" and not a.is_blocked]

    result = await run(request(tmp_path, rep="MH"), installation, erp, invite_store)

    written = rows(result.mail_merge)
    assert result.accounts == len(mine)
    assert {r["account"] for r in written} == {a.number for a in mine}
    assert {r["rep"] for r in written} == {"MH"}
    assert sorted(p.name for p in result.qr_folder.iterdir()) == sorted(
        f"{a.number}.{kind}" for a in mine for kind in ("png", "svg")
    )
    anna = next(r for r in written if r["email"] == "anna.schmidt@acme-industrial.de")
    assert (anna["account"], anna["name"], anna["contact"]) == (
        "10000",
        "Acme Industrial GmbH",
        "Anna Schmidt",
    )
    token = anna["link"].removeprefix("https://shop.example.com/register?invite=")
    claims = verify(
        token, KEY, installation=installation_tag(installation.api_url), today=TODAY
    )
    assert (claims.account, claims.email, claims.campaign, claims.rep) == (
        "10000",
        "anna.schmidt@acme-industrial.de",
        "spring",
        "MH",
    )
    assert claims.expires == date(2027, 3, 4)


async def test_active_within_keeps_only_accounts_that_ordered_recently(
    tmp_path: Path,
    installation: Installation,
    erp: CsvAdapter,
    invite_store: InviteStore,
) -> None:
    accounts = [a async for a in erp.accounts_changed_since(None)]
    recent = {
        a.number
        for a in accounts
        if not a.is_blocked
        and a.salesperson == "MH"
        and a.last_order
        and a.last_order >= date(2026, 9, 4)
    }

    result = await run(
        request(tmp_path, active_within=Period(3, "m"), rep="MH"),
        installation,
        erp,
        invite_store,
    )

    assert {r["account"] for r in rows(result.mail_merge)} == recent
    assert 0 < len(recent) < len(accounts)


async def test_an_interrupted_run_rerun_gives_the_same_tokens_and_no_duplicates(
    tmp_path: Path,
    installation: Installation,
    erp: CsvAdapter,
    invite_store: InviteStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(issue, "_STORE_BATCH", 50)

    def interrupting(stage: str, total: int) -> Callable[[int], None]:
        def advance(done: int) -> None:
            if stage == "accounts":
                raise KeyboardInterrupt

        return advance

    with pytest.raises(KeyboardInterrupt):
        await run(
            request(tmp_path, rep="SK"),
            installation,
            erp,
            invite_store,
            progress=interrupting,
        )
    partial = await invite_store.campaign(installation.id, "spring")
    assert len(partial) == 50
    assert not (tmp_path / "invites.csv").exists()

    first = await run(
        request(tmp_path, rep="SK"),
        installation,
        erp,
        invite_store,
        today=date(2026, 12, 5),
    )
    first_csv = first.mail_merge.read_bytes()
    second = await run(
        request(tmp_path, rep="SK"),
        installation,
        erp,
        invite_store,
        today=date(2026, 12, 6),
    )

    stored = await invite_store.campaign(installation.id, "spring")
    assert second.mail_merge.read_bytes() == first_csv
    assert len(stored) == first.invites == second.invites
    assert len({i.id for i in stored}) == len(stored)
    assert {i.id: i.expires_on for i in stored if i.id in {p.id for p in partial}} == {
        p.id: date(2027, 3, 4) for p in partial
    }
    assert second.qr_written == 0


async def test_another_campaign_gets_other_tokens(
    tmp_path: Path,
    installation: Installation,
    erp: CsvAdapter,
    invite_store: InviteStore,
) -> None:
    spring = await run(
        request(tmp_path / "a", rep="MH"), installation, erp, invite_store
    )
    autumn = await run(
        request(tmp_path / "b", name="autumn", rep="MH"),
        installation,
        erp,
        invite_store,
    )

    spring_links = {r["link"] for r in rows(spring.mail_merge)}
    autumn_links = {r["link"] for r in rows(autumn.mail_merge)}
    assert spring_links.isdisjoint(autumn_links)
    assert len(spring_links) == len(autumn_links)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "--campaign"),
        ({"link_template": "https://shop.example.com/register"}, "{token}"),
    ],
)
async def test_a_bad_request_is_refused_before_anything_is_stored(
    tmp_path: Path,
    installation: Installation,
    erp: CsvAdapter,
    invite_store: InviteStore,
    changes: dict[str, object],
    message: str,
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        await run(request(tmp_path, **changes), installation, erp, invite_store)

    assert await invite_store.campaign(installation.id, " ") == []
    assert await invite_store.campaign(installation.id, "spring") == []
    assert not tmp_path.joinpath("invites.csv").exists()


async def test_active_within_without_order_dates_says_why(
    tmp_path: Path, installation: Installation, invite_store: InviteStore
) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("No.,Name,E-Mail\n10000,Acme,info@acme.de\n", encoding="utf-8")
    erp = CsvAdapter(accounts)

    with pytest.raises(ConfigurationError, match="gives no last order dates"):
        await run(
            request(tmp_path / "out", active_within=Period(12, "m")),
            installation,
            erp,
            invite_store,
        )

    assert await invite_store.campaign(installation.id, "spring") == []


def test_a_formula_in_an_erp_name_stays_text(tmp_path: Path) -> None:
    from connector.campaigns.mailmerge import MailMergeRow, write_mail_merge

    row = MailMergeRow("1", "=HYPERLINK(1)", "", "a@b.de", "R", "https://x/?i=t")

    written = rows(write_mail_merge(tmp_path / "m.csv", [row]))

    assert written[0]["name"] == "'=HYPERLINK(1)"
