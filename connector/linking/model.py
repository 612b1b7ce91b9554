"""The linking domain's value types: ERP accounts, web customers, evidence, decisions.

Everything here is plain data. Adapters produce `Account` and `Contact`; the webhook
payload becomes a `Customer`; the engine turns both into a `Decision`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


class LinkState(enum.StrEnum):
    """Where a web account stands in the link lifecycle (see DESIGN.md)."""

    RECEIVED = "received"
    ON_HOLD = "on_hold"
    MATCHING = "matching"
    AWAITING_EMAIL_CONFIRMATION = "awaiting_email_confirmation"
    AWAITING_REP = "awaiting_rep"
    AWAITING_ADMIN = "awaiting_admin"
    UNMATCHED = "unmatched"
    REJECTED = "rejected"
    LINKED = "linked"

    @property
    def releases_pricing(self) -> bool:
        """Only a confirmed link releases a price list (safety rule 1)."""
        return self is LinkState.LINKED


class Blocked(enum.StrEnum):
    """NAV's `Blocked` option: anything but blank keeps the account from linking."""

    NONE = ""
    SHIP = "Ship"
    INVOICE = "Invoice"
    ALL = "All"


@dataclass(frozen=True, slots=True)
class Account:
    """A customer account as the ERP knows it. Every identifier stays a string."""

    number: str
    name: str
    email: str = ""
    post_code: str = ""
    country: str = ""
    price_list: str = ""
    credit_limit: Decimal = Decimal(0)
    blocked: Blocked = Blocked.NONE
    salesperson: str = ""
    salesperson_email: str = ""
    last_order: date | None = None

    @property
    def is_blocked(self) -> bool:
        return self.blocked is not Blocked.NONE


@dataclass(frozen=True, slots=True)
class Contact:
    """A person at an ERP account: the strongest evidence is their exact e-mail."""

    number: str
    account_number: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Customer:
    """A Saleor web account, as read from a webhook payload.

    `claimed_account` comes from public metadata, which the customer writes: it is a
    claim to be proven, never a fact (safety rule 4).
    """

    user_id: str
    email: str
    is_confirmed: bool
    is_active: bool = True
    claimed_account: str = ""
    billing_post_code: str = ""
    invite_token: str = ""


@dataclass(frozen=True, slots=True)
class Invite:
    """A genuine, unused invite the customer presented, with the account it names.

    `email` is the invited address; empty for an account-wide invite (a QR code on
    the invoice), which proves no mailbox.
    """

    token_id: str
    account: Account
    email: str
    campaign: str
    source: str
    rep: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the ERP said about a customer, gathered by the adapter before deciding.

    Attributes:
        contact: the ERP contact whose e-mail equals the customer's, if any.
        contact_account: the account that contact belongs to.
        claimed_account: the account whose number the customer typed, if it exists.
        domain_accounts: accounts sharing the registrable domain of the e-mail (empty
            for free-mail and disposable domains, which are never looked up).
        domain: the registrable domain, or "" when there is none to use.
        domain_excluded: why the domain was not used ("free_mail", "disposable",
            "merchant_excluded", "invalid"), or "".
        invite: the invite the customer presented, when it is genuine and unused.
        invite_rejected: why a presented invite counts for nothing (a `Reason`
            value such as "invite_expired"), or "".
    """

    contact: Contact | None = None
    contact_account: Account | None = None
    claimed_account: Account | None = None
    domain_accounts: tuple[Account, ...] = ()
    domain: str = ""
    domain_excluded: str = ""
    invite: Invite | None = None
    invite_rejected: str = ""


class Strategy(enum.StrEnum):
    """How a match was found, from the strongest evidence to the weakest."""

    INVITE = "invite"
    CONTACT_EMAIL = "contact_email"
    ACCOUNT_NUMBER = "account_number"
    EMAIL_DOMAIN = "email_domain"
    MANUAL = "manual"


class Reason(enum.StrEnum):
    """Stable codes for why a link is in its state; shown to support and merchants."""

    MATCHED = "matched"
    EMAIL_NOT_CONFIRMED = "email_not_confirmed"
    AMBIGUOUS_DOMAIN = "ambiguous_domain"
    CLAIM_WITHOUT_SECOND_FACTOR = "claim_without_second_factor"
    CLAIM_UNKNOWN_ACCOUNT = "claim_unknown_account"
    CLAIM_RATE_LIMITED = "claim_rate_limited"
    STRATEGY_NEEDS_REP = "strategy_needs_rep"
    CREDIT_LIMIT_OVER_THRESHOLD = "credit_limit_over_threshold"
    PRICE_LIST_UNMAPPED = "price_list_unmapped"
    CUSTOMER_TYPE_MISSING = "customer_type_missing"
    ACCOUNT_BLOCKED = "account_blocked"
    FREE_MAIL_DOMAIN = "free_mail_domain"
    DISPOSABLE_DOMAIN = "disposable_domain"
    NO_MATCH = "no_match"
    CUSTOMER_INACTIVE = "customer_inactive"
    CONFLICTING_EVIDENCE = "conflicting_evidence"
    INVITE_TAMPERED = "invite_tampered"
    INVITE_EXPIRED = "invite_expired"
    INVITE_USED = "invite_used"
    INVITE_OTHER_INSTALLATION = "invite_other_installation"
    INVITE_UNKNOWN = "invite_unknown"
    INVITE_ACCOUNT_UNKNOWN = "invite_account_unknown"
    INVITE_EMAIL_MISMATCH = "invite_email_mismatch"
    INVITE_UNPROVEN = "invite_unproven"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One account a match points at, with the strategy and the fields that matched."""

    account: Account
    strategy: Strategy
    matched: tuple[str, ...]
    needs_mailbox_proof: bool


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine decided for one customer.

    `account` and `price_list` are set only when one account was chosen; a decision
    to link (`state is LINKED`) always has both. `candidates` keeps every account a
    person may have to choose between. `details` are human-readable facts for support.
    """

    state: LinkState
    reason: Reason
    strategy: Strategy | None = None
    account: Account | None = None
    price_list: str = ""
    customer_type: str = ""
    candidates: tuple[Candidate, ...] = ()
    details: dict[str, str] = field(default_factory=dict)
