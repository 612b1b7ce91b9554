"""`python -m bench --only resilience`: what the adapter guard costs and what it saves.

1. Overhead: lookups by number through the sample CSV adapter, bare and inside the
   guard (`erp_adapters/resilience.py`), sequentially and 8 at a time. The CSV
   adapter answers from memory, so the difference is the guard's own cost.
2. Outage load: 1,000 registrations' lookups, 8 at a time, against an ERP that
   fails every call. Counted: the calls that reach the ERP with the guard's
   defaults, against the same retries without budget or breaker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from connector.linking.model import Account
from connector.logs import configure_logging
from connector.settings import SAMPLE_ADAPTER_OPTIONS
from erp_adapters.base import ErpAdapter, ErpUnavailableError
from erp_adapters.csv import CsvAdapter
from erp_adapters.resilience import ResilienceSettings, ResilientAdapter

OUT = Path(__file__).resolve().parent / "out"
LOOKUPS = 20_000
OUTAGE_LOOKUPS = 1_000
CONCURRENCY = 8


@dataclass(frozen=True)
class Figures:
    """The benchmark's results."""

    bare_us: float
    guarded_us: float
    bare_concurrent_us: float
    guarded_concurrent_us: float
    outage_lookups: int
    outage_calls_guarded: int
    outage_calls_naive: int


class DeadErp(CsvAdapter):
    """The sample adapter with its ERP gone: every lookup fails at once."""

    calls = 0

    async def account_by_number(self, number: str) -> Account | None:
        type(self).calls += 1
        raise ErpUnavailableError("connection refused")


async def per_call_us(adapter: ErpAdapter, concurrency: int) -> float:
    """Microseconds per lookup, `concurrency` callers sharing LOOKUPS lookups."""
    numbers = iter([f"{10000 + i % 300}" for i in range(LOOKUPS)])

    async def caller() -> None:
        for number in numbers:
            await adapter.account_by_number(number)

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return (time.perf_counter() - started) / LOOKUPS * 1e6


async def outage_calls(settings: ResilienceSettings) -> int:
    """ERP calls made by OUTAGE_LOOKUPS failing lookups through a guard."""
    DeadErp.calls = 0
    guard = ResilientAdapter(_sample(DeadErp), settings)
    lookups = iter(range(OUTAGE_LOOKUPS))

    async def caller() -> None:
        for _ in lookups:
            with contextlib.suppress(ErpUnavailableError):
                await guard.account_by_number("10000")

    await asyncio.gather(*(caller() for _ in range(CONCURRENCY)))
    return DeadErp.calls


def _sample(kind: type[CsvAdapter] = CsvAdapter) -> CsvAdapter:
    return kind(
        Path(SAMPLE_ADAPTER_OPTIONS["accounts"]),
        Path(SAMPLE_ADAPTER_OPTIONS["contacts"]),
    )


async def measure() -> Figures:
    """Run both parts."""
    bare = _sample()
    guarded = ResilientAdapter(_sample())
    await per_call_us(guarded, 1)  # warm-up: caches, code paths
    defaults = ResilienceSettings(retry_backoff_s=0.0)
    # Same attempts per lookup, nothing to stop them: what plain retries would do.
    naive = ResilienceSettings(
        retry_backoff_s=0.0, retry_budget=1e9, breaker_failures=10**9
    )
    return Figures(
        bare_us=await per_call_us(bare, 1),
        guarded_us=await per_call_us(guarded, 1),
        bare_concurrent_us=await per_call_us(bare, CONCURRENCY),
        guarded_concurrent_us=await per_call_us(guarded, CONCURRENCY),
        outage_lookups=OUTAGE_LOOKUPS,
        outage_calls_guarded=await outage_calls(defaults),
        outage_calls_naive=await outage_calls(naive),
    )


def summary(figures: Figures) -> list[str]:
    """The figures as plain-text lines."""
    f = figures
    return [
        f"adapter guard overhead ({LOOKUPS} lookups by number, sample CSV adapter)",
        f"  sequential:     bare {f.bare_us:.1f} us/call, guarded "
        f"{f.guarded_us:.1f} us/call (+{f.guarded_us - f.bare_us:.1f} us)",
        f"  {CONCURRENCY} concurrent:   bare {f.bare_concurrent_us:.1f} us/call, "
        f"guarded {f.guarded_concurrent_us:.1f} us/call",
        f"outage load ({f.outage_lookups} failing lookups, {CONCURRENCY} at a time)",
        f"  calls reaching the ERP: guarded {f.outage_calls_guarded}, plain "
        f"retries {f.outage_calls_naive}",
    ]


def main(argv: list[str] | None = None) -> int:
    """Measure, print, write `bench/out/resilience.json`; exit 0."""
    # The outage part fails on purpose 1,000 times; its warnings are no news.
    configure_logging(json=True, level=logging.ERROR)
    figures = asyncio.run(measure())
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "resilience.json").write_text(
        json.dumps(asdict(figures), indent=2), encoding="utf-8"
    )
    print("\n".join(summary(figures)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
