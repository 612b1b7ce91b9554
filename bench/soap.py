"""Benchmark: linking throughput through the SOAP adapter against a slow ERP.

The mock ERP runs in a process of its own (so that it does not share the client's
event loop or core) with a fixed added latency per call, over a generated customer
master of many companies, each with one account and one contact at its own domain.
`connector.evidence.gather_evidence`, which the worker runs for every registration,
is called for distinct customers (ERP contacts, confirmed) by C concurrent tasks.

The bound is C / latency: C evidence gatherings in flight, none faster than one ERP
round trip. The ratio throughput / bound says how close the adapter comes to it;
it falls short by the client's and the mock's CPU time and by any round trip that
cannot run in parallel with the first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import socket
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.stats import percentile
from connector.evidence import gather_evidence
from connector.linking.domains import DomainClassifier
from connector.linking.model import Customer
from erp_adapters.soap.adapter import SoapAdapter

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PASSWORD_ENV = "ERPLINK_ERP_MOCK_PASSWORD"
READY_TIMEOUT_S = 60.0
TARGET_RATIO = 0.8


@dataclass(frozen=True)
class SoapConfig:
    """How the SOAP benchmark runs.

    Attributes:
        latency_ms: added by the mock ERP to every call.
        concurrency: evidence gatherings in flight (C).
        customers: distinct customers measured (after `warmup` more).
        companies: accounts (and contacts) in the generated customer master.
    """

    latency_ms: float = 50.0
    concurrency: int = 16
    customers: int = 1000
    warmup: int = 64
    companies: int = 2000


@dataclass
class SoapResult:
    """What one run measured."""

    config: SoapConfig
    seconds: float
    latencies_ms: list[float]
    contacts_found: int
    erp_calls: int
    load_average: float
    client_cpu_s: float
    mock_cpu_s: float | None = None

    def figures(self) -> dict[str, float]:
        """Throughput, the bound, their ratio and per-customer latencies."""
        throughput = self.config.customers / self.seconds
        latency_s = max(self.config.latency_ms, 0.001) / 1000
        bound = self.config.concurrency / latency_s
        return {
            "throughput_per_s": throughput,
            "bound_per_s": bound,
            "ratio": throughput / bound,
            "p50_ms": percentile(self.latencies_ms, 50),
            "p99_ms": percentile(self.latencies_ms, 99),
            "erp_calls_per_customer": self.erp_calls / self.config.customers,
            "load_average_1min": self.load_average,
            "client_cpu_ms_per_customer": self.client_cpu_s
            * 1000
            / self.config.customers,
            "mock_cpu_ms_per_customer": (
                float("nan")
                if self.mock_cpu_s is None
                else self.mock_cpu_s * 1000 / self.config.customers
            ),
        }

    def as_json(self) -> dict[str, Any]:
        """The run as JSON-ready data."""
        return {"config": asdict(self.config), "figures": self.figures()}


def write_master(folder: Path, companies: int) -> tuple[Path, Path]:
    """Accounts and contacts CSV files: company i at firma<i>.de."""
    folder.mkdir(parents=True, exist_ok=True)
    accounts, contacts = folder / "accounts.csv", folder / "contacts.csv"
    rows = [f"B{i:05d},Firma {i} GmbH,info@firma{i}.de,WHOLESALE,20000"
            for i in range(companies)]  # fmt: skip
    header = "No.,Name,E-Mail,Customer Price Group,Credit Limit (LCY)\n"
    accounts.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    people = [f"K{i:05d},B{i:05d},Einkauf {i},einkauf@firma{i}.de"
              for i in range(companies)]  # fmt: skip
    contacts.write_text(
        "No.,Company No.,Name,E-Mail\n" + "\n".join(people) + "\n", encoding="utf-8"
    )
    return accounts, contacts


async def run_soap(out: Path, config: SoapConfig) -> SoapResult:
    """Start the mock ERP process, run the load, stop the mock."""
    accounts, contacts = write_master(out / "soap-data", config.companies)
    password = secrets.token_urlsafe(16)
    url, process = await _start_mock(out, accounts, contacts, password, config)
    adapter = SoapAdapter(
        f"{url}/DynamicsNAV/WS/CRONUS",
        username="bench",
        password=password,
        max_connections=config.concurrency,
    )
    try:
        customers = [_customer(i) for i in range(config.warmup + config.customers)]
        await _load(adapter, customers[: config.warmup], config.concurrency)
        before = await _calls(url, password)
        started, cpu_started = time.perf_counter(), time.process_time()
        mock_started = _process_cpu_s(process.pid)
        latencies, found = await _load(
            adapter, customers[config.warmup :], config.concurrency
        )
        seconds = time.perf_counter() - started
        cpu_s = time.process_time() - cpu_started
        mock_ended = _process_cpu_s(process.pid)
        calls = await _calls(url, password) - before
    finally:
        await adapter.close()
        process.terminate()
        await process.wait()
    load = os.getloadavg()[0]
    measured = mock_started is not None and mock_ended is not None
    mock_s = (mock_ended or 0.0) - (mock_started or 0.0) if measured else None
    return SoapResult(config, seconds, latencies, found, calls, load, cpu_s, mock_s)


def _process_cpu_s(pid: int) -> float | None:
    """CPU seconds (user and system) a process has used; None off Linux."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    # the fields after the command's closing parenthesis; utime, stime are 12, 13
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _customer(index: int) -> Customer:
    return Customer(f"user-{index}", f"einkauf@firma{index}.de", is_confirmed=True)


async def _load(
    adapter: SoapAdapter, customers: list[Customer], concurrency: int
) -> tuple[list[float], int]:
    """Gathers evidence for every customer with `concurrency` tasks."""
    domains = DomainClassifier(())
    queue = iter(customers)
    latencies: list[float] = []
    found = 0

    async def work() -> None:
        nonlocal found
        for customer in queue:
            started = time.perf_counter()
            evidence = await gather_evidence(adapter, customer, domains)
            latencies.append((time.perf_counter() - started) * 1000)
            found += evidence.contact is not None

    await asyncio.gather(*(work() for _ in range(concurrency)))
    return latencies, found


async def _start_mock(
    out: Path, accounts: Path, contacts: Path, password: str, config: SoapConfig
) -> tuple[str, asyncio.subprocess.Process]:
    """`erplink erp-mock` on a socket bound here and handed over (see servers.py)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    url = f"http://{HOST}:{sock.getsockname()[1]}"
    command = [sys.executable, "-m", "bench.soap", "--fd", str(sock.fileno()),
               "--accounts", str(accounts), "--contacts", str(contacts),
               "--latency-ms", str(config.latency_ms)]  # fmt: skip
    with (out / "soap-mock.log").open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, stdout=log, stderr=log,
            stdin=asyncio.subprocess.DEVNULL, pass_fds=(sock.fileno(),),
            env={**os.environ, PASSWORD_ENV: password},
        )  # fmt: skip
    sock.close()
    async with asyncio.timeout(READY_TIMEOUT_S):
        while process.returncode is None:
            with contextlib.suppress(httpx.TransportError):
                await _calls(url, password)
                return url, process
            await asyncio.sleep(0.05)
    raise RuntimeError(f"the mock ERP exited; see {out / 'soap-mock.log'}")


async def _calls(url: str, password: str) -> int:
    async with httpx.AsyncClient(auth=("bench", password), timeout=5) as client:
        response = await client.get(f"{url}/_mock/stats")
    calls: int = response.json()["calls"]
    return calls


def summary(result: SoapResult) -> list[str]:
    """The figures as plain-text lines."""
    f, c = result.figures(), result.config
    if c.latency_ms == 0:
        return [
            f"SOAP adapter CPU ceiling (no added latency, C={c.concurrency}, "
            f"{c.customers} customers): {f['throughput_per_s']:.1f}/s, p50 "
            f"{f['p50_ms']:.0f} ms, client CPU {f['client_cpu_ms_per_customer']:.1f} "
            f"ms and mock ERP CPU {f['mock_cpu_ms_per_customer']:.1f} ms per "
            f"customer, load average {f['load_average_1min']:.1f}",
        ]
    verdict = "meets" if f["ratio"] >= TARGET_RATIO else "MISSES"
    return [
        f"SOAP adapter linking throughput ({c.customers} distinct customers, "
        f"C={c.concurrency}, mock ERP latency {c.latency_ms:.0f} ms, "
        f"{c.companies} companies)",
        f"  throughput {f['throughput_per_s']:.1f}/s, bound C/latency "
        f"{f['bound_per_s']:.0f}/s, ratio {f['ratio']:.3f} ({verdict} the target "
        f">= {TARGET_RATIO})",
        f"  per customer: p50 {f['p50_ms']:.0f} ms, p99 {f['p99_ms']:.0f} ms, "
        f"{f['erp_calls_per_customer']:.2f} ERP calls; contacts found "
        f"{result.contacts_found} of {c.customers}",
        f"  CPU per customer: client {f['client_cpu_ms_per_customer']:.1f} ms, "
        f"mock ERP {f['mock_cpu_ms_per_customer']:.1f} ms; machine load average "
        f"{f['load_average_1min']:.1f}",
    ]


CONCURRENCIES = (8, 16, 32)


async def run_and_report(out: Path) -> list[str]:
    """Runs at each of `CONCURRENCIES`; writes `soap.json` and `soap.txt` to `out`."""
    results = [await run_soap(out, SoapConfig(latency_ms=0, customers=500))]
    for concurrency in CONCURRENCIES:
        results.append(await run_soap(out, SoapConfig(concurrency=concurrency)))
    lines = [line for result in results for line in ["", *summary(result)]]
    (out / "soap.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    figures = [result.as_json() for result in results]
    (out / "soap.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return lines


def report(out: Path) -> list[str]:
    """Runs `run_and_report` on uvloop, the loop `erplink serve` (uvicorn's
    `loop="auto"`) gives its in-process worker."""
    import uvloop

    return uvloop.run(run_and_report(out))


def main(argv: list[str] | None = None) -> None:
    """The mock ERP's process: serve the pages on an inherited socket."""
    import uvicorn

    from erp_adapters.soap.mock.server import build_mock
    from erp_adapters.soap.mock.switches import Switches

    parser = argparse.ArgumentParser(prog="python -m bench.soap")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--accounts", type=Path, required=True)
    parser.add_argument("--contacts", type=Path, required=True)
    parser.add_argument("--latency-ms", type=float, required=True)
    args = parser.parse_args(argv)
    switches = Switches(latency_s=args.latency_ms / 1000)
    mock = build_mock(args.accounts, args.contacts, username="bench",
                      password=os.environ[PASSWORD_ENV], switches=switches)  # fmt: skip
    config = uvicorn.Config(mock.app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=args.fd)])


if __name__ == "__main__":
    main()
