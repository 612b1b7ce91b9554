"""`erplink demo`: erplink beside a sandbox Saleor on loopback, every outcome once.

The demo installs erplink into the sandbox exactly as a store would (manifest, token
hand-over, signed webhooks), registers one customer per outcome, confirms the one
whose link waits for their mailbox, prints what happened, and keeps serving.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from connector.app import create_app
from connector.linking.model import LinkState
from connector.linking.payload import CLAIMED_ACCOUNT_KEY
from connector.sandbox.sandbox import SandboxSaleor
from connector.services import Services, open_services
from connector.serving import RunningServer, start_server
from connector.settings import Settings
from connector.store.links import Link
from erp_adapters.soap.mock.server import RunningMock, start_sample_mock

DEMO_TIMEOUT_S = 30.0
SANDBOX_RETRY_SCHEDULE_S = (1.0, 2.0, 4.0, 8.0, 16.0)
_WAITING = {LinkState.RECEIVED, LinkState.ON_HOLD, LinkState.MATCHING}


@dataclass(frozen=True)
class DemoCustomer:
    """One registration of the demo and the outcome it shows."""

    email: str
    shows: str
    register: Callable[[SandboxSaleor, str], Awaitable[str]]
    then_confirm: bool = False


async def _self_registered(sandbox: SandboxSaleor, email: str, **claims: str) -> str:
    metadata = {CLAIMED_ACCOUNT_KEY: claims["account"]} if claims else None
    return await sandbox.register(email, "demo-password-1", metadata=metadata)


async def _confirmed(sandbox: SandboxSaleor, email: str) -> str:
    return await sandbox.create_customer(email, is_confirmed=True)


async def _claim_with_post_code(sandbox: SandboxSaleor, email: str) -> str:
    return await sandbox.create_customer(
        email,
        is_confirmed=False,
        billing_post_code="50667",
        metadata={CLAIMED_ACCOUNT_KEY: "0004711"},
    )


async def _claim_alone(sandbox: SandboxSaleor, email: str) -> str:
    return await _self_registered(sandbox, email, account="0004712")


CUSTOMERS = (
    DemoCustomer(
        "anna.schmidt@acme-industrial.de", "ERP contact, confirmed", _confirmed
    ),
    DemoCustomer(
        "jonas.weber@brandt-metall.de",
        "ERP contact, confirms e-mail later",
        _self_registered,
        then_confirm=True,
    ),
    DemoCustomer("buyer@hansen-gruppe.de", "domain of two accounts", _confirmed),
    DemoCustomer("max.mustermann@gmail.com", "free-mail address", _self_registered),
    DemoCustomer(
        "werkstatt.meyer@gmail.com", "account no. + post code", _claim_with_post_code
    ),
    DemoCustomer("l.lindqvist@outlook.com", "account no. alone", _claim_alone),
    DemoCustomer("einkauf@grossabnehmer.de", "credit limit over threshold", _confirmed),
    DemoCustomer("bestellung@gesperrt-handel.de", "blocked ERP account", _confirmed),
    DemoCustomer("ole@fjord-trading.dk", "price list without mapping", _confirmed),
)


@dataclass
class Demo:
    """A running demo: the sandbox, erplink, and what each registration became."""

    sandbox: SandboxSaleor
    services: Services
    server: RunningServer
    outcomes: dict[str, Link] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0
    erp_mock: RunningMock | None = None

    async def stop(self) -> None:
        """Stop the servers (and the mock ERP) and close erplink's services."""
        await self.server.stop()
        await self.sandbox.stop()
        await self.services.aclose()
        if self.erp_mock is not None:
            await self.erp_mock.stop()


async def start_demo(
    settings: Settings, *, port: int = 8000, sandbox_port: int = 8001, erp: str = "csv"
) -> Demo:
    """Start the sandbox and erplink on loopback, and install erplink.

    With `erp="soap"` the sample data is served by the SOAP mock ERP on a free
    loopback port, and erplink reads it through the `soap` adapter.
    """
    erp_mock = None
    if erp == "soap":
        options = settings.adapter_options
        erp_mock = await start_sample_mock(
            Path(options["accounts"]), Path(options["contacts"])
        )
        settings = settings.with_overrides(
            adapter="soap", adapter_options=erp_mock.adapter_options()
        )
    sandbox = SandboxSaleor(retry_schedule_s=SANDBOX_RETRY_SCHEDULE_S)
    await sandbox.start("127.0.0.1", sandbox_port)
    services = await open_services(settings)
    services.intake.start()  # with the server, as `erplink serve` does
    sandbox.seed_customer_types(
        (slug.replace("-", " ").title(), slug)
        for slug in sorted(services.policy.customer_types)
    )
    server = await start_server(create_app(services=services), "127.0.0.1", port)
    services.settings = services.settings.with_overrides(public_url=server.url)
    await sandbox.install_app(f"{server.url}/api/manifest")
    return Demo(sandbox, services, server, erp_mock=erp_mock)


async def register_everyone(demo: Demo, timeout_s: float = DEMO_TIMEOUT_S) -> None:
    """Register every demo customer and wait until each has a settled outcome."""
    started = time.perf_counter()
    for customer in CUSTOMERS:
        demo.user_ids[customer.email] = await customer.register(
            demo.sandbox, customer.email
        )
    async with asyncio.timeout(timeout_s):
        for customer in CUSTOMERS:
            link = await _settled(demo, customer.email)
            if (
                customer.then_confirm
                and link.state is LinkState.AWAITING_EMAIL_CONFIRMATION
            ):
                await demo.sandbox.confirm(customer.email)
                link = await _settled(demo, customer.email, after=link.state)
            demo.outcomes[customer.email] = link
    demo.elapsed_s = time.perf_counter() - started


async def _settled(demo: Demo, email: str, after: LinkState | None = None) -> Link:
    installation = (await demo.services.installations.all())[0]
    user_id = demo.user_ids[email]
    while True:
        link = await demo.services.links.get(installation.id, user_id)
        if link is not None and link.state not in _WAITING and link.state is not after:
            return link
        await asyncio.sleep(0.05)


def outcome_table(demo: Demo) -> str:
    """The demo's result as a plain-text table."""
    rows = [
        (
            "customer",
            "shows",
            "outcome",
            "ERP account",
            "price list",
            "Saleor type",
            "reason",
        )
    ]
    for customer in CUSTOMERS:
        link = demo.outcomes.get(customer.email)
        saleor = demo.sandbox.user(demo.user_ids[customer.email])
        saleor_type = (saleor.get("customerType") or {}).get("slug", "")
        if link is None:
            rows.append(
                (
                    customer.email,
                    customer.shows,
                    "(not settled)",
                    "",
                    "",
                    saleor_type,
                    "",
                )
            )
            continue
        rows.append(
            (
                customer.email,
                customer.shows,
                link.state.value,
                link.account_number or "-",
                link.price_list or "-",
                saleor_type,
                link.reason,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def demo_settings(data_dir: Path) -> Settings:
    """Embedded defaults in a fresh data directory (the demo starts clean)."""
    shutil.rmtree(data_dir, ignore_errors=True)
    return Settings(data_dir=data_dir, database_url="")
