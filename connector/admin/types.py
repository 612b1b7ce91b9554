"""The admin API's object types, built from the store's records."""

from __future__ import annotations

import base64
import enum
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from connector.errors import ErplinkError
from connector.linking import model
from connector.linking.policy import Policy
from connector.store.inbox import InboxItem, InboxStatus
from connector.store.jobs import Job as StoredJob
from connector.store.links import AuditEntry as StoredEntry
from connector.store.links import Link as StoredLink
from connector.store.policies import PolicyVersion

LinkState = strawberry.enum(model.LinkState, name="LinkState")
Node = TypeVar("Node")
MAX_PAGE = 100
DEAD_LETTER_SCAN = 1000  # dead letters read per listing: a backlog beyond is rare


@strawberry.enum
class ReviewerRole(enum.Enum):
    """The caller's role."""

    ADMIN = "admin"
    SALES_REP = "sales_rep"
    SUPPORT = "support"


@strawberry.type
class PageInfo:
    """Relay page info: whether more follows, and the cursor to ask after."""

    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    """One node of a page, with its cursor."""

    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    """A Relay connection: one page of nodes."""

    edges: list[Edge[Node]]
    page_info: PageInfo


def encode_cursor(kind: str, key: int) -> str:
    """An opaque cursor for the row `key` of a listing of `kind`."""
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    """The row key in a cursor of `kind`; None for no cursor.

    Raises:
        ErplinkError: code `bad_cursor`, the cursor is not one of this listing.
    """
    if cursor is None:
        return None
    try:
        found, _, key = base64.urlsafe_b64decode(cursor).decode().partition(":")
        if found == kind:
            return int(key)
    except (ValueError, UnicodeDecodeError):
        pass
    raise ErplinkError(f"the cursor is not one of {kind}", code="bad_cursor")


def page_size(first: int) -> int:
    """`first`, checked against the page limit.

    Raises:
        ErplinkError: code `bad_page_size`, not between 1 and MAX_PAGE.
    """
    if not 1 <= first <= MAX_PAGE:
        raise ErplinkError(
            f"first must be between 1 and {MAX_PAGE}", code="bad_page_size"
        )
    return first


def connection(
    kind: str, nodes: list[Node], keys: list[int], more: bool
) -> Connection[Node]:
    """A page of `nodes` whose row keys are `keys`."""
    edges = [
        Edge(cursor=encode_cursor(kind, k), node=n)
        for n, k in zip(nodes, keys, strict=True)
    ]
    end = edges[-1].cursor if edges else None
    return Connection(
        edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=end)
    )


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


@strawberry.type
class AdapterStatus:
    """What the ERP adapter says about itself."""

    name: str
    ok: bool
    accounts: int | None
    detail: str


@strawberry.type
class PriceListMapping:
    """One ERP price list and the Saleor customer type standing for it."""

    price_list: str
    customer_type: str


@strawberry.type
class PolicyView:
    """The linking policy in use, and which stored version it is (0: the file)."""

    version: int
    auto_link: list[str]
    credit_limit_threshold: Decimal | None
    extra_free_mail_domains: list[str]
    max_claim_attempts: int
    no_pricing_customer_type: str
    metadata_only: bool
    price_lists: list[PriceListMapping]
    updated_by: str

    @classmethod
    def of(cls, policy: Policy, stored: PolicyVersion | None) -> PolicyView:
        """From the policy in use and its stored version, if any."""
        return cls(
            version=stored.version if stored else 0,
            auto_link=sorted(s.value for s in policy.auto_link),
            credit_limit_threshold=policy.credit_limit_threshold,
            extra_free_mail_domains=sorted(policy.extra_free_mail_domains),
            max_claim_attempts=policy.max_claim_attempts,
            no_pricing_customer_type=policy.no_pricing_customer_type,
            metadata_only=policy.metadata_only,
            price_lists=[
                PriceListMapping(price_list=k, customer_type=v)
                for k, v in sorted(policy.price_lists.items())
            ],
            updated_by=stored.actor.name if stored else "",
        )


@strawberry.type
class JobView:
    """A background job's progress."""

    id: int
    kind: str
    status: str
    total: int
    done: int
    failed: int
    error: str
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: StoredJob) -> JobView:
        """From the stored job."""
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status.value,
            total=job.total,
            done=job.done,
            failed=job.failed,
            error=job.error,
            created_at=job.created_at,
            finished_at=job.finished_at,
        )


@strawberry.type
class Me:
    """The caller, as erplink sees them."""

    role: ReviewerRole
    name: str
    rep_code: str


@strawberry.input
class PriceListInput:
    """One mapping entry."""

    price_list: str
    customer_type: str


@strawberry.input
class PolicyInput:
    """A change to the policy: fields left out keep their current value."""

    auto_link: list[str] | None = None
    credit_limit_threshold: Decimal | None = None
    clear_credit_limit_threshold: bool = False
    extra_free_mail_domains: list[str] | None = None
    max_claim_attempts: int | None = None
    no_pricing_customer_type: str | None = None
    metadata_only: bool | None = None
    price_lists: list[PriceListInput] | None = None
