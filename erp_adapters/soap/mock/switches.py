"""Ways to make the mock ERP misbehave, settable at start-up and at run time."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any


class Reply(enum.StrEnum):
    """What the mock answers instead of the real result."""

    NORMAL = "normal"
    HTML_ERROR = "html_error"  # an IIS / proxy error page with HTTP 500
    TRUNCATED = "truncated"  # the real reply cut off in the middle
    MALFORMED = "malformed"  # a reply that is not XML at all
    PERMISSION_FAULT = "permission_fault"  # NavPermissionException, as for a user
    # whose permission set lacks the page
    NOT_FOUND_FAULT = "not_found_fault"  # NavCSideRecordNotFoundException, as some
    # NAV versions answer a Read of a missing record, or a bookmark of a deleted one


@dataclass
class Switches:
    """The misbehaviour in force; the app reads it on every request.

    Attributes:
        latency_s: added before every answer, including faults.
        fault_rate: share of calls (0..1) answered with a ServiceBrokerException.
        outage: answer every call with HTTP 503 and an HTML page.
        reply: replace every answer with a broken one (see `Reply`).
    """

    latency_s: float = 0.0
    fault_rate: float = 0.0
    outage: bool = False
    reply: Reply = Reply.NORMAL

    def update(self, changes: Mapping[str, Any]) -> None:
        """Applies changes from a JSON object, all or none.

        Raises:
            ValueError: an unknown switch or a value out of range; nothing changed.
        """
        unknown = sorted(set(changes) - set(asdict(self)))
        if unknown:
            raise ValueError(f"unknown switches: {', '.join(unknown)}")
        merged = {**asdict(self), **changes}
        latency, rate = float(merged["latency_s"]), float(merged["fault_rate"])
        if latency < 0 or not 0 <= rate <= 1:
            raise ValueError("latency_s must be >= 0 and fault_rate within 0..1")
        if not isinstance(merged["outage"], bool):
            raise ValueError("outage must be true or false")
        reply = Reply(merged["reply"])
        self.latency_s, self.fault_rate = latency, rate
        self.outage, self.reply = merged["outage"], reply

    def as_json(self) -> dict[str, Any]:
        """The switches as a JSON-ready object."""
        return {**asdict(self), "reply": self.reply.value}
