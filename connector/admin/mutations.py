"""The admin API's mutations: review actions, jobs, dead letters and the policy.

Each returns the changed object; a refusal is a GraphQL error whose
`extensions.code` is the stable code of the erplink error (see `errors`).
"""

from __future__ import annotations

import strawberry

from connector.admin.config_types import JobView, PolicyInput, PolicyView
from connector.admin.context import AdminContext
from connector.admin.policy_input import changed_policy
from connector.admin.types import CustomerLink
from connector.bulk import start_resync_all
from connector.policy_sync import save_policy
from connector.reviewer import Action


def _context(info: strawberry.Info) -> AdminContext:
    context: AdminContext = info.context
    return context


@strawberry.type
class Mutation:
    """What reps, admins and support can do."""

    @strawberry.mutation
    async def confirm_link(
        self,
        info: strawberry.Info,
        id: int,
        account: str | None = None,
        expected_version: int | None = None,
    ) -> CustomerLink:
        """Confirm a match (naming the account when there are several candidates)."""
        context = _context(info)
        reviewer = await context.reviewer()
        link = await context.services.review.confirm(
            id, reviewer, account=account, expected_version=expected_version
        )
        return CustomerLink.of(link)

    @strawberry.mutation
    async def approve_link(
        self, info: strawberry.Info, id: int, expected_version: int | None = None
    ) -> CustomerLink:
        """Approve a link waiting for an admin (admins only)."""
        context = _context(info)
        reviewer = await context.reviewer()
        link = await context.services.review.approve(
            id, reviewer, expected_version=expected_version
        )
        return CustomerLink.of(link)

    @strawberry.mutation
    async def reject_link(
        self,
        info: strawberry.Info,
        id: int,
        reason: str,
        expected_version: int | None = None,
    ) -> CustomerLink:
        """Reject a match; the customer stays without prices."""
        context = _context(info)
        reviewer = await context.reviewer()
        link = await context.services.review.reject(
            id, reviewer, reason=reason, expected_version=expected_version
        )
        return CustomerLink.of(link)

    @strawberry.mutation
    async def relink_customer(
        self, info: strawberry.Info, id: int, account: str, reason: str
    ) -> CustomerLink:
        """Link a customer to the account support names (support and admins)."""
        context = _context(info)
        reviewer = await context.reviewer()
        link = await context.services.review.relink(
            id, reviewer, account=account, reason=reason
        )
        return CustomerLink.of(link)

    @strawberry.mutation
    async def unlink_customer(
        self, info: strawberry.Info, id: int, reason: str
    ) -> CustomerLink:
        """Put a customer back on hold, without prices (support and admins)."""
        context = _context(info)
        reviewer = await context.reviewer()
        link = await context.services.review.unlink(id, reviewer, reason=reason)
        return CustomerLink.of(link)

    @strawberry.mutation
    async def resync_customer(self, info: strawberry.Info, id: int) -> CustomerLink:
        """Read ERP and Saleor again for one customer and repair drift."""
        context = _context(info)
        reviewer = await context.reviewer()
        link = await context.services.review.resync(id, reviewer)
        return CustomerLink.of(link)

    @strawberry.mutation
    async def resync_all_linked(self, info: strawberry.Info) -> JobView:
        """Start a resync of every linked customer; query `job` for progress."""
        context = _context(info)
        reviewer = await context.allowed(Action.RESYNC)
        job = await start_resync_all(context.services, reviewer)
        return JobView.of(job)

    @strawberry.mutation
    async def retry_dead_letter(self, info: strawberry.Info, id: int) -> int:
        """Queue a dead letter again; how many were queued (0 or 1)."""
        context = _context(info)
        await context.allowed(Action.RETRY_DEAD_LETTER)
        queued = await context.services.inbox.revive([id])
        context.services.wakeup.set()
        return queued

    @strawberry.mutation
    async def update_policy(
        self, info: strawberry.Info, changes: PolicyInput
    ) -> PolicyView:
        """Change the policy and mapping (admins only): stored, versioned, audited."""
        context = _context(info)
        reviewer = await context.allowed(Action.EDIT_POLICY)
        policy = changed_policy(context.services.policy, changes)
        version = await save_policy(context.services, policy, reviewer)
        return PolicyView.of(policy, version)
