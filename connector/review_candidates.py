"""The candidate a person picks from a link's stored candidates."""

from __future__ import annotations

from typing import Any

from connector.linking.model import Account, Candidate, Strategy
from connector.review_errors import ReviewError
from connector.store.links import Link

_MAILBOX_STRATEGIES = frozenset({Strategy.CONTACT_EMAIL, Strategy.EMAIL_DOMAIN})


def chosen(link: Link, account: str | None) -> Candidate:
    """The stored candidate named `account` (the only one, or the link's own
    account, when none is named).

    Raises:
        ReviewError: code `account_required` with several candidates and no name,
            `not_a_candidate` for an account the match did not find.
    """
    stored = link.candidates
    if account is None and len(stored) == 1:
        return candidate_of(stored[0])
    if account is None and link.account_number:
        account = link.account_number
    if account is None:
        raise ReviewError(
            f"link {link.id} has {len(stored)} candidates: name the account",
            code="account_required",
        )
    for entry in stored:
        if entry.get("account") == account:
            return candidate_of(entry)
    raise ReviewError(
        f"account {account!r} is not a candidate of link {link.id}",
        code="not_a_candidate",
    )


def candidate_of(entry: dict[str, Any]) -> Candidate:
    """A stored candidate, with its mailbox requirement derived as the engine does
    (e-mail evidence needs a proven mailbox; a post code does not)."""
    strategy = Strategy(entry.get("strategy") or Strategy.MANUAL)
    matched = tuple(entry.get("matched") or ())
    mailbox = strategy in _MAILBOX_STRATEGIES or "email.domain" in matched
    account = Account(str(entry["account"]), str(entry.get("name", "")))
    return Candidate(account, strategy, matched, mailbox)
