"""`python -m bench`: run the benchmarks, print a summary, write `bench/out/`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import sys
import time
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import Any

from bench.intake import IntakeConfig, IntakeResult, run_intake
from bench.pricing import PricingConfig, PricingResult, run_pricing
from bench.wrk import Load, ensure_wrk, wrk_version
from connector.logs import configure_logging

OUT = Path(__file__).resolve().parent / "out"
INTAKE_TARGET_RATIO = 0.5
PRICING_TARGET_P99_MS = 300.0
# Benchmarks that run on their own (`--only NAME`): name -> module with `main(argv)`.
STANDALONE = {
    "adapters": "bench.adapters",
    "campaigns": "bench.campaigns",
    "resilience": "bench.resilience",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line; the defaults are the figures in BENCHMARKS.md."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only",
        choices=["intake", "pricing", "soap", *STANDALONE],
        help="run one benchmark; without it, all of them run (about 15 minutes)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="intake rounds")
    parser.add_argument("--seconds", type=int, default=10, help="per intake run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--registrations", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0, help="registrations/s")
    return parser.parse_args(argv)


def machine(wrk: str | None) -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench  (.venv/bin/python -m bench)",
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": wrk_version(wrk) if wrk else None,
    }


def intake_summary(result: IntakeResult) -> list[str]:
    """The intake figures as plain-text lines."""
    f = result.figures()
    verdict = "meets" if f["ratio"] >= INTAKE_TARGET_RATIO else "MISSES"
    load = result.config.load
    return [
        f"webhook intake (wrk {load.threads} threads, {load.connections} "
        f"connections, {len(result.rounds)} x {load.duration_s} s per server; "
        "medians)",
        f"  {'server':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}",
        f"  {'bare':<10}{f['bare_req_s']:>10.0f}{f['bare_p50_ms']:>10.1f}"
        f"{f['bare_p99_ms']:>10.1f}",
        f"  {'erplink':<10}{f['erplink_req_s']:>10.0f}{f['erplink_p50_ms']:>10.1f}"
        f"{f['erplink_p99_ms']:>10.1f}",
        f"  ratio erplink / bare (median of rounds): {f['ratio']:.3f} "
        f"({verdict} the target >= {INTAKE_TARGET_RATIO})",
        f"  erplink answered 2xx {result.erplink_ok_answers} times and stored "
        f"{result.stored_rows} rows (in-flight requests at each run's end are "
        "stored but not counted by wrk); repeated bodies: "
        f"{result.repeated_bodies} (warm-up included)",
    ]


def pricing_summary(result: PricingResult) -> list[str]:
    """The time-to-price figures as plain-text lines."""
    f = result.figures()
    verdict = "meets" if f["p99_ms"] < PRICING_TARGET_P99_MS else "MISSES"
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(result.outcomes().items()))
    return [
        f"time to price ({f['registered']:.0f} registrations at "
        f"{result.config.rate_per_s:.0f}/s in {len(result.waves)} waves)",
        f"  priced {f['priced']:.0f}: p50 {f['p50_ms']:.0f} ms, p99 "
        f"{f['p99_ms']:.0f} ms, max {f['max_ms']:.0f} ms "
        f"({verdict} the target p99 < {PRICING_TARGET_P99_MS:.0f} ms)",
        f"  outcomes: {outcomes}",
        "  registrations late against their slot: p99 "
        f"{f['p99_pacing_lag_ms']:.1f} ms, max {f['max_pacing_lag_ms']:.0f} ms",
    ]


async def run_all(
    args: argparse.Namespace, wrk: str | None
) -> tuple[IntakeResult | None, PricingResult | None]:
    """Run the benchmarks `args` selects, intake first."""
    intake = pricing = None
    if args.only in (None, "intake") and wrk is not None:
        load = Load(connections=args.connections, duration_s=args.seconds)
        config = IntakeConfig(rounds=args.rounds, load=load)
        intake = await run_intake(wrk, OUT, config)
    if args.only in (None, "pricing"):
        config_b = PricingConfig(registrations=args.registrations, rate_per_s=args.rate)
        pricing = await run_pricing(OUT, config_b)
    return intake, pricing


def write_results(
    about: dict[str, Any], intake: IntakeResult | None, pricing: PricingResult | None
) -> str:
    """Write `results.json` and `summary.txt` into `bench/out/`; return the summary."""
    lines = [f"{key}: {value}" for key, value in about.items()]
    if intake is not None:
        lines += ["", *intake_summary(intake)]
    if pricing is not None:
        lines += ["", *pricing_summary(pricing)]
    summary = "\n".join(lines) + "\n"
    (OUT / "summary.txt").write_text(summary, encoding="utf-8")
    results = {
        "machine": about,
        "intake": intake.as_json() if intake else None,
        "pricing": pricing.as_json() if pricing else None,
    }
    (OUT / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return summary


def run_soap_only(out: Path) -> int:
    """`--only soap`: the SOAP adapter benchmark (bench/soap.py), on its own."""
    from bench.soap import report

    out.mkdir(parents=True, exist_ok=True)
    about = [f"{key}: {value}" for key, value in machine(None).items()]
    print("\n".join(about + report(out)))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run, report, and exit 0 (the figures are reported, not asserted)."""
    args = parse_args(argv)
    configure_logging(json=True, level=logging.WARNING)
    if args.only in STANDALONE:  # each writes its own report
        return int(import_module(STANDALONE[args.only]).main([]) or 0)
    if args.only == "soap":
        return run_soap_only(OUT)
    wrk = ensure_wrk() if args.only in (None, "intake") else None
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.log"):
        old.unlink()
    started = time.monotonic()
    print(f"bench: writing to {OUT}", flush=True)
    intake, pricing = asyncio.run(run_all(args, wrk))
    about = machine(wrk)
    about["wall_time_s"] = round(time.monotonic() - started)
    sys.stdout.write("\n" + write_results(about, intake, pricing))
    if args.only is None:  # `make bench`: every benchmark, one after the other
        run_soap_only(OUT)
        for name, module in STANDALONE.items():
            print(f"\nbench: {name}", flush=True)
            import_module(module).main([])
    return 0
