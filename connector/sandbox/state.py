"""In-memory store of the sandbox: users, customer types, apps and settings."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime

from graphql import DocumentNode

APP_TOKEN_LENGTH = 30
_TOKEN_ALPHABET = string.ascii_letters + string.digits

Metadata = dict[str, str]


def now() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def to_global_id(type_name: str, pk: int) -> str:
    """Encode ``Type:pk`` the way Saleor builds global IDs."""
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode("ascii")


def from_global_id(global_id: str) -> tuple[str, int] | None:
    """Decode a global ID into ``(type name, pk)``; None when malformed."""
    try:
        decoded = base64.b64decode(global_id, validate=True).decode()
        type_name, _, raw_pk = decoded.partition(":")
        return type_name, int(raw_pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def generate_app_token() -> str:
    """Return a 30-character alphanumeric app token, as Saleor generates."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(APP_TOKEN_LENGTH))


def hash_token(token: str) -> str:
    """Return the digest under which an app token is kept (never the token)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Address:
    """A postal address; only the fields the sandbox API exposes."""

    pk: int
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    street_address_1: str = ""
    street_address_2: str = ""
    city: str = ""
    city_area: str = ""
    postal_code: str = ""
    country: str = ""
    country_area: str = ""
    phone: str | None = None


@dataclass
class CustomerType:
    """A Saleor customer type (3.23+)."""

    pk: int
    name: str
    slug: str
    is_default: bool = False

    @property
    def global_id(self) -> str:
        """The customer type's Saleor global ID."""
        return to_global_id("CustomerType", self.pk)


@dataclass
class User:
    """A customer or staff account."""

    pk: int
    email: str
    password_hash: str = ""
    first_name: str = ""
    last_name: str = ""
    is_staff: bool = False
    is_active: bool = True
    is_confirmed: bool = True
    note: str | None = None
    external_reference: str | None = None
    metadata: Metadata = field(default_factory=dict)
    private_metadata: Metadata = field(default_factory=dict)
    default_billing_address: Address | None = None
    default_shipping_address: Address | None = None
    customer_type: CustomerType | None = None
    last_login: datetime | None = None
    date_joined: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    confirmation_token: str | None = None
    redirect_url: str | None = None

    @property
    def global_id(self) -> str:
        """The user's Saleor global ID."""
        return to_global_id("User", self.pk)


@dataclass
class Webhook:
    """One webhook of an installed app, from its manifest."""

    pk: int
    name: str
    target_url: str
    query: str
    document: DocumentNode
    events: frozenset[str]
    is_active: bool = True


@dataclass
class App:
    """An installed app: identity, permissions and webhooks."""

    pk: int
    identifier: str
    name: str
    token_hash: str
    permissions: frozenset[str]
    manifest_url: str
    version: str | None = None
    app_url: str | None = None
    is_active: bool = True
    webhooks: list[Webhook] = field(default_factory=list)

    @property
    def global_id(self) -> str:
        """The app's Saleor global ID."""
        return to_global_id("App", self.pk)

    def has_permission(self, permission: str) -> bool:
        """Return whether the app was granted ``permission``."""
        return permission in self.permissions


Principal = App | User


@dataclass
class Settings:
    """Store settings that change behaviour, named after Saleor's."""

    enable_account_confirmation_by_email: bool = True
    use_legacy_update_webhook_emission: bool = False


class Store:
    """All sandbox data, with numbering per type like Saleor's primary keys."""

    def __init__(self) -> None:
        self.settings = Settings()
        self.users: dict[int, User] = {}
        self.customer_types: dict[int, CustomerType] = {}
        self.apps: dict[int, App] = {}
        self._counters: dict[str, int] = {}

    def next_pk(self, type_name: str) -> int:
        """Return the next primary key for ``type_name``."""
        self._counters[type_name] = self._counters.get(type_name, 0) + 1
        return self._counters[type_name]

    def add_user(self, email: str, *, is_staff: bool = False) -> User:
        """Create and store a user; a customer gets the default customer type."""
        user = User(pk=self.next_pk("User"), email=email, is_staff=is_staff)
        if not is_staff:
            user.customer_type = self.default_customer_type()
        self.users[user.pk] = user
        return user

    def add_customer_type(
        self, name: str, slug: str, *, is_default: bool
    ) -> CustomerType:
        """Create a customer type, or return the existing one with ``slug``."""
        existing = self.customer_type_by_slug(slug)
        if existing is not None:
            return existing
        customer_type = CustomerType(
            self.next_pk("CustomerType"), name, slug, is_default
        )
        self.customer_types[customer_type.pk] = customer_type
        return customer_type

    def new_address(self) -> Address:
        """Return a blank address with a fresh primary key."""
        return Address(pk=self.next_pk("Address"))

    def user_by_email(self, email: str) -> User | None:
        """Find a user by e-mail, case-insensitively."""
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def user_by_global_id(self, global_id: str) -> User | None:
        """Find a user by Saleor global ID."""
        decoded = from_global_id(global_id)
        if decoded is None or decoded[0] != "User":
            return None
        return self.users.get(decoded[1])

    def user_by_external_reference(self, reference: str) -> User | None:
        """Find a user by external reference."""
        matches = (u for u in self.users.values() if u.external_reference == reference)
        return next(matches, None)

    def customer_type_by_global_id(self, global_id: str) -> CustomerType | None:
        """Find a customer type by Saleor global ID."""
        decoded = from_global_id(global_id)
        if decoded is None or decoded[0] != "CustomerType":
            return None
        return self.customer_types.get(decoded[1])

    def customer_type_by_slug(self, slug: str) -> CustomerType | None:
        """Find a customer type by slug."""
        matches = (t for t in self.customer_types.values() if t.slug == slug)
        return next(matches, None)

    def default_customer_type(self) -> CustomerType | None:
        """Return the customer type flagged as default, if any."""
        return next((t for t in self.customer_types.values() if t.is_default), None)

    def app_by_token(self, token: str) -> App | None:
        """Find the active app that owns ``token``."""
        digest = hash_token(token)
        matches = (a for a in self.apps.values() if a.token_hash == digest)
        return next((a for a in matches if a.is_active), None)


def upsert_metadata(target: Metadata, items: list[dict[str, str]]) -> bool:
    """Upsert ``{key, value}`` items into ``target``; return whether it changed."""
    before = dict(target)
    for item in items:
        target[item["key"]] = item["value"]
    return before != target
