"""`python -m bench --only campaigns`: `invites create` for 100,000 contacts.

Builds a synthetic ERP export (25,000 accounts with 4 contacts each) in a temporary
folder, an embedded SQLite store with one installation, and times one full run
(invites stored, tokens signed, mail-merge CSV, an SVG and a PNG per account) and
a rerun (as after an interruption: same tokens, existing QR files skipped).
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from connector.campaigns.invites import InviteStore
from connector.campaigns.issue import CampaignRequest, CampaignResult, create_campaign
from connector.campaigns.tokens import invite_key
from connector.store.database import create_engine, migrate, sessionmaker
from connector.store.installations import InstallationStore
from erp_adapters.csv import CsvAdapter

ACCOUNTS = 25_000
CONTACTS_PER_ACCOUNT = 4
TARGET_S = 60.0
TODAY = date(2026, 12, 4)


@dataclass
class StageClock:
    """Records when each stage of a run started (a `Progress` for create_campaign)."""

    started: dict[str, float] = field(default_factory=dict)

    def __call__(self, stage: str, total: int) -> Callable[[int], None]:
        self.started.setdefault(stage, time.perf_counter())
        return lambda _: None


def cpu_s() -> float:
    """CPU seconds of this process and its finished children (the QR workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass(frozen=True)
class CampaignFigures:
    """Seconds per run, wall clock and CPU."""

    contacts: int
    accounts: int
    first_s: float
    first_cpu_s: float
    erp_s: float
    rerun_s: float
    qr_written: int
    load: tuple[float, float, float]

    def lines(self) -> list[str]:
        """The figures as plain-text lines."""
        verdict = "meets" if self.first_s < TARGET_S else "MISSES"
        cpus = os.cpu_count() or 1
        return [
            f"invites create ({self.contacts} contacts, {self.accounts} accounts, "
            f"{cpus} CPUs, SQLite; load average before: "
            f"{', '.join(f'{x:.1f}' for x in self.load)})",
            f"  first run {self.first_s:.1f} s wall ({verdict} the target < "
            f"{TARGET_S:.0f} s), {self.first_cpu_s:.1f} CPU s "
            f"(= {self.first_cpu_s / cpus:.1f} s on {cpus} idle CPUs); ERP read "
            f"and planning {self.erp_s:.1f} s; {self.qr_written} SVG+PNG pairs",
            f"  rerun {self.rerun_s:.1f} s (same tokens, QR files kept)",
        ]


def write_erp(folder: Path) -> tuple[Path, Path]:
    """A synthetic accounts and contacts export of the configured size."""
    accounts, contacts = folder / "accounts.csv", folder / "contacts.csv"
    with (
        accounts.open("w", encoding="utf-8") as a,
        contacts.open("w", encoding="utf-8") as c,
    ):
        a.write("No.,Name,E-Mail,Salesperson Code,Last Order Date\n")
        c.write("No.,Company No.,Name,E-Mail\n")
        for n in range(ACCOUNTS):
            number = f"{100000 + n}"
            # no address on the account itself: its 4 contacts are the people
            a.write(f"{number},Firma {n},,R{n % 40:02d},2026-10-01\n")
            for k in range(CONTACTS_PER_ACCOUNT):
                c.write(f"CT{number}{k},{number},Person {k},p{k}@firma{n}.example\n")
    return accounts, contacts


async def _run_once(
    request: CampaignRequest, folder: Path, clock: StageClock
) -> tuple[CampaignResult, float]:
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'erplink.db'}")
    await migrate(engine)
    sessions = sessionmaker(engine)
    installation = await InstallationStore(sessions, "bench").save(
        "https://shop.example.com/graphql/", "QXBwOjE=", "shop", "token", "{}"
    )
    adapter = CsvAdapter(folder / "accounts.csv", folder / "contacts.csv")
    started = time.perf_counter()
    try:
        result = await create_campaign(
            request,
            installation=installation,
            adapter=adapter,
            store=InviteStore(sessions),
            key=invite_key("bench"),
            today=TODAY,
            progress=clock,
        )
    finally:
        await engine.dispose()
    clock.started.setdefault("start", started)
    return result, time.perf_counter() - started


async def run_campaigns() -> CampaignFigures:
    """Time a first run and a rerun in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="erplink-bench-") as temporary:
        folder = Path(temporary)
        write_erp(folder)
        request = CampaignRequest(
            "bench", folder / "out", "https://shop.example.com/register?i={token}"
        )
        load = os.getloadavg()
        clock = StageClock()
        cpu_before = cpu_s()
        first, first_s = await _run_once(request, folder, clock)
        first_cpu_s = cpu_s() - cpu_before
        _, rerun_s = await _run_once(request, folder, StageClock())
        return CampaignFigures(
            contacts=first.contacts,
            accounts=first.accounts,
            first_s=first_s,
            first_cpu_s=first_cpu_s,
            erp_s=clock.started["accounts"] - clock.started["start"],
            rerun_s=rerun_s,
            qr_written=first.qr_written,
            load=load,
        )


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures."""
    figures = asyncio.run(run_campaigns())
    print("\n".join(figures.lines()), flush=True)
    return 0
