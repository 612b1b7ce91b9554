"""Helpers for the review, admin API and support tests: a demo on a private copy of
the ERP export (so a test may block an account or change a price list), and
registrations that wait until erplink settled them."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from connector.demo import Demo, start_demo
from connector.linking.model import LinkState
from connector.settings import ROOT, Settings
from connector.store.links import Link

DATA = ROOT / "erp_adapters" / "data"
SETTLE_TIMEOUT_S = 10.0
_WAITING = {LinkState.RECEIVED, LinkState.ON_HOLD, LinkState.MATCHING}

AMBIGUOUS = "buyer@hansen-gruppe.de"  # 10020 (rep MH) or 10021 (rep AB)
CLAIM_ALONE = "l.lindqvist@outlook.com"  # claims 0004712 (rep JL), no 2nd factor
HIGH_VALUE = "einkauf@grossabnehmer.de"  # 10030, credit 250000 (rep MH)
UNMAPPED = "ole@fjord-trading.dk"  # 10050, price list UNMAPPED_GROUP (rep TN)
LINKED = "anna.schmidt@acme-industrial.de"  # contact of 10000 (rep MH), WHOLESALE


async def review_demo(database_url: str, tmp_path: Path) -> AsyncIterator[Demo]:
    """The demo over a copy of the ERP export in `tmp_path/erp`."""
    erp = tmp_path / "erp"
    shutil.copytree(DATA, erp, ignore=shutil.ignore_patterns("*.py"))
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        worker_poll_s=0.05,
        adapter_options={
            "accounts": str(erp / "accounts.csv"),
            "contacts": str(erp / "contacts.csv"),
        },
    )
    running = await start_demo(settings, port=0, sandbox_port=0)
    yield running
    await running.stop()


async def sqlite_demo(tmp_path: Path) -> AsyncIterator[Demo]:
    """`review_demo` on SQLite only: for tests of the HTTP edge, where the store's
    kind does not matter (the review actions themselves run on both)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'erplink.db'}"
    async for running in review_demo(url, tmp_path):
        yield running


async def settled(demo: Demo, email: str, **claims: str) -> Link:
    """Create a confirmed customer (claiming an account if given), wait for its link."""
    metadata = {"erp.claimed_account": claims["account"]} if claims else None
    user_id = await demo.sandbox.create_customer(
        email, is_confirmed=True, metadata=metadata
    )
    installation = (await demo.services.installations.all())[0]
    async with asyncio.timeout(SETTLE_TIMEOUT_S):
        while True:
            link = await demo.services.links.get(installation.id, user_id)
            if link is not None and link.state not in _WAITING:
                return link
            await asyncio.sleep(0.02)


async def wait_for(
    demo: Demo, installation_id: int, user_id: str, state: LinkState
) -> Link:
    """The user's link, once it is in `state`."""
    async with asyncio.timeout(SETTLE_TIMEOUT_S):
        while True:
            link = await demo.services.links.get(installation_id, user_id)
            if link is not None and link.state is state:
                return link
            await asyncio.sleep(0.02)


def edit_account(demo: Demo, number: str, **columns: str) -> None:
    """Change columns of one account in the test's ERP export (CSV header names).

    The CSV adapter looks for changes at most once a second; the test makes it look
    at the next call instead of sleeping.
    """
    path = demo.services.settings.data_dir / "erp" / "accounts.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    for row in rows:
        if row["No."] == number:
            row.update(columns)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    demo.services.adapter._next_check = 0.0  # type: ignore[attr-defined]


def saleor_view(demo: Demo, user_id: str) -> tuple[str, str, str]:
    """What Saleor shows of a customer: customer type, link status, account."""
    user = demo.sandbox.user(user_id)
    private = user["privateMetadata"]
    return (
        (user.get("customerType") or {}).get("slug", ""),
        private.get("erp.link_status", ""),
        private.get("erp.account", ""),
    )
