"""The guard around every ERP adapter: timeout, bounded concurrency, retries within a
budget, and a circuit breaker.

`open_services` wraps whatever adapter the merchant configured in a
`ResilientAdapter`, which is itself an `ErpAdapter`, so the rest of erplink never
talks to an adapter unguarded. For each call:

1. The breaker (`breaker.py`) admits it, or refuses at once with
   `ErpCircuitOpenError`, which carries the time of the next probe: the worker
   defers inbox events until then without using up their attempts.
2. Each attempt holds one of `max_concurrency` slots and has `timeout_s`; a timeout
   becomes `ErpUnavailableError` (code `erp_timeout`).
3. Transient failures are retried a few times with jittered exponential backoff,
   each retry paid from one `RetryBudget` for the process. Failures a person must
   fix (unauthorised, misconfigured) are never retried. The retry loop is a plain
   one rather than tenacity's: tenacity cost about 200 us of event-loop time on
   every call, retried or not, a hundred times the CSV lookup it wrapped
   (`python -m bench --only resilience`), for a loop of ten lines.
4. The outcome goes to the breaker: transient failures count as an outage; any other
   answer, even a refusal of the credentials, shows that the ERP is up.

Error messages are redacted (`redaction.py`) and name the adapter and operation.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import TypeVar

import structlog

from connector.errors import ErplinkError
from connector.linking.model import Account, Contact
from connector.store.clock import now
from erp_adapters.base import (
    ErpAdapter,
    ErpError,
    ErpMisconfiguredError,
    ErpNotFoundError,
    ErpUnauthorizedError,
    ErpUnavailableError,
    Health,
    contacts_of,
)
from erp_adapters.breaker import BreakerState, CircuitBreaker, Ticket
from erp_adapters.guard_data import AdapterState, ResilienceSettings
from erp_adapters.redaction import Redactor
from erp_adapters.retry_budget import RetryBudget

__all__ = [
    "AdapterState",
    "ErpCircuitOpenError",
    "ResilienceSettings",
    "ResilientAdapter",
    "same_kind",
]
log = structlog.get_logger(__name__)
T = TypeVar("T")
# Retries are for hiccups: a longer wait belongs to the worker's backoff.
MAX_BACKOFF_S = 1.0
# The categories an adapter error is re-raised as, most specific first.
_CATEGORIES: tuple[type[ErpError], ...] = (
    ErpUnauthorizedError,
    ErpMisconfiguredError,
    ErpNotFoundError,
    ErpUnavailableError,
    ErpError,
)


class ErpCircuitOpenError(ErpUnavailableError):
    """The ERP is known to be down: no call is made until `retry_at`."""

    code = "erp_circuit_open"

    def __init__(self, message: str, *, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class ResilientAdapter:
    """An `ErpAdapter` that guards another one (see the module docstring).

    Args:
        inner: the adapter that talks to the ERP.
        settings: timeout, concurrency, retry and breaker numbers.
        secrets: values masked in every message (the secret adapter options).
        clock: monotonic seconds, for the breaker and the budget.
        sleep: how backoff waits; `asyncio.sleep` outside tests.
    """

    def __init__(
        self,
        inner: ErpAdapter,
        settings: ResilienceSettings | None = None,
        *,
        secrets: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.settings = settings or ResilienceSettings()
        self.redact = Redactor(secrets)
        self._limit = asyncio.Semaphore(max(self.settings.max_concurrency, 1))
        self._breaker = CircuitBreaker(
            self.settings.breaker_failures,
            self.settings.breaker_reset_s,
            probe_wait_s=self.settings.timeout_s,
            clock=clock,
        )
        self._budget = RetryBudget(
            self.settings.retry_budget, self.settings.retry_budget_per_s, clock=clock
        )
        self._sleep = sleep
        self._last_error: str | None = None
        self._accounts: int | None = None

    def state(self) -> AdapterState:
        """Breaker state, last error code, accounts seen, next probe time."""
        breaker = self._breaker.state
        retry_at = None
        if breaker is not BreakerState.CLOSED:
            retry_at = now() + timedelta(seconds=self._breaker.wait_s())
        return AdapterState(
            self.name, breaker, self._last_error, self._accounts, retry_at
        )

    async def account_by_number(self, number: str) -> Account | None:
        """The inner adapter's answer, guarded."""
        return await self._call(
            "account_by_number", lambda: self.inner.account_by_number(number)
        )

    async def accounts_by_domain(self, domain: str, limit: int = 50) -> list[Account]:
        """The inner adapter's answer, guarded."""
        return await self._call(
            "accounts_by_domain", lambda: self.inner.accounts_by_domain(domain, limit)
        )

    async def contact_by_email(self, email: str) -> tuple[Contact, Account] | None:
        """The inner adapter's answer, guarded."""
        return await self._call(
            "contact_by_email", lambda: self.inner.contact_by_email(email)
        )

    def accounts_changed_since(
        self, since: datetime | None
    ) -> AsyncGenerator[Account, None]:
        """The inner adapter's accounts, each step guarded (see `_steps`)."""
        return self._steps(
            "accounts_changed_since", self.inner.accounts_changed_since(since)
        )

    def contacts(self) -> AsyncGenerator[Contact, None]:
        """The inner adapter's contacts, each step guarded (see `_steps`); for an
        adapter without `contacts()`, its accounts' own addresses."""
        return self._steps("contacts", contacts_of(self.inner))

    async def _steps(
        self, operation: str, items: AsyncIterator[T]
    ) -> AsyncGenerator[T, None]:
        """The items of an inner listing, each step a guarded call.

        Steps are never retried: an async generator that failed cannot go on, and
        starting again would yield items twice. A failed step ends the iteration
        with the error; the caller starts again later.
        """
        iterator = items.__aiter__()
        try:
            while True:
                try:
                    item = await self._call(operation, iterator.__anext__, retry=False)
                except StopAsyncIteration:
                    return
                yield item
        finally:
            closing = getattr(iterator, "aclose", None)
            if closing is not None:
                await closing()

    async def health(self) -> Health:
        """The inner adapter's health, guarded; while the breaker is open, a
        not-ok health naming the probe time, without asking the ERP."""
        try:
            health = await self._call("health", self.inner.health, retry=False)
        except ErpCircuitOpenError as exc:
            return Health(False, self._accounts, exc.message)
        if health.accounts is not None:
            self._accounts = health.accounts
        return health

    async def close(self) -> None:
        """Close the inner adapter."""
        await self.inner.close()

    async def _call(
        self, operation: str, call: Callable[[], Awaitable[T]], *, retry: bool = True
    ) -> T:
        ticket = self._breaker.admit()
        if ticket is None:
            raise self._refused(operation)

        attempts = 1 if ticket.probe or not retry else 1 + self.settings.retries
        try:
            result = await self._attempts(operation, call, attempts)
        except StopAsyncIteration:
            self._breaker.succeeded(ticket)
            raise
        except ErpError as exc:
            # Not chained: the original message may hold what was just masked.
            raise self._failed(operation, ticket, exc) from None
        except BaseException:
            self._breaker.abandoned(ticket)
            raise
        if self._breaker.succeeded(ticket):
            log.info("erp.breaker_closed", adapter=self.name)
        return result

    async def _attempt(self, call: Callable[[], Awaitable[T]]) -> T:
        timeout_s = self.settings.timeout_s
        async with self._limit:
            try:
                async with asyncio.timeout(timeout_s):
                    return await call()
            except TimeoutError:
                raise ErpUnavailableError(
                    f"no answer within {timeout_s:g} s", code="erp_timeout"
                ) from None
            except OSError as exc:  # an adapter that let a network error escape
                raise ErpUnavailableError(
                    f"{type(exc).__name__}: {exc}", code="erp_unavailable"
                ) from exc

    async def _attempts(
        self, operation: str, call: Callable[[], Awaitable[T]], attempts: int
    ) -> T:
        """Up to `attempts` tries; a retry needs a transient failure and a token."""
        for attempt in range(1, attempts):
            try:
                return await self._attempt(call)
            except ErplinkError as exc:
                if not exc.transient or not self._budget.try_spend():
                    raise
                log.info(
                    "erp.call_retried",
                    adapter=self.name,
                    operation=operation,
                    attempt=attempt,
                    error=exc.code,
                )
            await self._sleep(self._backoff_s(attempt))
        return await self._attempt(call)

    def _backoff_s(self, attempt: int) -> float:
        """Doubling from `retry_backoff_s`, at most MAX_BACKOFF_S, jittered 0.5-1.5x."""
        base = min(MAX_BACKOFF_S, self.settings.retry_backoff_s * 2.0 ** (attempt - 1))
        return base * random.uniform(0.5, 1.5)

    def _failed(self, operation: str, ticket: Ticket, exc: ErpError) -> ErpError:
        detail = self.redact(str(exc))
        self._last_error = exc.code
        log.warning(
            "erp.call_failed",
            adapter=self.name,
            operation=operation,
            error=exc.code,
            detail=detail,
        )
        if not exc.transient:
            self._breaker.succeeded(ticket)  # the ERP answered, if only to refuse
            return same_kind(exc, f"{self.name} adapter, {operation}: {detail}")

        if self._breaker.failed(ticket):
            log.warning(
                "erp.breaker_opened",
                adapter=self.name,
                error=exc.code,
                retry_in_s=round(self._breaker.wait_s(), 2),
            )
        if self._breaker.state is BreakerState.CLOSED:
            return same_kind(exc, f"{self.name} adapter, {operation}: {detail}")
        return self._refused(operation, cause=f"{exc.code}: {detail}")

    def _refused(self, operation: str, cause: str = "") -> ErpCircuitOpenError:
        retry_at = now() + timedelta(seconds=self._breaker.wait_s())
        because = f" after {cause}" if cause else ""
        return ErpCircuitOpenError(
            f"{self.name} adapter, {operation}: the ERP is treated as down{because}; "
            f"no ERP calls until {retry_at:%H:%M:%S} UTC",
            retry_at=retry_at,
        )


def same_kind(exc: ErpError, message: str) -> ErpError:
    """A new error of the same category and code as `exc`, with `message`."""
    kind = next(k for k in _CATEGORIES if isinstance(exc, k))
    return kind(message, code=exc.code)
