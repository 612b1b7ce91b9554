"""A circuit breaker for calls to the ERP: closed, open, half-open with one probe.

- **closed**: calls pass; `failure_threshold` outage failures in a row open it.
- **open**: calls are refused at once, without touching the ERP, until the probe
  time (`reset_s` after opening).
- **half-open**: the probe time has passed; the first call is the probe and the
  only one let through. Success closes the breaker, failure opens it again.

Written here rather than taken from a library such as `purgatory` because erplink
needs three things from it that such libraries do not expose plainly: the exact
moment of the next probe (the worker defers inbox events until then without using
up their attempts), exactly one probe in flight, and the caller deciding what
counts as an outage (an ERP that refuses the credentials did answer). A monotonic
clock is injected so that tests can move time without sleeping.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass


class BreakerState(enum.StrEnum):
    """Where the breaker stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class Ticket:
    """Permission for one call; `probe` marks the half-open state's single try."""

    probe: bool


class CircuitBreaker:
    """Counts outage failures and refuses calls while the ERP is known to be down.

    Args:
        failure_threshold: consecutive outage failures that open the breaker.
        reset_s: how long it stays open before one probe is let through.
        probe_wait_s: how long callers refused during a probe should wait (about
            the longest a probe can take).
        clock: monotonic seconds; `time.monotonic` outside tests.
    """

    def __init__(
        self,
        failure_threshold: int,
        reset_s: float,
        *,
        probe_wait_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = max(failure_threshold, 1)
        self._reset_s = reset_s
        self._probe_wait_s = probe_wait_s
        self._clock = clock
        self._failures = 0
        self._opened_until: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        """Closed, open, or half-open once the probe time has come."""
        if self._opened_until is None:
            return BreakerState.CLOSED
        if self._probing or self._clock() >= self._opened_until:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    @property
    def consecutive_failures(self) -> int:
        """Outage failures since the last success."""
        return self._failures

    def admit(self) -> Ticket | None:
        """A ticket for one call, or None when the call must not reach the ERP."""
        state = self.state
        if state is BreakerState.CLOSED:
            return Ticket(probe=False)
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return Ticket(probe=True)

        return None

    def wait_s(self) -> float:
        """Seconds until a call may be admitted again (0 when it may be now)."""
        if self._opened_until is None:
            return 0.0
        if self._probing:
            return self._probe_wait_s
        return max(self._opened_until - self._clock(), 0.0)

    def succeeded(self, ticket: Ticket) -> bool:
        """Record that the ERP answered; True when this closed the breaker."""
        was_open = self._opened_until is not None
        self._failures = 0
        if ticket.probe or not self._probing:
            self._opened_until = None
            self._probing = False
            return was_open

        return False

    def failed(self, ticket: Ticket) -> bool:
        """Record an outage failure; True when this opened the breaker."""
        self._failures += 1
        if ticket.probe or (
            self._opened_until is None and self._failures >= self._threshold
        ):
            self._opened_until = self._clock() + self._reset_s
            self._probing = False
            return True

        return False

    def abandoned(self, ticket: Ticket) -> None:
        """The call ended without saying anything about the ERP (cancelled, a bug):
        free the probe slot so that the next call probes instead."""
        if ticket.probe:
            self._probing = False
