"""The admin API's types for the caller, the adapter, the policy and jobs."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import strawberry

from connector.linking.policy import Policy
from connector.store.jobs import Job as StoredJob
from connector.store.policies import PolicyVersion


@strawberry.enum
class ReviewerRole(enum.Enum):
    """The caller's role."""

    ADMIN = "admin"
    SALES_REP = "sales_rep"
    SUPPORT = "support"


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
