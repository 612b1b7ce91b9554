"""The guard around every adapter: timeouts, retries within a budget, breaker,
bounded concurrency, masked messages. Unit tests over a misbehaving adapter with a
real CSV adapter underneath."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from connector.store.clock import now
from erp_adapters.base import (
    ErpMisconfiguredError,
    ErpUnauthorizedError,
    ErpUnavailableError,
)
from erp_adapters.breaker import BreakerState
from erp_adapters.csv import CsvAdapter
from erp_adapters.resilience import (
    ErpCircuitOpenError,
    ResilienceSettings,
    ResilientAdapter,
)

from .contract import CONTRACT_DATA
from .fakes import (
    SECRET,
    FakeClock,
    FlakyErp,
    Mode,
    logged,
    no_sleep,
    record_guard_logs,
)

QUICK = ResilienceSettings(
    timeout_s=0.05,
    max_concurrency=2,
    retries=2,
    retry_backoff_s=0.0,
    retry_budget=100.0,
    retry_budget_per_s=0.0,
    breaker_failures=3,
    breaker_reset_s=30.0,
)


@pytest_asyncio.fixture
async def flaky() -> AsyncIterator[FlakyErp]:
    erp = FlakyErp(CsvAdapter(CONTRACT_DATA.accounts_csv, CONTRACT_DATA.contacts_csv))
    yield erp
    await erp.close()


def guard(
    erp: FlakyErp, clock: FakeClock, settings: ResilienceSettings = QUICK
) -> ResilientAdapter:
    return ResilientAdapter(
        erp, settings, secrets={SECRET}, clock=clock, sleep=no_sleep
    )


async def test_an_answering_erp_is_passed_through(flaky: FlakyErp) -> None:
    # given
    adapter = guard(flaky, FakeClock())

    # when
    account = await adapter.account_by_number("0004711")
    numbers = [a.number async for a in adapter.accounts_changed_since(None)]

    # then
    assert account is not None
    assert account.name == "Kleinbetrieb Meyer"
    assert len(numbers) == 18
    assert adapter.state().breaker is BreakerState.CLOSED
    assert adapter.state().last_error is None


async def test_a_transient_failure_is_retried_until_the_attempts_run_out(
    flaky: FlakyErp,
) -> None:
    # given
    flaky.mode = Mode.DOWN
    adapter = guard(flaky, FakeClock())

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        await adapter.account_by_number("10000")

    # then
    assert flaky.calls["account_by_number"] == 3
    assert raised.value.code == "erp_unavailable"
    assert str(raised.value) == (
        "flaky adapter, account_by_number: connection refused by erp.internal:1433"
    )
    assert adapter.state().last_error == "erp_unavailable"


async def test_a_retry_that_succeeds_returns_the_answer(flaky: FlakyErp) -> None:
    # given: the ERP fails once, then answers
    adapter = guard(flaky, FakeClock())
    flaky.mode = Mode.DOWN
    failing = flaky._gate

    async def recovering(operation: str) -> None:
        try:
            await failing(operation)
        finally:
            flaky.mode = Mode.UP

    flaky._gate = recovering  # type: ignore[method-assign]

    # when
    account = await adapter.account_by_number("10000")

    # then
    assert account is not None
    assert account.number == "10000"
    assert flaky.calls["account_by_number"] == 2


async def test_refused_credentials_are_not_retried_and_name_no_secret(
    flaky: FlakyErp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    flaky.mode = Mode.UNAUTHORIZED
    adapter = guard(flaky, FakeClock())
    recorder = record_guard_logs(monkeypatch)

    # when
    with pytest.raises(ErpUnauthorizedError) as raised:
        await adapter.contact_by_email("anna.schmidt@acme-industrial.de")

    # then
    assert flaky.calls["contact_by_email"] == 1
    message = str(raised.value)
    assert message == (
        "flaky adapter, contact_by_email: login failed for user 'erplink' with "
        "password '***'"
    )
    logs = logged(recorder)
    assert SECRET not in repr(logs)
    assert [(e["event"], e["adapter"], e["operation"], e["error"]) for e in logs] == [
        ("erp.call_failed", "flaky", "contact_by_email", "erp_unauthorized")
    ]
    assert adapter.state().breaker is BreakerState.CLOSED


async def test_a_misconfigured_adapter_is_not_retried_and_keeps_its_code(
    flaky: FlakyErp,
) -> None:
    # given
    adapter = guard(flaky, FakeClock())

    async def missing_table(operation: str) -> None:
        flaky.calls[operation] += 1
        raise ErpMisconfiguredError("table Customer missing", code="sql_no_table")

    flaky._gate = missing_table  # type: ignore[method-assign]

    # when
    with pytest.raises(ErpMisconfiguredError) as raised:
        await adapter.account_by_number("10000")

    # then
    assert flaky.calls["account_by_number"] == 1
    assert raised.value.code == "sql_no_table"


async def test_a_slow_erp_times_out_per_attempt(flaky: FlakyErp) -> None:
    # given
    flaky.mode = Mode.SLOW
    adapter = guard(flaky, FakeClock(), ResilienceSettings(timeout_s=0.02, retries=1))

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        await adapter.accounts_by_domain("acme-industrial.de")

    # then
    assert raised.value.code == "erp_timeout"
    assert "no answer within 0.02 s" in str(raised.value)
    assert flaky.calls["accounts_by_domain"] == 2


async def test_the_budget_limits_retries_across_calls(flaky: FlakyErp) -> None:
    # given: a budget of 3 retries shared by every call, none refilled
    flaky.mode = Mode.DOWN
    settings = ResilienceSettings(
        retries=2, retry_budget=3, retry_budget_per_s=0, breaker_failures=100
    )
    adapter = guard(flaky, FakeClock(), settings)

    # when
    for _ in range(4):
        with pytest.raises(ErpUnavailableError):
            await adapter.account_by_number("10000")

    # then: 4 first attempts and only 3 retries in all
    assert flaky.calls["account_by_number"] == 7


async def test_the_breaker_opens_and_refuses_without_calling_the_erp(
    flaky: FlakyErp,
) -> None:
    # given
    flaky.mode = Mode.DOWN
    clock = FakeClock()
    adapter = guard(flaky, clock, ResilienceSettings(retries=0, breaker_failures=3))
    for _ in range(2):
        with pytest.raises(ErpUnavailableError):
            await adapter.account_by_number("10000")

    # when
    with pytest.raises(ErpCircuitOpenError) as tripping:
        await adapter.account_by_number("10000")
    calls_when_opened = flaky.total_calls
    clock.advance(29.0)
    with pytest.raises(ErpCircuitOpenError) as refused:
        await adapter.contact_by_email("anna.schmidt@acme-industrial.de")
    health = await adapter.health()

    # then
    assert calls_when_opened == 3
    assert flaky.total_calls == 3
    assert "after erp_unavailable: connection refused" in str(tripping.value)
    assert "the ERP is treated as down" in str(refused.value)
    assert 0.5 < (refused.value.retry_at - now()).total_seconds() <= 1.0
    assert health.ok is False
    assert health.detail.startswith("flaky adapter, health: the ERP is treated")
    assert adapter.state().breaker is BreakerState.OPEN
    state_retry_at = adapter.state().retry_at
    assert state_retry_at is not None
    assert 0.5 < (state_retry_at - now()).total_seconds() <= 1.0


async def test_the_probe_closes_the_breaker_once_the_erp_is_back(
    flaky: FlakyErp,
) -> None:
    # given
    flaky.mode = Mode.DOWN
    clock = FakeClock()
    adapter = guard(flaky, clock, ResilienceSettings(retries=2, breaker_failures=1))
    with pytest.raises(ErpCircuitOpenError):
        await adapter.account_by_number("10000")
    flaky.mode = Mode.UP
    clock.advance(30.0)

    # when
    account = await adapter.account_by_number("10000")

    # then
    assert account is not None
    assert flaky.calls["account_by_number"] == 4
    assert adapter.state().breaker is BreakerState.CLOSED


async def test_a_failed_probe_is_tried_once_and_reopens(flaky: FlakyErp) -> None:
    # given
    flaky.mode = Mode.DOWN
    clock = FakeClock()
    adapter = guard(flaky, clock, ResilienceSettings(retries=2, breaker_failures=1))
    with pytest.raises(ErpCircuitOpenError):
        await adapter.account_by_number("10000")
    clock.advance(30.0)

    # when
    with pytest.raises(ErpCircuitOpenError):
        await adapter.account_by_number("10000")

    # then: three attempts at first, then one for the probe
    assert flaky.calls["account_by_number"] == 4
    assert adapter.state().breaker is BreakerState.OPEN


async def test_concurrency_is_bounded(flaky: FlakyErp) -> None:
    # given
    adapter = guard(flaky, FakeClock(), ResilienceSettings(max_concurrency=2))
    running = 0
    most = 0

    async def counting(operation: str) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1

    flaky._gate = counting  # type: ignore[method-assign]

    # when
    found = await asyncio.gather(
        *(adapter.account_by_number("10000") for _ in range(6))
    )

    # then
    assert [a.number for a in found if a] == ["10000"] * 6
    assert most == 2


async def test_a_network_error_that_escapes_an_adapter_counts_as_unavailable(
    flaky: FlakyErp,
) -> None:
    # given
    adapter = guard(flaky, FakeClock(), ResilienceSettings(retries=0))

    async def refused(operation: str) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    flaky._gate = refused  # type: ignore[method-assign]

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        await adapter.health()

    # then
    assert raised.value.code == "erp_unavailable"
    assert "ConnectionRefusedError" in str(raised.value)


async def test_a_failed_iteration_step_is_not_retried(flaky: FlakyErp) -> None:
    # given
    flaky.mode = Mode.DOWN
    adapter = guard(flaky, FakeClock())

    # when
    with pytest.raises(ErpUnavailableError):
        [a async for a in adapter.accounts_changed_since(None)]

    # then
    assert flaky.calls["accounts_changed_since"] == 1


async def test_health_records_the_accounts_seen(flaky: FlakyErp) -> None:
    # given
    adapter = guard(flaky, FakeClock())

    # when
    health = await adapter.health()

    # then
    assert health.ok is True
    assert adapter.state().as_dict() == {
        "name": "flaky",
        "breaker": "closed",
        "last_error": None,
        "accounts": 18,
        "retry_at": None,
    }


async def test_retries_wait_doubling_jittered_backoffs(flaky: FlakyErp) -> None:
    # given
    flaky.mode = Mode.DOWN
    waits: list[float] = []

    async def recorded(seconds: float) -> None:
        waits.append(seconds)

    settings = ResilienceSettings(retries=3, retry_backoff_s=0.1, breaker_failures=9)
    adapter = ResilientAdapter(flaky, settings, clock=FakeClock(), sleep=recorded)

    # when
    with pytest.raises(ErpUnavailableError):
        await adapter.account_by_number("10000")

    # then: 0.1, 0.2, 0.4 s, each between half and one and a half of it
    assert flaky.calls["account_by_number"] == 4
    assert len(waits) == 3
    for wait, base in zip(waits, (0.1, 0.2, 0.4), strict=True):
        assert base * 0.5 <= wait <= base * 1.5
