"""Benchmark (a): webhook intake, erplink against a bare Starlette endpoint.

Both servers run in their own process under the same uvicorn settings and take the
same pre-signed bodies from the same wrk script. The rounds alternate (bare, then
erplink, then bare again...) so that noise on this shared machine hits both alike;
the figure that counts is the median of the per-round ratios erplink / bare.
erplink's worker is off: this measures verify + store + answer, nothing after.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.bodies import write_signed_bodies
from bench.servers import ServerProcess, start_server_process
from bench.stack import count_inbox_rows, start_erplink, start_sandbox
from bench.stats import median
from bench.wrk import Load, WrkResult, run_wrk, write_script
from connector.sandbox.sandbox import SandboxSaleor


@dataclass(frozen=True)
class IntakeConfig:
    """How the intake benchmark runs.

    Attributes:
        rounds: alternating pairs of runs (bare, erplink).
        load: wrk threads, connections and seconds per run.
        warmup: the load of one warm-up run per server (not reported).
        warmup_bodies: bodies signed for the warm-up run.
        headroom: bodies per round = warm-up rate x seconds x headroom, so that
            erplink never sees a body twice.
    """

    rounds: int = 3
    load: Load = Load()
    warmup: Load = Load(duration_s=2)
    warmup_bodies: int = 60_000
    headroom: float = 2.0


@dataclass(frozen=True)
class IntakeRound:
    """One bare run and the erplink run after it."""

    bare: WrkResult
    erplink: WrkResult

    @property
    def ratio(self) -> float:
        """erplink's successful requests per second over bare's."""
        return self.erplink.ok_per_s / self.bare.ok_per_s


@dataclass
class IntakeResult:
    """Every round, plus what erplink stored."""

    config: IntakeConfig
    rounds: list[IntakeRound] = field(default_factory=list)
    bodies_signed: int = 0
    erplink_ok_answers: int = 0
    repeated_bodies: int = 0
    stored_rows: int = 0

    def figures(self) -> dict[str, float]:
        """Medians over the rounds: req/s, p50 and p99 in ms, and the ratio."""
        return {
            "bare_req_s": median([r.bare.ok_per_s for r in self.rounds]),
            "erplink_req_s": median([r.erplink.ok_per_s for r in self.rounds]),
            "bare_p50_ms": median([r.bare.p50_us / 1e3 for r in self.rounds]),
            "erplink_p50_ms": median([r.erplink.p50_us / 1e3 for r in self.rounds]),
            "bare_p99_ms": median([r.bare.p99_us / 1e3 for r in self.rounds]),
            "erplink_p99_ms": median([r.erplink.p99_us / 1e3 for r in self.rounds]),
            "ratio": median([r.ratio for r in self.rounds]),
        }

    def as_json(self) -> dict[str, Any]:
        """Everything, raw, for `bench/out/results.json`."""
        return {
            "config": asdict(self.config),
            "rounds": [
                {"bare": asdict(r.bare), "erplink": asdict(r.erplink), "ratio": r.ratio}
                for r in self.rounds
            ],
            "figures": self.figures(),
            "bodies_signed": self.bodies_signed,
            "erplink_ok_answers": self.erplink_ok_answers,
            "repeated_bodies": self.repeated_bodies,
            "stored_rows": self.stored_rows,
        }


@dataclass
class _Bench:
    """The running servers and what the rounds need to share."""

    wrk: str
    out: Path
    sandbox: SandboxSaleor
    erplink: ServerProcess
    bare: ServerProcess
    result: IntakeResult

    async def run(self, url: str, data: Path, load: Load) -> WrkResult:
        script = write_script(self.out)
        return await run_wrk(self.wrk, script, url, data, self.sandbox.api_url, load)

    def sign(self, name: str, count: int) -> Path:
        path = self.out / f"intake-{name}.bodies"
        write_signed_bodies(path, self.sandbox.sign, self.result.bodies_signed, count)
        self.result.bodies_signed += count
        return path

    async def run_erplink(self, data: Path, load: Load) -> WrkResult:
        measured = await self.run(self.erplink.url, data, load)
        self.result.erplink_ok_answers += measured.requests - measured.status_errors
        self.result.repeated_bodies += measured.wraps
        return measured


async def run_intake(wrk: str, out: Path, config: IntakeConfig) -> IntakeResult:
    """Warm both servers up, then run the alternating rounds."""
    result = IntakeResult(config)
    data_dir = out / "intake-erplink"
    sandbox = await start_sandbox()
    try:
        erplink = await start_erplink(
            sandbox, data_dir, out / "intake-erplink.log", worker=False
        )
        try:
            bare = await start_server_process("bare", out / "intake-bare.log")
            try:
                bench = _Bench(wrk, out, sandbox, erplink, bare, result)
                await _measure(bench, config)
            finally:
                await bare.stop()
        finally:
            await erplink.stop()
    finally:
        await sandbox.stop()
    result.stored_rows = count_inbox_rows(data_dir)
    return result


async def _measure(bench: _Bench, config: IntakeConfig) -> None:
    warmup = bench.sign("warmup", config.warmup_bodies)
    await bench.run(bench.bare.url, warmup, config.warmup)
    rate = (await bench.run_erplink(warmup, config.warmup)).ok_per_s
    per_round = math.ceil(rate * config.load.duration_s * config.headroom)
    for index in range(config.rounds):
        data = bench.sign(f"round-{index + 1}", per_round)
        bare = await bench.run(bench.bare.url, data, config.load)
        erplink = await bench.run_erplink(data, config.load)
        bench.result.rounds.append(IntakeRound(bare, erplink))
        print(_round_line(index + 1, bench.result.rounds[-1]), flush=True)


def _round_line(number: int, measured: IntakeRound) -> str:
    bare, erplink = measured.bare, measured.erplink
    return (
        f"  intake round {number}: bare {bare.ok_per_s:7.0f} req/s "
        f"p99 {bare.p99_us / 1e3:6.1f} ms | erplink {erplink.ok_per_s:7.0f} req/s "
        f"p99 {erplink.p99_us / 1e3:6.1f} ms | ratio {measured.ratio:.2f}"
    )
