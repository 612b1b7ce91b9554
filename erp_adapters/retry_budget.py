"""A retry budget shared by every call to one ERP: retries cannot multiply an outage.

Each call may retry a transient failure a few times, but every retry spends a token
from one bucket for the whole process. The bucket holds `burst` tokens and refills
at `per_s` tokens a second, so a short hiccup is smoothed over while, during an
outage, the ERP sees at most `per_s` extra calls a second however many calls fail.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class RetryBudget:
    """A token bucket of retries.

    Args:
        burst: retries that may happen at once (the bucket's size).
        per_s: tokens added back each second.
        clock: monotonic seconds; `time.monotonic` outside tests.
    """

    def __init__(
        self,
        burst: float,
        per_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._burst = max(burst, 0.0)
        self._per_s = max(per_s, 0.0)
        self._clock = clock
        self._tokens = self._burst
        self._updated = clock()

    @property
    def remaining(self) -> float:
        """Tokens left now."""
        self._refill()
        return self._tokens

    def try_spend(self) -> bool:
        """Take one token for a retry; False (and nothing taken) when none is left."""
        self._refill()
        if self._tokens < 1.0:
            return False

        self._tokens -= 1.0
        return True

    def _refill(self) -> None:
        moment = self._clock()
        gained = (moment - self._updated) * self._per_s
        self._tokens = min(self._burst, self._tokens + gained)
        self._updated = moment
