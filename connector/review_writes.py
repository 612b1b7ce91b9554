"""Writing a person's decision: Saleor first, then the store with the audit entry.

When the store refuses the save because someone else decided first
(`LinkConflictError`), Saleor may already show this person's outcome: it is
rewritten from the winner's stored link before the conflict is raised.
"""

from __future__ import annotations

from typing import Any

import structlog

from connector.linking.model import Customer, Decision
from connector.processing import LinkProcessor
from connector.reviewer import Reviewer, masked
from connector.store.installations import Installation
from connector.store.links import Actor, Link, LinkConflictError
from connector.store.reviews import ReviewStore

log = structlog.get_logger(__name__)


def actor_of(reviewer: Reviewer) -> Actor:
    """The audit's actor for a person."""
    return Actor(reviewer.role.value, reviewer.name)


class ReviewWriter:
    """Saves people's decisions and repairs Saleor after a lost race."""

    def __init__(self, processor: LinkProcessor, reviews: ReviewStore) -> None:
        self._processor = processor
        self._reviews = reviews

    async def decision(
        self,
        installation: Installation,
        link: Link,
        customer: Customer,
        decision: Decision,
        reviewer: Reviewer,
        evidence: dict[str, Any],
    ) -> Link:
        """Write the engine's decision on a person's choice."""
        try:
            saved = await self._processor.apply_decision(
                installation,
                link,
                customer,
                decision,
                actor=actor_of(reviewer),
                evidence=evidence,
            )
        except LinkConflictError:
            await self._repair(installation, link)
            raise
        _log_action(str(evidence["action"]), reviewer, link, saved)
        return saved

    async def change(
        self,
        installation: Installation,
        link: Link,
        updated: Link,
        reviewer: Reviewer,
        evidence: dict[str, Any],
    ) -> Link:
        """Write a change a person made directly (reject, unlink)."""
        try:
            saved = await self._processor.commit(
                installation, link, updated, evidence, actor=actor_of(reviewer)
            )
        except LinkConflictError:
            await self._repair(installation, link)
            raise
        _log_action(str(evidence["action"]), reviewer, link, saved)
        return saved

    async def _repair(self, installation: Installation, link: Link) -> None:
        """The other writer won: make Saleor show what the store now holds."""
        current = await self._reviews.link(link.id)
        if current is not None:
            await self._processor.write_link(installation, current)
        log.info("review.conflict", link=link.id, version=link.version)


def _log_action(action: str, reviewer: Reviewer, old: Link, new: Link) -> None:
    log.info(
        "review.action",
        action=action,
        role=reviewer.role.value,
        reviewer=masked(reviewer.name),
        link=old.id,
        from_state=old.state.value,
        to_state=new.state.value,
        reason=new.reason,
    )
