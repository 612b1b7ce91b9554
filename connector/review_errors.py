"""The errors of review actions (re-exported by `connector.review`).

::

    ReviewError            review_error, or a specific code: not_found,
    │                      account_required, not_a_candidate, reason_required,
    │                      customer_missing
    ├── NotAllowedError    forbidden: the person may not do this (to this link)
    ├── AlreadyDecidedError already_decided: the link waits for no such decision
    └── RefusedError       refused: a safety rule forbids it (blocked, unknown)

Two people deciding at once: `connector.store.links.LinkConflictError`.
"""

from __future__ import annotations

from connector.errors import ErplinkError


class ReviewError(ErplinkError):
    """A review action that cannot be done as asked; `code` says why."""

    code = "review_error"


class NotAllowedError(ReviewError):
    """The person may not do this, or not to this link."""

    code = "forbidden"


class AlreadyDecidedError(ReviewError):
    """The link is not waiting for this decision (any more)."""

    code = "already_decided"


class RefusedError(ReviewError):
    """The action would break a safety rule, e.g. link a blocked or unknown account."""

    code = "refused"
