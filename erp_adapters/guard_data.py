"""The plain data of the adapter guard (`resilience.py`): its numbers, and the state
it reports to `/readyz`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from erp_adapters.breaker import BreakerState


@dataclass(frozen=True, slots=True)
class ResilienceSettings:
    """The numbers of the guard (ERPLINK_ERP_* settings).

    Attributes:
        timeout_s: the longest one attempt of one call may take.
        max_concurrency: calls in flight at once, across the process.
        retries: extra attempts for a transient failure (0 disables retrying).
        retry_backoff_s: the first backoff; it doubles, with jitter, up to 1 s.
        retry_budget: retries that may happen in a burst, process-wide.
        retry_budget_per_s: retries added back to the budget each second.
        breaker_failures: consecutive outage failures that open the breaker.
        breaker_reset_s: how long the breaker stays open before a probe.
    """

    timeout_s: float = 5.0
    max_concurrency: int = 8
    retries: int = 2
    retry_backoff_s: float = 0.1
    retry_budget: float = 10.0
    retry_budget_per_s: float = 1.0
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0


@dataclass(frozen=True, slots=True)
class AdapterState:
    """What `/readyz` shows about the adapter."""

    name: str
    breaker: BreakerState
    last_error: str | None
    accounts: int | None
    retry_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "breaker": self.breaker.value,
            "last_error": self.last_error,
            "accounts": self.accounts,
            "retry_at": self.retry_at.isoformat(timespec="seconds")
            if self.retry_at
            else None,
        }
