"""Resync of one customer: read ERP and Saleor again, decide again, repair drift.

- A linked customer keeps the link while the ERP account is usable. The account is
  read again: blocked or gone puts the customer back on hold; a changed price list
  is reassigned (or waits for an admin while it has no customer type). The credit
  limit is not checked again: a person approved it, or it was below the threshold,
  when the link was made.
- A customer rejected by a person stays rejected: only a relink changes that.
- Every other customer is decided again by the engine, as a new event would be.
- Then Saleor's copy is compared with the stored link (link status, account, price
  list in private metadata, and the customer type); any difference is rewritten.

One audit entry with the actor records the resync and what it repaired, besides
the transition entry when the state changed.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from connector.linking.engine import Approval, judge
from connector.linking.model import Account, Candidate, LinkState, Reason, Strategy
from connector.linking.payload import metadata_dict
from connector.processing import STATUS_KEY
from connector.reviewer import Reviewer
from connector.store.installations import Installation
from connector.store.links import Actor, Link

if TYPE_CHECKING:
    from connector.review import ReviewService


class ReviewReason:
    """Link reasons written by people's actions (beside the engine's `Reason`)."""

    REJECTED = "rejected_by_reviewer"
    UNLINKED = "unlinked_by_support"
    ACCOUNT_GONE = "account_unknown"


_VOUCHED = frozenset({Approval.REP, Approval.ADMIN, Approval.MAILBOX})
RESYNCED = "resynced"


async def resync_link(
    service: ReviewService, installation: Installation, link: Link, reviewer: Reviewer
) -> Link:
    """Resync one link (see the module docstring); returns the stored result."""
    customer, _ = await service.customer(installation, link)
    processor = service.processor
    actor = Actor(reviewer.role.value, reviewer.name)

    if link.state is LinkState.LINKED:
        saved = await _recheck_linked(service, installation, link, reviewer)
    elif link.state is LinkState.REJECTED:
        saved = link
    else:
        saved = await processor.relink(installation, link, customer, actor=actor)

    repaired = await _repair_drift(service, installation, saved)
    evidence: dict[str, Any] = {"action": "resync", "repaired": repaired}
    await service.reviews.note(saved, actor, RESYNCED, evidence)
    return saved


async def _recheck_linked(
    service: ReviewService, installation: Installation, link: Link, reviewer: Reviewer
) -> Link:
    adapter = service.processor.adapter
    account = await adapter.account_by_number(link.account_number)
    if account is None or account.is_blocked:
        gone = account is None
        reason = ReviewReason.ACCOUNT_GONE if gone else Reason.ACCOUNT_BLOCKED
        return await _hold(service, installation, link, reviewer, str(reason))

    customer, _ = await service.customer(installation, link)
    candidate = _linked_candidate(link, account)
    policy = service.processor.policy
    decision = judge(candidate, customer, policy, approvals=_VOUCHED)
    evidence = {"action": "resync", "account": account.number}
    return await service.apply(
        installation, link, customer, decision, reviewer, evidence
    )


async def _hold(
    service: ReviewService,
    installation: Installation,
    link: Link,
    reviewer: Reviewer,
    reason: str,
) -> Link:
    held = withdrawn(link, LinkState.ON_HOLD, reason)
    evidence = {"action": "resync", "account": link.account_number}
    actor = Actor(reviewer.role.value, reviewer.name)
    return await service.processor.commit(
        installation, link, held, evidence, actor=actor
    )


def withdrawn(link: Link, state: LinkState, reason: str) -> Link:
    """The link without an account: on hold or rejected, showing no prices."""
    return dataclasses.replace(
        link,
        state=state,
        reason=reason,
        account_number="",
        price_list="",
        customer_type="",
    )


def _linked_candidate(link: Link, account: Account) -> Candidate:
    stored = next(
        (c for c in link.candidates if c.get("account") == account.number), {}
    )
    strategy = Strategy(link.strategy or Strategy.MANUAL)
    return Candidate(account, strategy, tuple(stored.get("matched") or ()), False)


async def _repair_drift(
    service: ReviewService, installation: Installation, link: Link
) -> list[str]:
    """Rewrite Saleor's copy of the link where it differs; the fields that did."""
    _, user = await service.customer(installation, link)
    drift = _differences(service, link, user)
    if drift:
        private = metadata_dict(user.get("privateMetadata"))
        stale = any(private.get(k) for k in ("erp.account", "erp.price_list"))
        await service.processor.write_link(installation, link, clear=stale)

    return drift


def _differences(service: ReviewService, link: Link, user: dict[str, Any]) -> list[str]:
    private = metadata_dict(user.get("privateMetadata"))
    policy = service.processor.policy
    linked = link.state is LinkState.LINKED
    expected = {
        STATUS_KEY: link.state.value,
        "erp.account": link.account_number if linked else "",
        "erp.price_list": link.price_list if linked else "",
    }
    drift = [k for k, v in expected.items() if private.get(k, "") != v]
    if not policy.metadata_only:
        wanted = link.customer_type if linked else policy.no_pricing_customer_type
        if (user.get("customerType") or {}).get("slug") != wanted:
            drift.append("customerType")
    return drift
