"""`python -m bench --only adapters`: the CSV and SQL adapters over 1,000,000 accounts.

One deterministic data set (seeded): 1,000,000 accounts with numbers with leading
zeros, two accounts per domain, every 20th with a second address in its e-mail
field, and 500,000 contacts. It is written once as CSV files and once bulk-loaded
with COPY (asyncpg) into NAV-shaped tables of a PostgreSQL database created for the
run and dropped after, with the indexes the README recommends.

Each adapter is measured in a fresh child process, so its resident memory (VmRSS
from /proc, Linux only) is its own: the time to load (CSV: read and index the files;
SQL: connect and check the mapping), the memory after it, and the latency of
sequential lookups by number, by domain and by contact e-mail (p50, p99). The SQL
adapter runs three times: with the default `lookup.substring=true` served by trigram
indexes, with `lookup.substring=false` (B-tree expression indexes), and with
`lookup.substring=true` but without the trigram indexes, as on MariaDB or SQLite (a
table scan per lookup). Slower forms get fewer lookups to stay within minutes. Every
generated address shares `info`/`person.` and `@firma-`, the worst case for a
trigram index, whose posting lists for those trigrams span every row.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

from bench.stats import percentile

PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"
ACCOUNTS = 1_000_000
CONTACTS_EVERY = 2  # one contact for every second account
MULTI_EVERY = 20  # every 20th account has two addresses in its field
SEED = 20261204
INDEXED_LOOKUPS = 2000
TRIGRAM_LOOKUPS = 200
SCAN_LOOKUPS = 10
SALESPEOPLE = tuple(f"SP{i:02d}" for i in range(20))
GROUPS = ("WHOLESALE", "RETAIL", "EXPORT", "VIP", "DISTRIBUTOR")


@dataclass(frozen=True, slots=True)
class Row:
    """One generated account and its contact, if it has one."""

    number: str
    name: str
    email: str
    post_code: str
    group: str
    credit: int
    blocked: int
    salesperson: str
    contact_email: str


def rows(count: int = ACCOUNTS) -> Iterator[Row]:
    """The data set, the same on every run."""
    rng = random.Random(SEED)
    for i in range(count):
        domain = f"firma-{i // 2}.de"
        email = f"info{i % 2}@{domain}"
        if i % MULTI_EVERY == 0:
            email += f";rechnung@billing-{i}.de"
        contact = f"person.{i}@{domain}" if i % CONTACTS_EVERY == 0 else ""
        yield Row(
            number=f"{i:07d}",
            name=f"Firma {i} GmbH",
            email=email,
            post_code=f"{rng.randrange(10000, 99999)}",
            group=GROUPS[i % len(GROUPS)],
            credit=rng.randrange(0, 200_000),
            blocked=3 if i % 97 == 0 else 0,
            salesperson=SALESPEOPLE[i % len(SALESPEOPLE)],
            contact_email=contact,
        )


def queries(count: int) -> dict[str, list[str]]:
    """Lookup keys spread over the whole data set, the same on every run."""
    rng = random.Random(SEED + 1)
    picks = [
        rng.randrange(0, ACCOUNTS // CONTACTS_EVERY) * CONTACTS_EVERY
        for _ in range(count)
    ]
    return {
        "number": [f"{i:07d}" for i in picks],
        "domain": [f"firma-{i // 2}.de" for i in picks],
        "email": [f"person.{i}@firma-{i // 2}.de" for i in picks],
    }


# -- the data, as CSV and in PostgreSQL ---------------------------------------------


def write_csv(folder: Path) -> tuple[Path, Path]:
    """The data set as the CSV adapter's two files."""
    accounts, contacts = folder / "accounts.csv", folder / "contacts.csv"
    with (
        accounts.open("w", newline="", encoding="utf-8") as a,
        contacts.open("w", newline="", encoding="utf-8") as c,
    ):
        out_a, out_c = csv.writer(a), csv.writer(c)
        out_a.writerow(
            ["No.", "Name", "E-Mail", "Post Code", "Customer Price Group",
             "Credit Limit (LCY)", "Blocked", "Salesperson Code"]
        )  # fmt: skip
        out_c.writerow(["No.", "Company No.", "Name", "E-Mail"])
        for r in rows():
            blocked = "All" if r.blocked else ""
            out_a.writerow(
                [r.number, r.name, r.email, r.post_code, r.group, r.credit, blocked,
                 r.salesperson]
            )  # fmt: skip
            if r.contact_email:
                out_c.writerow([f"CT{r.number}", r.number, "Person", r.contact_email])
    return accounts, contacts


TABLES = """
CREATE TABLE "Customer" ("No_" varchar(20) PRIMARY KEY,
  "Name" varchar(100) NOT NULL, "E-Mail" varchar(250) NOT NULL,
  "Post Code" varchar(20) NOT NULL, "Country_Region Code" varchar(10) NOT NULL,
  "Customer Price Group" varchar(20) NOT NULL,
  "Credit Limit (LCY)" numeric(38,20) NOT NULL,
  "Salesperson Code" varchar(20) NOT NULL, "Blocked" integer NOT NULL,
  "Last Date Modified" date NOT NULL);
CREATE TABLE "Contact" ("No_" varchar(20) PRIMARY KEY, "Name" varchar(100) NOT NULL,
  "E-Mail" varchar(250) NOT NULL, "Type" integer NOT NULL,
  "Company No_" varchar(20) NOT NULL);
CREATE TABLE "Salesperson_Purchaser" ("Code" varchar(20) PRIMARY KEY,
  "E-Mail" varchar(80) NOT NULL);
"""
INDEXES = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX customer_email_trgm ON "Customer" USING gin (lower("E-Mail") gin_trgm_ops);
CREATE INDEX contact_email_trgm ON "Contact" USING gin (lower("E-Mail") gin_trgm_ops);
CREATE INDEX customer_email ON "Customer" (lower("E-Mail"));
CREATE INDEX customer_domain ON "Customer" (lower(split_part("E-Mail", '@', 2)));
CREATE INDEX contact_email ON "Contact" (lower("E-Mail"));
CREATE INDEX contact_domain ON "Contact" (lower(split_part("E-Mail", '@', 2)));
CREATE INDEX contact_company ON "Contact" ("Company No_");
ANALYZE;
"""


async def load_postgres(name: str) -> dict[str, float]:
    """Creates database `name` and bulk-loads the data set; returns the timings."""
    admin = await asyncpg.connect(PG_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    conn = await asyncpg.connect(PG_DSN.rsplit("/", 1)[0] + f"/{name}")
    try:
        await conn.execute(TABLES)
        started = time.perf_counter()
        modified = date(2026, 11, 1)
        await conn.copy_records_to_table(
            "Customer",
            records=(
                (r.number, r.name, r.email, r.post_code, "DE", r.group,
                 Decimal(r.credit), r.salesperson, r.blocked, modified)
                for r in rows()
            ),
        )  # fmt: skip
        await conn.copy_records_to_table(
            "Contact",
            records=(
                (f"CT{r.number}", "Person", r.contact_email, 1, r.number)
                for r in rows()
                if r.contact_email
            ),
        )
        await conn.copy_records_to_table(
            "Salesperson_Purchaser",
            records=[
                (code, f"{code.lower()}@erplink-bench.example") for code in SALESPEOPLE
            ],
        )
        copied = time.perf_counter()
        await conn.execute(INDEXES)
        indexed = time.perf_counter()
    finally:
        await conn.close()
    return {"copy_s": copied - started, "index_s": indexed - copied}


async def drop_trigram_indexes(name: str) -> None:
    """Drops the trigram indexes, leaving the tables as MariaDB or SQLite serve them."""
    conn = await asyncpg.connect(PG_DSN.rsplit("/", 1)[0] + f"/{name}")
    await conn.execute("DROP INDEX customer_email_trgm, contact_email_trgm")
    await conn.close()


async def drop_postgres(name: str) -> None:
    """Drops the bench database."""
    admin = await asyncpg.connect(PG_DSN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


# -- measuring one adapter, in a child process ---------------------------------------


def resident_mib() -> float:
    """This process's resident memory (VmRSS) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _latencies(
    call: Callable[[str], Awaitable[Any]], keys: list[str]
) -> dict[str, float]:
    times = []
    for key in keys:
        started = time.perf_counter()
        found = await call(key)
        times.append((time.perf_counter() - started) * 1000)
        if not found:
            raise RuntimeError(f"bench lookup found nothing for {key!r}")
    return {
        "p50_ms": percentile(times, 50),
        "p99_ms": percentile(times, 99),
        "n": len(times),
    }


async def measure(kind: str, options: dict[str, str], lookups: int) -> dict[str, Any]:
    """Load one adapter and time its lookups (run in a fresh process)."""
    from erp_adapters.csv import CsvAdapter
    from erp_adapters.sql import SqlAdapter

    before = resident_mib()
    started = time.perf_counter()
    adapter: Any
    if kind == "csv":
        adapter = CsvAdapter(Path(options["accounts"]), Path(options["contacts"]))
    else:
        adapter = await SqlAdapter.open(options)
    loaded = time.perf_counter() - started
    keys = queries(lookups)
    result = {
        "load_s": loaded,
        "rss_before_mib": before,
        "rss_after_load_mib": resident_mib(),
        "number": await _latencies(adapter.account_by_number, keys["number"]),
        "domain": await _latencies(adapter.accounts_by_domain, keys["domain"]),
        "email": await _latencies(adapter.contact_by_email, keys["email"]),
        "rss_after_lookups_mib": resident_mib(),
    }
    await adapter.close()
    return result


async def _child(kind: str, options: dict[str, str], lookups: int) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.adapters", "--measure", kind,
        "--options", json.dumps(options), "--lookups", str(lookups),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"bench child for {kind} failed ({process.returncode})")
    figures: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return figures


# -- the whole benchmark -------------------------------------------------------------


async def run_adapters() -> dict[str, Any]:
    """Generate, load, measure every adapter, clean up; returns the figures."""
    results: dict[str, Any] = {
        "accounts": ACCOUNTS,
        "contacts": ACCOUNTS // CONTACTS_EVERY,
    }
    with tempfile.TemporaryDirectory(prefix="erplink-bench-") as folder:
        started = time.perf_counter()
        accounts, contacts = write_csv(Path(folder))
        results["csv_write_s"] = time.perf_counter() - started
        csv_options = {"accounts": str(accounts), "contacts": str(contacts)}
        results["csv"] = await _child("csv", csv_options, INDEXED_LOOKUPS)
    name = f"erplink_bench_{uuid.uuid4().hex[:8]}"
    try:
        results["postgres_load"] = await load_postgres(name)
        sql = {
            "url": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}",
            "relations.table": "",
        }
        exact = {**sql, "lookup.substring": "false"}
        results["sql_trigram"] = await _child("sql", sql, TRIGRAM_LOOKUPS)
        results["sql_exact"] = await _child("sql", exact, INDEXED_LOOKUPS)
        await drop_trigram_indexes(name)
        results["sql_scan"] = await _child("sql", sql, SCAN_LOOKUPS)
    finally:
        await drop_postgres(name)
    return results


def summary(results: dict[str, Any]) -> list[str]:
    """The figures as plain-text lines (also pasted into BENCHMARKS.md)."""
    load = results["postgres_load"]
    lines = [
        f"ERP adapters ({results['accounts']:,} accounts, {results['contacts']:,} "
        "contacts; sequential lookups, latency in ms)",
        f"  PostgreSQL bulk load: COPY {load['copy_s']:.1f} s, indexes + ANALYZE "
        f"{load['index_s']:.1f} s; CSV files written in {results['csv_write_s']:.1f} s",
        f"  {'adapter':<24}{'load s':>8}{'RSS MiB':>9}"
        f"{'number p50/p99':>20}{'domain p50/p99':>20}{'email p50/p99':>20}",
    ]
    for key, label in (
        ("csv", "csv"),
        ("sql_trigram", "sql substring, trigram"),
        ("sql_exact", "sql exact, B-tree"),
        ("sql_scan", "sql substring, no trgm"),
    ):
        f = results[key]
        cells = "".join(
            _pair(f[k]["p50_ms"], f[k]["p99_ms"]) for k in ("number", "domain", "email")
        )
        lines.append(
            f"  {label:<24}{f['load_s']:>8.2f}{f['rss_after_lookups_mib']:>9.0f}{cells}"
            f"   (n={f['number']['n']})"
        )
    return lines


def _pair(p50: float, p99: float) -> str:
    return f"{f'{p50:.2f} / {p99:.2f}':>20}"


def main(argv: list[str] | None = None) -> int:
    """Child mode (`--measure`) or the whole benchmark."""
    parser = argparse.ArgumentParser(prog="python -m bench.adapters")
    parser.add_argument("--measure", choices=["csv", "sql"])
    parser.add_argument("--options", default="{}")
    parser.add_argument("--lookups", type=int, default=INDEXED_LOOKUPS)
    args = parser.parse_args(argv)
    if args.measure:
        figures = asyncio.run(
            measure(args.measure, json.loads(args.options), args.lookups)
        )
        print(json.dumps(figures))
        return 0
    results = asyncio.run(run_adapters())
    print("\n".join(summary(results)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
