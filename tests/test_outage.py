"""ERP outages over the real stack: erplink and a sandbox Saleor on loopback, the
worker running, the sample CSV ERP behind a switch that makes it fail.

Nobody is released, nothing is lost, and links resume without anyone acting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from connector.demo import Demo, start_demo
from connector.linking.model import LinkState
from connector.linking.payload import CLAIMED_ACCOUNT_KEY
from connector.settings import Settings
from connector.store.clock import now
from connector.store.inbox import InboxItem, InboxStatus
from connector.store.links import Link
from connector.worker import Worker
from erp_adapters.redaction import Redactor, secret_values
from erp_adapters.resilience import ErpCircuitOpenError

from .erp_adapters.fakes import SECRET, FlakyErp, Mode, logged, record_guard_logs

ANNA = "anna.schmidt@acme-industrial.de"
MEYER = "werkstatt.meyer@gmail.com"
FAILURES = 2
RESET_S = 0.3
WAIT_S = 15.0
POLL_S = 0.05
BREAKER_RESET_S = 1.0


async def start_outage_demo(database_url: str, tmp_path: Path, **numbers: Any) -> Demo:
    """The demo with a switchable ERP and quick resilience numbers."""
    quick: dict[str, Any] = {
        "worker_poll_s": 0.05,
        "backoff_base_s": 0.05,
        "backoff_max_s": 0.2,
        "erp_timeout_s": 0.2,
        "erp_retries": 1,
        "erp_retry_backoff_s": 0.01,
        "erp_breaker_failures": FAILURES,
        "erp_breaker_reset_s": RESET_S,
    }
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, **(quick | numbers)
    )
    running = await start_demo(settings, port=0, sandbox_port=0)
    guard = running.services.adapter
    guard.inner = FlakyErp(guard.inner, slow_s=1.0)
    # As if the ERP password came in ERPLINK_ADAPTER_OPTIONS; the CSV adapter
    # underneath takes none (tests/test_cli_adapters.py goes the whole way).
    guard.redact = Redactor(secret_values({"password": SECRET}))
    return running


@pytest.fixture
async def outage(database_url: str, tmp_path: Path) -> AsyncIterator[Demo]:
    """A switchable ERP under a running worker."""
    running = await start_outage_demo(database_url, tmp_path)
    yield running
    await running.stop()


@pytest.fixture
async def manual_outage(database_url: str, tmp_path: Path) -> AsyncIterator[Demo]:
    """A switchable ERP; the test drives the worker, one failure opens the breaker."""
    running = await start_outage_demo(
        database_url,
        tmp_path,
        run_worker=False,
        erp_retries=0,
        erp_breaker_failures=1,
        erp_breaker_reset_s=BREAKER_RESET_S,
    )
    yield running
    await running.stop()


def erp_of(demo: Demo) -> FlakyErp:
    inner = demo.services.adapter.inner
    assert isinstance(inner, FlakyErp)
    return inner


async def link_of(demo: Demo, user_id: str) -> Link | None:
    installation = (await demo.services.installations.all())[0]
    return await demo.services.links.get(installation.id, user_id)


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    for _ in range(int(WAIT_S / POLL_S)):
        if await check():
            return
        await asyncio.sleep(POLL_S)
    pytest.fail(f"no {what} within {WAIT_S:g} s")


async def states(demo: Demo, user_ids: list[str]) -> list[LinkState | None]:
    links = [await link_of(demo, user_id) for user_id in user_ids]
    return [link.state if link else None for link in links]


async def register_two(demo: Demo) -> list[str]:
    anna = await demo.sandbox.create_customer(
        ANNA, is_confirmed=True, customer_type="price-vip"
    )
    meyer = await demo.sandbox.create_customer(
        MEYER,
        is_confirmed=False,
        billing_post_code="50667",
        metadata={CLAIMED_ACCOUNT_KEY: "0004711"},
    )
    return [anna, meyer]


async def events(demo: Demo) -> list[InboxItem]:
    """The customer events in the inbox, without erplink's own (ignored) echoes."""
    items = await demo.services.inbox.list()
    return [item for item in items if item.status is not InboxStatus.IGNORED]


def saleor_view(demo: Demo, user_id: str) -> tuple[str, str]:
    user = demo.sandbox.user(user_id)
    status = user["privateMetadata"].get("erp.link_status", "")
    return (user["customerType"] or {}).get("slug", ""), status


async def readyz(demo: Demo) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(f"{demo.server.url}/readyz")


async def test_an_outage_holds_everyone_and_links_resume_by_themselves(
    outage: Demo,
) -> None:
    # given: the ERP is down when two customers register
    erp = erp_of(outage)
    erp.mode = Mode.DOWN
    users = await register_two(outage)

    # when: the outage lasts several probe periods
    async def held() -> bool:
        return await states(outage, users) == [LinkState.ON_HOLD] * 2

    await eventually(held, "hold of both customers")
    await asyncio.sleep(RESET_S * 4)
    during = await events(outage)
    probes_during = erp.total_calls
    ready_during = await readyz(outage)

    # then: held with no price, no dead letter, attempts spent only before opening
    assert [saleor_view(outage, u) for u in users] == [("no-pricing", "on_hold")] * 2
    assert {item.status for item in during} <= {"pending", "processing"}
    # A row being processed right now carries its claim's attempt until deferred.
    used = [i.attempts - (i.status is InboxStatus.PROCESSING) for i in during]
    assert sum(used) <= FAILURES
    assert all("erp_" in item.last_error for item in during)
    assert probes_during < 40
    assert ready_during.status_code == 503
    adapter_during = ready_during.json()["adapter"]
    assert adapter_during["breaker"] in {"open", "half_open"}
    assert adapter_during["last_error"] == "erp_unavailable"

    # when: the ERP is back
    erp.mode = Mode.UP

    async def linked() -> bool:
        return await states(outage, users) == [LinkState.LINKED] * 2

    await eventually(linked, "link of both customers")

    # then: linked with their own price lists, nothing dead, the breaker closed
    assert [saleor_view(outage, u) for u in users] == [
        ("price-wholesale", "linked"),
        ("price-retail", "linked"),
    ]
    assert (await outage.services.inbox.counts()).get("dead", 0) == 0
    ready_after = await readyz(outage)
    assert ready_after.status_code == 200
    assert ready_after.json()["adapter"]["breaker"] == "closed"


async def test_refused_credentials_make_a_dead_letter_and_release_nobody(
    outage: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    erp = erp_of(outage)
    erp.mode = Mode.UNAUTHORIZED
    recorder = record_guard_logs(monkeypatch)

    # when
    anna = await outage.sandbox.create_customer(
        ANNA, is_confirmed=True, customer_type="price-vip"
    )

    async def buried() -> bool:
        return (await outage.services.inbox.counts()).get("dead", 0) == 1

    await eventually(buried, "a dead letter")

    # then: one call, no retry; the reason names the adapter; nothing released
    dead = await events(outage)
    link = await link_of(outage, anna)
    assert erp.calls["contact_by_email"] == 1
    assert dead[0].attempts == 1
    assert dead[0].last_error.startswith(
        "erp_unauthorized: csv adapter, contact_by_email: login failed for user"
    )
    assert SECRET not in dead[0].last_error
    logs = logged(recorder)
    assert SECRET not in repr(logs)
    failures = [e for e in logs if e["event"] == "erp.call_failed"]
    assert {(e["adapter"], e["error"]) for e in failures} == {
        ("csv", "erp_unauthorized")
    }
    assert link is not None
    assert (link.state, link.reason) == (LinkState.ON_HOLD, "erp_unauthorized")
    assert saleor_view(outage, anna) == ("no-pricing", "on_hold")


async def test_a_slow_erp_makes_the_event_wait_and_then_it_links(
    outage: Demo,
) -> None:
    # given: every answer takes longer than the timeout
    erp = erp_of(outage)
    erp.mode = Mode.SLOW

    # when
    anna = await outage.sandbox.create_customer(ANNA, is_confirmed=True)

    async def retried() -> bool:
        items = await events(outage)
        return bool(items) and "erp_timeout" in items[0].last_error

    await eventually(retried, "a timed-out attempt")
    held = await link_of(outage, anna)
    saleor_held = saleor_view(outage, anna)
    erp.mode = Mode.UP

    async def linked() -> bool:
        return await states(outage, [anna]) == [LinkState.LINKED]

    await eventually(linked, "link once the ERP is quick again")

    # then
    assert held is not None
    assert held.state is LinkState.ON_HOLD
    assert saleor_held == ("no-pricing", "on_hold")
    assert saleor_view(outage, anna) == ("price-wholesale", "linked")
    assert (await outage.services.inbox.counts()).get("dead", 0) == 0


async def test_while_the_breaker_is_open_nothing_calls_the_erp_or_uses_attempts(
    manual_outage: Demo,
) -> None:
    # given: the first failure opens the breaker
    demo = manual_outage
    erp = erp_of(demo)
    erp.mode = Mode.DOWN
    anna = await demo.sandbox.create_customer(ANNA, is_confirmed=True)
    await demo.sandbox.wait_idle(5.0)
    worker = Worker(demo.services)
    before = now()
    await worker.run_once()
    after = now()
    calls_when_opened = erp.total_calls
    [deferred] = await events(demo)

    # when: the worker and a direct lookup try again before the probe time
    again = [await worker.run_once() for _ in range(3)]
    with pytest.raises(ErpCircuitOpenError) as refused:
        await demo.services.adapter.account_by_number("10000")
    calls_before_probe = erp.total_calls
    erp.mode = Mode.UP
    wait_s = (deferred.due_at - now()).total_seconds()
    await asyncio.sleep(max(wait_s, 0) + 0.05)
    probed = await worker.run_once()

    # then: deferred to the probe time with its attempt given back, no ERP calls
    assert (deferred.status, deferred.attempts) == ("pending", 0)
    assert deferred.last_error.startswith("erp_circuit_open: csv adapter")
    reset = timedelta(seconds=BREAKER_RESET_S)
    assert before + reset <= deferred.due_at <= after + reset
    assert abs((refused.value.retry_at - deferred.due_at).total_seconds()) < 0.1
    assert again == [0, 0, 0]
    assert calls_when_opened in (1, 2)
    assert calls_before_probe == calls_when_opened
    assert probed == 1
    link = await link_of(demo, anna)
    assert link is not None
    assert link.state is LinkState.LINKED
    [done] = await events(demo)
    assert (done.status, done.attempts) == ("done", 1)


async def test_readyz_shows_the_adapter_state_through_an_outage(outage: Demo) -> None:
    # given
    erp = erp_of(outage)
    healthy = await readyz(outage)
    erp.mode = Mode.DOWN

    # when: the first failure leaves the breaker closed, the second opens it
    first = await readyz(outage)
    second = await readyz(outage)
    calls_when_open = erp.calls["health"]
    third = await readyz(outage)

    # then
    assert (healthy.status_code, healthy.json()["adapter"]) == (
        200,
        {
            "name": "csv",
            "breaker": "closed",
            "last_error": None,
            "accounts": 300,
            "retry_at": None,
        },
    )
    assert (first.status_code, first.json()["erp"]) == (
        503,
        "unavailable: erp_unavailable",
    )
    assert first.json()["adapter"]["breaker"] == "closed"
    assert first.json()["adapter"]["last_error"] == "erp_unavailable"
    assert second.json()["erp"].startswith(
        "unavailable: csv adapter, health: the ERP is treated as down after "
        "erp_unavailable: connection refused"
    )
    assert third.status_code == 503
    assert third.json()["erp"].startswith(
        "unavailable: csv adapter, health: the ERP is treated as down"
    )
    assert third.json()["adapter"]["breaker"] == "open"
    assert third.json()["adapter"]["accounts"] == 300
    assert third.json()["adapter"]["retry_at"] is not None
    assert erp.calls["health"] == calls_when_open
