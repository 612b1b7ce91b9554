"""Benchmark (b): time from a registration to the price list it gets.

Customers are created in the sandbox at a fixed rate (open loop: each one is due at
its slot whether or not the ones before have been priced) with the e-mail of an ERP
contact and a confirmed account, so erplink links them at once. The clock starts
when `create_customer` returns (CUSTOMER_CREATED has been emitted) and stops when
erplink's `customerUpdate` gives the customer a priced customer type in the sandbox:
the sandbox's `publish` is wrapped, so the stop is exact, not a polling step.

The sample ERP has fewer contacts than the benchmark wants registrations, and a
sandbox takes each e-mail once, so the registrations run in waves, each on a fresh
sandbox and a fresh erplink (new SQLite file). erplink's worker is on, with the
default settings.
"""

from __future__ import annotations

import asyncio
import csv
import math
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.stack import policy_types, start_erplink, start_sandbox
from bench.stats import percentile
from connector.processing import STATUS_KEY
from connector.sandbox.delivery import Delivery
from connector.sandbox.sandbox import SandboxSaleor
from connector.sandbox.state import Principal, User
from connector.settings import Settings

START_LEAD_S = 0.2
SETTLE_TIMEOUT_S = 30.0
SETTLE_POLL_S = 0.05
# Link states that are still on their way to an outcome.
WAITING_STATES = frozenset({"", "received", "on_hold", "matching"})


@dataclass(frozen=True)
class PricingConfig:
    """How the time-to-price benchmark runs.

    Attributes:
        registrations: customers registered in all, over every wave.
        rate_per_s: registrations per second within a wave.
    """

    registrations: int = 1000
    rate_per_s: float = 50.0


@dataclass
class Wave:
    """One fresh sandbox + erplink and the registrations it took."""

    registered_at: dict[str, float] = field(default_factory=dict)
    priced_at: dict[str, float] = field(default_factory=dict)
    outcomes: Counter[str] = field(default_factory=Counter)
    lags_ms: list[float] = field(default_factory=list)
    span_s: float = 0.0

    @property
    def max_lag_ms(self) -> float:
        """How late the worst registration started against its slot."""
        return max(self.lags_ms, default=0.0)

    def latencies_ms(self) -> list[float]:
        """Registration to price, in ms, for every customer that got a price."""
        return [
            (self.priced_at[user] - started) * 1e3
            for user, started in self.registered_at.items()
            if user in self.priced_at
        ]


@dataclass
class PricingResult:
    """Every wave, and the figures over all of them."""

    config: PricingConfig
    waves: list[Wave] = field(default_factory=list)

    def figures(self) -> dict[str, float]:
        """Counts, p50/p99/max in ms over all waves, and the pacing's worst lag."""
        latencies = [ms for wave in self.waves for ms in wave.latencies_ms()]
        return {
            "registered": sum(len(w.registered_at) for w in self.waves),
            "priced": len(latencies),
            "p50_ms": percentile(latencies, 50),
            "p99_ms": percentile(latencies, 99),
            "max_ms": max(latencies, default=math.nan),
            "p99_pacing_lag_ms": percentile(
                [lag for w in self.waves for lag in w.lags_ms], 99
            ),
            "max_pacing_lag_ms": max((w.max_lag_ms for w in self.waves), default=0),
        }

    def outcomes(self) -> Counter[str]:
        """How many registrations ended in each link state."""
        total: Counter[str] = Counter()
        for wave in self.waves:
            total.update(wave.outcomes)
        return total

    def as_json(self) -> dict[str, Any]:
        """Everything, summarised per wave, for `bench/out/results.json`."""
        return {
            "config": asdict(self.config),
            "figures": self.figures(),
            "outcomes": dict(self.outcomes()),
            "waves": [
                {
                    "registered": len(w.registered_at),
                    "priced": len(w.priced_at),
                    "p50_ms": percentile(w.latencies_ms(), 50),
                    "p99_ms": percentile(w.latencies_ms(), 99),
                    "max_pacing_lag_ms": w.max_lag_ms,
                    "span_s": w.span_s,
                    "outcomes": dict(w.outcomes),
                }
                for w in self.waves
            ],
        }


def contact_emails() -> list[str]:
    """Every contact e-mail of the sample ERP data, in file order."""
    path = Path(Settings().adapter_options["contacts"])
    with path.open(encoding="utf-8", newline="") as rows:
        return [row["E-Mail"] for row in csv.DictReader(rows) if row["E-Mail"]]


def wave_plan(emails: list[str], registrations: int) -> list[list[str]]:
    """Equal waves of distinct e-mails, rotating through all the contacts."""
    count = math.ceil(registrations / len(emails))
    sizes = [registrations // count + (i < registrations % count) for i in range(count)]
    waves, start = [], 0
    for size in sizes:
        waves.append([emails[(start + i) % len(emails)] for i in range(size)])
        start += size
    return waves


def watch_prices(sandbox: SandboxSaleor, wave: Wave) -> None:
    """Stamp `wave.priced_at` the moment a user first carries a priced type."""
    slugs, no_pricing = policy_types()
    priced = slugs - {no_pricing}
    publish = sandbox.publish

    def stamping(
        event_type: str, user: User, principal: Principal | None
    ) -> list[Delivery]:
        slug = user.customer_type.slug if user.customer_type else ""
        if slug in priced and user.global_id not in wave.priced_at:
            wave.priced_at[user.global_id] = time.perf_counter()
        return publish(event_type, user, principal)

    # Saleor's resolvers emit through `self.publish`, looked up per request.
    sandbox.publish = stamping  # type: ignore[method-assign]


async def register_paced(
    sandbox: SandboxSaleor, emails: list[str], interval_s: float, wave: Wave
) -> None:
    """Create one confirmed customer every `interval_s`, on schedule (open loop)."""
    loop = asyncio.get_running_loop()
    start = loop.time() + START_LEAD_S
    for index, email in enumerate(emails):
        due = start + index * interval_s
        if due > loop.time():
            await asyncio.sleep(due - loop.time())
        wave.lags_ms.append((loop.time() - due) * 1e3)
        user_id = await sandbox.create_customer(email, is_confirmed=True)
        wave.registered_at[user_id] = time.perf_counter()
    wave.span_s = loop.time() - start


async def settle(sandbox: SandboxSaleor, wave: Wave) -> None:
    """Wait until every customer has an outcome (or time is up); count outcomes."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while True:
        states = [_link_state(sandbox, user) for user in wave.registered_at]
        if all(s not in WAITING_STATES for s in states) or time.monotonic() > deadline:
            break
        await asyncio.sleep(SETTLE_POLL_S)
    wave.outcomes = Counter(state or "(no outcome)" for state in states)


def _link_state(sandbox: SandboxSaleor, user_id: str) -> str:
    user = sandbox.store.user_by_global_id(user_id)
    return user.private_metadata.get(STATUS_KEY, "") if user else ""


async def run_wave(
    emails: list[str], rate_per_s: float, out: Path, number: int
) -> Wave:
    """Register `emails` on a fresh sandbox and erplink; time each to its price."""
    wave = Wave()
    sandbox = await start_sandbox()
    try:
        data_dir = out / f"pricing-wave-{number}"
        log_path = out / f"pricing-wave-{number}.log"
        erplink = await start_erplink(sandbox, data_dir, log_path, worker=True)
        try:
            watch_prices(sandbox, wave)
            await register_paced(sandbox, emails, 1 / rate_per_s, wave)
            await settle(sandbox, wave)
        finally:
            await erplink.stop()
    finally:
        await sandbox.stop()
    return wave


async def run_pricing(out: Path, config: PricingConfig) -> PricingResult:
    """Run every wave, one after the other."""
    result = PricingResult(config)
    plan = wave_plan(contact_emails(), config.registrations)
    for number, emails in enumerate(plan, start=1):
        wave = await run_wave(emails, config.rate_per_s, out, number)
        result.waves.append(wave)
        latencies = wave.latencies_ms()
        print(
            f"  pricing wave {number}: {len(wave.registered_at)} registered, "
            f"{len(latencies)} priced, p50 {percentile(latencies, 50):.0f} ms, "
            f"p99 {percentile(latencies, 99):.0f} ms",
            flush=True,
        )
    return result
