"""The store's tables. Migrations in `connector/migrations` create exactly these;
`tests/store/test_migrations.py` fails when the two drift apart."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base: every table of erplink's own store."""

    type_annotation_map = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class InstallationRow(Base):
    """One Saleor store that installed erplink, keyed by its API URL."""

    __tablename__ = "installations"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_url: Mapped[str] = mapped_column(String(500), unique=True)
    app_id: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(300))
    token_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    jwks: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class InboxRow(Base):
    """A webhook delivery, stored before it was answered; the worker's queue."""

    __tablename__ = "inbox"
    # One delivery per payload: the subject (the customer) is read from the
    # payload, so it adds nothing to the key's meaning, but it leads the hash so
    # that a batch of new customers writes a few neighbouring index pages, not
    # one random page per row (BENCHMARKS.md, "Webhook intake"). It also serves
    # the lookups by customer.
    __table_args__ = (
        UniqueConstraint(
            "installation_id", "subject", "payload_hash", name="uq_inbox_delivery"
        ),
        Index("ix_inbox_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id"))
    event: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), default="")
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    payload_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    locked_by: Mapped[str] = mapped_column(String(100), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class LinkRow(Base):
    """erplink's record of one web account's link: the only source of link state."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("installation_id", "user_id", name="uq_links_user"),
        Index("ix_links_email", "email"),
        Index("ix_links_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id"))
    user_id: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64), default="")
    strategy: Mapped[str] = mapped_column(String(32), default="")
    account_number: Mapped[str] = mapped_column(String(64), default="")
    price_list: Mapped[str] = mapped_column(String(64), default="")
    customer_type: Mapped[str] = mapped_column(String(100), default="")
    candidates: Mapped[list[Any]] = mapped_column(default=list)
    claimed_account: Mapped[str] = mapped_column(String(64), default="")
    claim_attempts: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    linked_at: Mapped[datetime | None]


class AuditRow(Base):
    """One transition of a link: who, when, why, and the evidence behind it."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_link", "link_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("links.id"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64), default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    inbox_id: Mapped[int | None]


class NotificationRow(Base):
    """A mail to send: a rep's review request for one link version, or a digest.

    `key` makes each one exist once (`rep:<link>:<version>`, `digest:<period>`), so
    that however many workers notice the same link version, one mail goes out.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("links.id"))
    link_version: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    sent_to: Mapped[list[Any]] = mapped_column(default=list)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class ApiKeyRow(Base):
    """A credential for the admin API: only an HMAC of the key is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    rep_code: Mapped[str] = mapped_column(String(64), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AccessDeniedRow(Base):
    """An attempt that was refused: who tried what on which link, and why not."""

    __tablename__ = "access_denied"
    __table_args__ = (Index("ix_access_denied_link", "link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(32))
    link_id: Mapped[int | None]
    code: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class PolicyVersionRow(Base):
    """One version of the linking policy and price list mapping; newest wins."""

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    policy: Mapped[dict[str, Any]] = mapped_column(default=dict)


class JobRow(Base):
    """A background job (resync of every linked customer) and its progress."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    actor: Mapped[str] = mapped_column(String(16))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class InviteRow(Base):
    """One invitation of a campaign; single use, recorded at redemption."""

    __tablename__ = "invites"
    __table_args__ = (Index("ix_invites_campaign", "installation_id", "campaign"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id"))
    campaign: Mapped[str] = mapped_column(String(100))
    account_number: Mapped[str] = mapped_column(String(64))
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    rep: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(16))
    expires_on: Mapped[date]
    created_at: Mapped[datetime]
    registered_user_id: Mapped[str] = mapped_column(String(200), default="")
    registered_at: Mapped[datetime | None]
    redeemed_user_id: Mapped[str] = mapped_column(String(200), default="")
    redeemed_at: Mapped[datetime | None]


class CustomerLoginRow(Base):
    """A `lastLogin` value seen for a customer; one row per distinct login seen."""

    __tablename__ = "customer_logins"
    __table_args__ = (
        UniqueConstraint(
            "installation_id", "user_id", "login_at", name="uq_customer_logins"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id"))
    user_id: Mapped[str] = mapped_column(String(200))
    login_at: Mapped[datetime]


class DigitalOrderRow(Base):
    """An order placed in the store (`ORDER_CREATED`), by the customer who placed it."""

    __tablename__ = "digital_orders"
    __table_args__ = (
        UniqueConstraint("installation_id", "order_id", name="uq_digital_orders"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id"))
    order_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
