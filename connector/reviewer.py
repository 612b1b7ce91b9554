"""Who may act on a link: the roles of erplink's people and what each may do.

The rules are pure. `connector.review` applies them before every action; the API
keys and dashboard tokens of `connector.credentials` turn a request into a
`Reviewer`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from connector.linking.engine import Approval


class Role(enum.StrEnum):
    """The three kinds of people who act on links."""

    ADMIN = "admin"
    SALES_REP = "sales_rep"
    SUPPORT = "support"


class Action(enum.StrEnum):
    """What a person can do to a link; the names appear in the audit."""

    VIEW = "view"
    CONFIRM = "confirm"
    APPROVE = "approve"
    REJECT = "reject"
    RELINK = "relink"
    UNLINK = "unlink"
    RESYNC = "resync"
    EDIT_POLICY = "edit_policy"
    RETRY_DEAD_LETTER = "retry_dead_letter"


# A rep decides only on their own accounts; support repairs but never vouches for
# a match it was asked to review; admins may do everything.
_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.SALES_REP: frozenset({Action.VIEW, Action.CONFIRM, Action.REJECT}),
    Role.SUPPORT: frozenset(
        {
            Action.VIEW,
            Action.RELINK,
            Action.UNLINK,
            Action.RESYNC,
            Action.RETRY_DEAD_LETTER,
        }
    ),
}


@dataclass(frozen=True)
class Reviewer:
    """A person acting on links.

    Attributes:
        role: what they may do.
        name: the API key's name or the staff user's e-mail, for the audit.
        rep_code: the ERP salesperson code of a sales rep ("" for other roles).
    """

    role: Role
    name: str
    rep_code: str = ""

    def may(self, action: Action) -> bool:
        """Whether the role allows `action` at all (ownership is checked apart)."""
        return action in _ALLOWED[self.role]

    @property
    def approvals(self) -> frozenset[str]:
        """What this person's decision vouches for in the linking engine."""
        if self.role is Role.ADMIN:
            return frozenset({Approval.REP, Approval.ADMIN})
        return frozenset({Approval.REP})


def masked(name: str) -> str:
    """`anna.schmidt@acme.de` -> `a***@acme.de`, for logs; other names are kept."""
    local, at, domain = name.partition("@")
    if not at:
        return name
    return f"{local[:1]}***@{domain}"
