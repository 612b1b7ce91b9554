"""`invites create` over the SOAP and SQL adapters behind the guard: named contacts
get personal invites, and an address of two accounts gets none."""

from __future__ import annotations

import csv
import secrets
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from connector.campaigns.invites import InviteStore
from connector.campaigns.issue import CampaignRequest, CampaignResult, create_campaign
from connector.campaigns.tokens import invite_key
from connector.store.installations import Installation
from erp_adapters.resilience import ResilientAdapter
from erp_adapters.soap.adapter import SoapAdapter
from erp_adapters.soap.mock.server import build_mock, start_mock
from erp_adapters.sql import SqlAdapter

from ..erp_adapters.contract import CONTRACT_DATA
from ..erp_adapters.sql_support import PREFIX, erp_database, load_nav, nav_metadata

KEY = invite_key("test-secret")
TODAY = date(2026, 12, 4)
TEMPLATE = "https://shop.example.com/register?invite={token}"
ACME = {
    ("info@acme-industrial.de", ""),
    ("anna.schmidt@acme-industrial.de", "Anna Schmidt"),
    ("peter.o'brien@acme-industrial.de", "Peter O'Brien"),
}


@pytest.fixture
async def soap_erp() -> AsyncIterator[ResilientAdapter]:
    """The soap adapter over the contract data, guarded as erplink runs it."""
    password = secrets.token_urlsafe(16)
    mock = build_mock(
        CONTRACT_DATA.accounts_csv,
        CONTRACT_DATA.contacts_csv,
        username="campaign",
        password=password,
    )
    running = await start_mock(mock, username="campaign", password=password)
    options = {**running.adapter_options(), "page_size": "4"}
    adapter = ResilientAdapter(SoapAdapter.from_settings(options))
    yield adapter
    await adapter.close()
    await running.stop()


async def run(
    out: Path, erp: ResilientAdapter, installation: Installation, store: InviteStore
) -> CampaignResult:
    request = CampaignRequest(name="spring", out=out, link_template=TEMPLATE, workers=1)
    return await create_campaign(
        request,
        installation=installation,
        adapter=erp,
        store=store,
        key=KEY,
        today=TODAY,
    )


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


async def test_soap_contacts_get_personal_invites(
    tmp_path: Path,
    soap_erp: ResilientAdapter,
    installation: Installation,
    invite_store: InviteStore,
) -> None:
    # when
    result = await run(tmp_path, soap_erp, installation, invite_store)

    # then: 16 open accounts with 16 own addresses and 6 named contacts
    written = rows(result.mail_merge)
    acme = {(r["email"], r["contact"]) for r in written if r["account"] == "10000"}
    assert acme == ACME
    assert (result.accounts, result.contacts, result.invites) == (16, 22, 38)
    stored = await invite_store.campaign(installation.id, "spring")
    personal = {(i.account_number, i.contact_email) for i in stored if i.contact_email}
    assert ("10050", "ole@fjord-trading.dk") in personal
    assert ("10060", "subdomain.privat@gmail.com") in personal
    assert not any(i.account_number == "10040" for i in stored)


async def test_an_address_of_two_accounts_gets_no_personal_invite(
    tmp_path: Path, installation: Installation, invite_store: InviteStore
) -> None:
    async with erp_database("sqlite", tmp_path) as database:
        # given: Hansen Nord's own address is also that of a contact of Acme
        await load_nav(database, CONTRACT_DATA)
        writer = create_async_engine(database.url)
        async with writer.begin() as conn:
            await conn.execute(
                insert(nav_metadata().tables[f"{PREFIX}Contact"]),
                [
                    {
                        "No_": "CT99",
                        "Name": "Doppelt",
                        "E-Mail": "NORD@hansen-gruppe.de",
                        "Type": 1,
                        "Company No_": "CC10000",
                    }
                ],
            )
        await writer.dispose()
        erp = ResilientAdapter(await SqlAdapter.open(database.options(page_size="3")))

        # when
        result = await run(tmp_path / "out", erp, installation, invite_store)
        await erp.close()

    # then: Acme's other people are invited; nobody at the shared address is
    written = rows(result.mail_merge)
    acme = {(r["email"], r["contact"]) for r in written if r["account"] == "10000"}
    assert acme == ACME
    nord = [(r["email"], r["contact"]) for r in written if r["account"] == "10020"]
    assert nord == [("", "")]
    stored = await invite_store.campaign(installation.id, "spring")
    assert not any("nord@" in i.contact_email for i in stored)
    assert (result.contacts, result.invites) == (21, 37)
