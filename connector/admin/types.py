"""The admin API's object types, built from the store's records."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from connector.linking import model
from connector.store.inbox import InboxItem, InboxStatus
from connector.store.links import AuditEntry as StoredEntry
from connector.store.links import Link as StoredLink

LinkState = strawberry.enum(model.LinkState, name="LinkState")
DEAD_LETTER_SCAN = 1000  # dead letters read per listing: a backlog beyond is rare


@strawberry.type
class Candidate:
    """An account a match points at."""

    account: str
    name: str
    strategy: str
    matched: list[str]


@strawberry.type
class HistoryEntry:
    """One audited transition or act."""

    at: datetime
    actor: str
    actor_name: str
    from_state: str
    to_state: str
    reason: str
    evidence: JSON

    @classmethod
    def of(cls, entry: StoredEntry) -> HistoryEntry:
        """From the store's audit entry."""
        return cls(
            at=entry.at,
            actor=entry.actor.kind,
            actor_name=entry.actor.name,
            from_state=entry.from_state,
            to_state=entry.to_state,
            reason=entry.reason,
            evidence=cast(JSON, entry.evidence),
        )


@strawberry.type
class CustomerLink:
    """One web account's link: state, why, the evidence and who can decide."""

    id: int
    user_id: str
    email: str
    state: LinkState  # type: ignore[valid-type]
    reason: str
    strategy: str
    account_number: str
    price_list: str
    customer_type: str
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    linked_at: datetime | None
    candidates: list[Candidate]

    @strawberry.field
    async def history(self, info: strawberry.Info) -> list[HistoryEntry]:
        """Every audited transition and act, oldest first."""
        entries = await info.context.services.links.history(self.id)
        return [HistoryEntry.of(e) for e in entries]

    @strawberry.field
    async def dead_letters(self, info: strawberry.Info) -> list[DeadLetter]:
        """This customer's deliveries that failed every attempt."""
        inbox = info.context.services.inbox
        items = await inbox.list(InboxStatus.DEAD, limit=DEAD_LETTER_SCAN)
        return [DeadLetter.of(i) for i in items if i.subject == self.user_id]

    @classmethod
    def of(cls, link: StoredLink) -> CustomerLink:
        """From the store's link."""
        return cls(
            id=link.id,
            user_id=link.user_id,
            email=link.email,
            state=link.state,
            reason=link.reason,
            strategy=link.strategy,
            account_number=link.account_number,
            price_list=link.price_list,
            customer_type=link.customer_type,
            version=link.version,
            created_at=link.created_at,
            updated_at=link.updated_at,
            linked_at=link.linked_at,
            candidates=[
                Candidate(
                    account=str(c.get("account", "")),
                    name=str(c.get("name", "")),
                    strategy=str(c.get("strategy", "")),
                    matched=[str(m) for m in c.get("matched", [])],
                )
                for c in link.candidates
            ],
        )


@strawberry.type
class DeadLetter:
    """A delivery that failed every attempt."""

    id: int
    event: str
    attempts: int
    last_error: str
    received_at: datetime
    installation_id: strawberry.Private[int]
    user_id: strawberry.Private[str]

    @strawberry.field
    async def customer(self, info: strawberry.Info) -> CustomerLink | None:
        """The customer the delivery is about, if erplink has a link for them."""
        context = info.context
        link = await context.services.links.get(self.installation_id, self.user_id)
        if link is None or not await context.visible(link):
            return None
        return CustomerLink.of(link)

    @classmethod
    def of(cls, item: InboxItem) -> DeadLetter:
        """From the inbox item."""
        return cls(
            id=item.id,
            event=item.event,
            attempts=item.attempts,
            last_error=item.last_error,
            received_at=item.received_at,
            installation_id=item.installation_id,
            user_id=item.subject,
        )
