"""The systems under test: a sandbox Saleor here, erplink in a process of its own.

This is `connector.demo.start_demo` cut in two: the sandbox stays in the benchmark's
process (it signs bodies, registers customers, and its store is the clock's
reference), while erplink runs as `erplink serve` would, so the load tool and the
sandbox do not share its event loop.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import httpx

from bench.servers import ServerProcess, start_server_process
from connector.linking.policy import load_policy
from connector.sandbox.sandbox import SandboxSaleor
from connector.settings import Settings

SANDBOX_RETRY_SCHEDULE_S = (1.0, 2.0, 4.0, 8.0, 16.0)
DATABASE_FILE = "erplink.db"
HELPER_READY_TIMEOUT_S = 60.0


def policy_types() -> tuple[frozenset[str], str]:
    """Every customer type slug erplink's policy names, and its no-pricing slug."""
    policy = load_policy(Settings().policy_file)
    return policy.customer_types, policy.no_pricing_customer_type


async def start_sandbox() -> SandboxSaleor:
    """A sandbox Saleor on a free loopback port, with erplink's customer types."""
    sandbox = SandboxSaleor(retry_schedule_s=SANDBOX_RETRY_SCHEDULE_S)
    await sandbox.start("127.0.0.1", 0)
    slugs, _ = policy_types()
    sandbox.seed_customer_types(
        (slug.replace("-", " ").title(), slug) for slug in sorted(slugs)
    )
    return sandbox


async def start_erplink(
    sandbox: SandboxSaleor, data_dir: Path, log_path: Path, *, worker: bool
) -> ServerProcess:
    """Start erplink on a fresh data directory and install it into `sandbox`."""
    shutil.rmtree(data_dir, ignore_errors=True)
    server = await start_server_process(
        "erplink", log_path, data_dir=data_dir, worker=worker
    )
    try:
        await sandbox.install_app(f"{server.url}/api/manifest")
        await _intake_helper_ready(server.url)
    except BaseException:
        await server.stop()
        raise
    return server


async def _intake_helper_ready(url: str) -> None:
    """Wait until erplink takes deliveries in its intake helper, as it does once
    started, so that no measured delivery is taken in-process meanwhile."""
    async with httpx.AsyncClient(base_url=url, timeout=5.0) as http:
        async with asyncio.timeout(HELPER_READY_TIMEOUT_S):
            while True:
                if (await http.get("/readyz")).json()["intake"] == "helper":
                    return
                await asyncio.sleep(0.1)


def count_inbox_rows(data_dir: Path) -> int:
    """How many deliveries erplink stored (read after the server stopped)."""
    with sqlite3.connect(data_dir / DATABASE_FILE) as connection:
        (count,) = connection.execute("SELECT count(*) FROM inbox").fetchone()
    return int(count)
