"""Review actions: what reps, admins and support do to one link.

Every action checks the person's role (and, for a rep, that the account is theirs),
writes Saleor, then saves the link with an audit entry naming the person. A refused
attempt is recorded in the separate `access_denied` table (see
`connector.store.reviews`) and changes nothing.

The engine still has the last word: a confirmation runs `judge` with the person's
approval, so a blocked account stays refused and a credit limit over the policy's
threshold still needs an admin, whoever confirms.

Two people deciding one link at once: both write Saleor, then both try to save;
the store lets exactly one win (`LinkConflictError` for the other), and the loser
rewrites Saleor from the winner's stored link. Between the loser's Saleor write and
that repair (one round trip) Saleor may show the loser's outcome; both outcomes
were chosen by a person entitled to decide that link.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from connector.linking.engine import judge
from connector.linking.model import (
    Account,
    Candidate,
    Customer,
    Decision,
    LinkState,
    Strategy,
)
from connector.linking.payload import customer_from_user
from connector.processing import LinkProcessor
from connector.resync import ReviewReason, resync_link, withdrawn
from connector.review_access import ReviewAccess
from connector.review_candidates import chosen as chosen_candidate
from connector.review_errors import (
    AlreadyDecidedError,
    NotAllowedError,
    RefusedError,
    ReviewError,
)
from connector.review_writes import ReviewWriter
from connector.reviewer import Action, Reviewer, Role
from connector.store.installations import Installation, InstallationStore
from connector.store.links import Link, LinkConflictError
from connector.store.reviews import ReviewStore

__all__ = [
    "AlreadyDecidedError",
    "LinkConflictError",
    "NotAllowedError",
    "RefusedError",
    "ReviewError",
    "ReviewReason",
    "ReviewService",
    "Reviewer",
    "Role",
]


_WAITING_FOR: dict[Action, frozenset[LinkState]] = {
    Action.CONFIRM: frozenset({LinkState.AWAITING_REP, LinkState.AWAITING_ADMIN}),
    Action.REJECT: frozenset({LinkState.AWAITING_REP, LinkState.AWAITING_ADMIN}),
    Action.APPROVE: frozenset({LinkState.AWAITING_ADMIN}),
}


class ReviewService:
    """The review actions, for the admin API, the CLI and one-click e-mails."""

    def __init__(
        self,
        processor: LinkProcessor,
        installations: InstallationStore,
        reviews: ReviewStore,
    ) -> None:
        self._processor = processor
        self._installations = installations
        self.reviews = reviews
        self.access = ReviewAccess(processor, reviews)
        self._writer = ReviewWriter(processor, reviews)

    async def get_link(self, link_id: int) -> Link:
        """The link with this id.

        Raises:
            ReviewError: code `not_found`, no such link.
        """
        link = await self.reviews.link(link_id)
        if link is None:
            raise ReviewError(f"there is no link {link_id}", code="not_found")
        return link

    async def confirm(
        self,
        link_id: int,
        reviewer: Reviewer,
        *,
        account: str | None = None,
        expected_version: int | None = None,
    ) -> Link:
        """A rep or admin confirms the match, choosing a candidate if several.

        Raises:
            NotAllowedError: not a rep or admin, or a rep of another account.
            AlreadyDecidedError: the link waits for no confirmation, or moved on
                from `expected_version`.
            RefusedError: the chosen account is blocked or no longer in the ERP.
            ReviewError: `account` is needed or is not among the candidates.
        """
        link = await self._open(link_id, reviewer, Action.CONFIRM, expected_version)
        if link.state is LinkState.AWAITING_ADMIN and reviewer.role is not Role.ADMIN:
            await self.access.deny(reviewer, Action.CONFIRM, link, "waits for an admin")
        candidate = chosen_candidate(link, account)
        chosen = await self._account(reviewer, Action.CONFIRM, link, candidate)
        await self.access.require_owner(reviewer, Action.CONFIRM, link, [chosen])

        found = dataclasses.replace(candidate, account=chosen)
        evidence = {"action": "confirm", "confirmed": chosen.number}
        return await self._judge_and_save(link, reviewer, found, evidence)

    async def approve(
        self, link_id: int, reviewer: Reviewer, *, expected_version: int | None = None
    ) -> Link:
        """An admin approves a link waiting for one (credit limit, price list).

        Raises:
            NotAllowedError: not an admin.
            AlreadyDecidedError: the link waits for no admin.
            RefusedError: the account is blocked or gone, or its price list is
                still unmapped.
        """
        link = await self._open(link_id, reviewer, Action.APPROVE, expected_version)
        candidate = chosen_candidate(link, link.account_number or None)
        chosen = await self._account(reviewer, Action.APPROVE, link, candidate)
        if not self._processor.policy.customer_type_for(chosen.price_list):
            await self.access.refuse(
                reviewer,
                Action.APPROVE,
                link,
                f"price list {chosen.price_list!r} has no customer type yet; "
                "map it in the policy first",
            )

        found = dataclasses.replace(candidate, account=chosen)
        evidence = {"action": "approve", "approved": chosen.number}
        return await self._judge_and_save(link, reviewer, found, evidence)

    async def reject(
        self,
        link_id: int,
        reviewer: Reviewer,
        *,
        reason: str,
        expected_version: int | None = None,
    ) -> Link:
        """A rep or admin rejects the match; the customer stays without prices.

        Raises:
            NotAllowedError: not a rep or admin, or a rep of another account.
            AlreadyDecidedError: the link waits for no decision.
            ReviewError: code `reason_required`, the reason is empty.
        """
        _require_reason(reason)
        link = await self._open(link_id, reviewer, Action.REJECT, expected_version)
        if link.state is LinkState.AWAITING_ADMIN and reviewer.role is not Role.ADMIN:
            await self.access.deny(reviewer, Action.REJECT, link, "waits for an admin")

        rejected = withdrawn(link, LinkState.REJECTED, ReviewReason.REJECTED)
        return await self._save(link, rejected, reviewer, "reject", reason)

    async def relink(
        self, link_id: int, reviewer: Reviewer, *, account: str, reason: str
    ) -> Link:
        """Support or an admin links the customer to the account they name.

        The engine still judges the link: above the credit limit it waits for an
        admin, with an unmapped price list likewise.

        Raises:
            NotAllowedError: not support or an admin.
            RefusedError: the account is blocked or unknown to the ERP.
            ReviewError: code `reason_required`, the reason is empty.
        """
        _require_reason(reason)
        link = await self._open(link_id, reviewer, Action.RELINK, None)
        manual = Candidate(Account(account.strip(), ""), Strategy.MANUAL, (), False)
        chosen = await self._account(reviewer, Action.RELINK, link, manual)

        found = dataclasses.replace(manual, account=chosen, matched=("person",))
        evidence = {"action": "relink", "note": reason, "relinked": chosen.number}
        return await self._judge_and_save(link, reviewer, found, evidence)

    async def unlink(self, link_id: int, reviewer: Reviewer, *, reason: str) -> Link:
        """Support or an admin puts the customer back on hold, without prices.

        Raises:
            NotAllowedError: not support or an admin.
            AlreadyDecidedError: the link is on hold already.
            ReviewError: code `reason_required`, the reason is empty.
        """
        _require_reason(reason)
        link = await self._open(link_id, reviewer, Action.UNLINK, None)
        if link.state is LinkState.ON_HOLD:
            raise AlreadyDecidedError(f"link {link.id} is on hold already")

        held = withdrawn(link, LinkState.ON_HOLD, ReviewReason.UNLINKED)
        return await self._save(link, held, reviewer, "unlink", reason)

    async def resync(self, link_id: int, reviewer: Reviewer) -> Link:
        """Read ERP and Saleor again, decide again and repair Saleor's copy.

        See `connector.resync` for what each state becomes.

        Raises:
            NotAllowedError: not support or an admin.
            ReviewError: code `customer_missing`, Saleor no longer has the customer.
        """
        link = await self._open(link_id, reviewer, Action.RESYNC, None)
        installation = await self._installation(link)
        return await resync_link(self, installation, link, reviewer)

    async def authorize(
        self, reviewer: Reviewer, action: Action, link: Link | None = None
    ) -> None:
        """Raise (and record) `NotAllowedError` unless `reviewer` may do `action`
        (to `link`: a rep only to links of their accounts)."""
        await self.access.authorize(reviewer, action, link)

    async def accounts_of(self, link: Link) -> list[Account]:
        """The ERP accounts a link names: its account and every candidate."""
        return await self.access.accounts_of(link)

    async def customer(
        self, installation: Installation, link: Link
    ) -> tuple[Customer, dict[str, Any]]:
        """The customer as Saleor has them now, and the raw `User` read.

        Raises:
            ReviewError: code `customer_missing`, Saleor no longer has them.
        """
        client = self._processor.saleor.client(installation)
        data = await client.execute("CustomerLinkState", id=link.user_id)
        user: dict[str, Any] | None = data.get("user")
        if user is None:
            raise ReviewError(
                f"Saleor has no customer {link.user_id} any more",
                code="customer_missing",
            )
        return customer_from_user(user), user

    @property
    def processor(self) -> LinkProcessor:
        """The processor whose policy and clients the actions use."""
        return self._processor

    async def _open(
        self,
        link_id: int,
        reviewer: Reviewer,
        action: Action,
        expected_version: int | None,
    ) -> Link:
        """Load the link and check the person and the link's state."""
        link = await self.reviews.link(link_id)
        if link is None:
            await self.access.record(reviewer, action, None, "not_found", str(link_id))
            raise ReviewError(f"there is no link {link_id}", code="not_found")
        await self.authorize(reviewer, action, link)
        if expected_version is not None and expected_version != link.version:
            raise AlreadyDecidedError(
                f"link {link.id} changed since this request was issued "
                f"(version {expected_version}, now {link.version})"
            )
        waiting = _WAITING_FOR.get(action)
        if waiting is not None and link.state not in waiting:
            raise AlreadyDecidedError(
                f"link {link.id} is {link.state.value}: it waits for no {action}"
            )
        return link

    async def _account(
        self, reviewer: Reviewer, action: Action, link: Link, candidate: Candidate
    ) -> Account:
        """The candidate's account as the ERP has it now; refused if unusable."""
        number = candidate.account.number
        account = await self._processor.adapter.account_by_number(number)
        if account is None:
            await self.access.refuse(
                reviewer, action, link, f"account {number!r} is unknown to the ERP"
            )
        if account.is_blocked:
            await self.access.refuse(
                reviewer,
                action,
                link,
                f"account {number!r} is blocked in the ERP ({account.blocked})",
            )
        return account

    async def _judge_and_save(
        self,
        link: Link,
        reviewer: Reviewer,
        candidate: Candidate,
        evidence: dict[str, Any],
    ) -> Link:
        installation = await self._installation(link)
        customer, _ = await self.customer(installation, link)
        policy = self._processor.policy
        decision = judge(candidate, customer, policy, approvals=reviewer.approvals)
        return await self.apply(
            installation, link, customer, decision, reviewer, evidence
        )

    async def apply(
        self,
        installation: Installation,
        link: Link,
        customer: Customer,
        decision: Decision,
        reviewer: Reviewer,
        evidence: dict[str, Any],
    ) -> Link:
        """Write a person's decision; on a lost race, repair Saleor and re-raise."""
        return await self._writer.decision(
            installation, link, customer, decision, reviewer, evidence
        )

    async def _save(
        self, link: Link, updated: Link, reviewer: Reviewer, action: str, note: str
    ) -> Link:
        installation = await self._installation(link)
        evidence = {"action": action, "note": note}
        return await self._writer.change(
            installation, link, updated, reviewer, evidence
        )

    async def _installation(self, link: Link) -> Installation:
        installation = await self._installations.by_id(link.installation_id)
        if installation is None:
            raise ReviewError(
                f"link {link.id} belongs to no installation", code="not_found"
            )
        return installation


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise ReviewError("say why, in a few words", code="reason_required")
