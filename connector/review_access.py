"""Who may act on which link, and the record of refused attempts.

A role allows actions (`connector.reviewer`); a sales rep, in addition, acts only
on links naming an account whose ERP salesperson they are. Every refusal is
written to `access_denied` and logged before it is raised.
"""

from __future__ import annotations

from typing import NoReturn

import structlog

from connector.linking.model import Account
from connector.processing import LinkProcessor
from connector.review_errors import NotAllowedError, RefusedError
from connector.reviewer import Action, Reviewer, Role, masked
from connector.store.links import Actor, Link
from connector.store.reviews import ReviewStore

log = structlog.get_logger(__name__)


class ReviewAccess:
    """Checks people against links and records what they were refused."""

    def __init__(self, processor: LinkProcessor, reviews: ReviewStore) -> None:
        self._processor = processor
        self._reviews = reviews

    async def authorize(
        self, reviewer: Reviewer, action: Action, link: Link | None = None
    ) -> None:
        """Raise (and record) `NotAllowedError` unless the role allows `action`.

        For a rep acting on a link, the link's accounts must include one of theirs.
        """
        if not reviewer.may(action):
            await self.deny(reviewer, action, link, f"a {reviewer.role} may not")
        if link is not None and reviewer.role is Role.SALES_REP:
            await self.require_owner(
                reviewer, action, link, await self.accounts_of(link)
            )

    async def accounts_of(self, link: Link) -> list[Account]:
        """The ERP accounts a link names: its account and every candidate."""
        numbers = {link.account_number, *(c["account"] for c in link.candidates)}
        adapter = self._processor.adapter
        found = [await adapter.account_by_number(n) for n in sorted(numbers) if n]
        return [a for a in found if a is not None]

    async def require_owner(
        self, reviewer: Reviewer, action: Action, link: Link, accounts: list[Account]
    ) -> None:
        """A rep must be the salesperson of one of `accounts`; others pass."""
        if reviewer.role is not Role.SALES_REP:
            return
        if any(a.salesperson == reviewer.rep_code for a in accounts if a.salesperson):
            return
        await self.deny(reviewer, action, link, "not an account of this rep")

    async def deny(
        self, reviewer: Reviewer, action: Action, link: Link | None, why: str
    ) -> NoReturn:
        """Record and raise `NotAllowedError`."""
        await self.record(reviewer, action, link, NotAllowedError.code, why)
        target = f"link {link.id}" if link else "this"
        raise NotAllowedError(f"{action} of {target} is not allowed: {why}")

    async def refuse(
        self, reviewer: Reviewer, action: Action, link: Link, why: str
    ) -> NoReturn:
        """Record and raise `RefusedError`."""
        await self.record(reviewer, action, link, RefusedError.code, why)
        raise RefusedError(f"{action} of link {link.id} refused: {why}")

    async def record(
        self,
        reviewer: Reviewer,
        action: Action,
        link: Link | None,
        code: str,
        why: str,
    ) -> None:
        """Write one refused attempt to `access_denied` and the log."""
        link_id = link.id if link else None
        actor = Actor(reviewer.role.value, reviewer.name)
        await self._reviews.deny(actor, action.value, link_id, code, why)
        log.warning(
            "review.denied",
            action=action.value,
            role=reviewer.role.value,
            reviewer=masked(reviewer.name),
            link=link_id,
            code=code,
        )
