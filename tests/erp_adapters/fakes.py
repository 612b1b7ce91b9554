"""A misbehaving ERP adapter for the resilience tests: a real adapter underneath,
with an outage, slowness or refused credentials switched on at will."""

from __future__ import annotations

import asyncio
import enum
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from structlog.testing import CapturingLogger

from connector.linking.model import Account, Contact
from erp_adapters import resilience
from erp_adapters.base import (
    ErpAdapter,
    ErpUnauthorizedError,
    ErpUnavailableError,
    Health,
)

SECRET = "s3cret-Passw0rd"


class Mode(enum.StrEnum):
    """How the ERP behaves."""

    UP = "up"
    DOWN = "down"
    SLOW = "slow"
    UNAUTHORIZED = "unauthorized"


class FlakyErp:
    """Answers like `inner` while up; fails the way `mode` says otherwise.

    `calls` counts every call that reached this adapter, by operation.
    """

    def __init__(self, inner: ErpAdapter, *, slow_s: float = 5.0) -> None:
        self.inner = inner
        self.name = "flaky"
        self.mode = Mode.UP
        self.slow_s = slow_s
        self.calls: Counter[str] = Counter()

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    async def _gate(self, operation: str) -> None:
        self.calls[operation] += 1
        if self.mode is Mode.DOWN:
            raise ErpUnavailableError("connection refused by erp.internal:1433")
        if self.mode is Mode.UNAUTHORIZED:
            raise ErpUnauthorizedError(
                f"login failed for user 'erplink' with password '{SECRET}'"
            )
        if self.mode is Mode.SLOW:
            await asyncio.sleep(self.slow_s)

    async def account_by_number(self, number: str) -> Account | None:
        await self._gate("account_by_number")
        return await self.inner.account_by_number(number)

    async def accounts_by_domain(self, domain: str, limit: int = 50) -> list[Account]:
        await self._gate("accounts_by_domain")
        return await self.inner.accounts_by_domain(domain, limit)

    async def contact_by_email(self, email: str) -> tuple[Contact, Account] | None:
        await self._gate("contact_by_email")
        return await self.inner.contact_by_email(email)

    async def accounts_changed_since(
        self, since: datetime | None
    ) -> AsyncIterator[Account]:
        await self._gate("accounts_changed_since")
        async for account in self.inner.accounts_changed_since(since):
            yield account

    async def contacts(self) -> AsyncIterator[Contact]:
        # gated per item: a step in the middle of the listing can fail too
        async for contact in self.inner.contacts():
            await self._gate("contacts")
            yield contact

    async def health(self) -> Health:
        await self._gate("health")
        return await self.inner.health()

    async def close(self) -> None:
        await self.inner.close()


class FakeClock:
    """Monotonic time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def no_sleep(_: float) -> None:
    """Backoff that does not wait (the budget and attempt counts are what matter)."""


def record_guard_logs(monkeypatch: pytest.MonkeyPatch) -> CapturingLogger:
    """Record what the adapter guard logs.

    The guard's module logger is swapped rather than structlog reconfigured:
    loggers cached by an earlier `configure_logging` would not see a new config.
    """
    recorder = CapturingLogger()
    monkeypatch.setattr(resilience, "log", recorder)
    return recorder


def logged(recorder: CapturingLogger) -> list[dict[str, Any]]:
    """Each recorded event as one dict: `event` plus its fields."""
    return [{"event": call.args[0], **call.kwargs} for call in recorder.calls]
