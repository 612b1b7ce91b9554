"""The ERP adapter protocol: the one seam between erplink and a merchant's ERP.

An adapter answers a handful of read-only questions about the customer master. It
never writes to the ERP. Every adapter translates its own failures into the errors
below at its boundary (`raise ErpUnavailableError(...) from exc`), so the worker can
tell "wait and retry" from "a merchant must fix the configuration".

Error tree::

    ErpError                      (connector.errors.ErplinkError)
    ├── ErpNotFoundError          the thing asked for does not exist (rarely raised:
    │                             lookups return None or an empty list instead)
    ├── ErpUnauthorizedError      credentials refused; retrying will not help
    ├── ErpUnavailableError       timeout, outage, 5xx, malformed answer; retry later
    │   └── ErpCircuitOpenError   (erp_adapters.resilience) the guard's breaker is
    │                             open: no call is made until its `retry_at`
    └── ErpMisconfiguredError     file, table or column missing; fix the settings
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast, runtime_checkable

from connector.errors import ErplinkError
from connector.linking.model import Account, Contact

_EMAIL_SEPARATORS = re.compile(r"[;,\s]+")


class ErpError(ErplinkError):
    """Root of the errors an ERP adapter raises."""

    code = "erp_error"


class ErpNotFoundError(ErpError):
    """The ERP has no such record."""

    code = "erp_not_found"


class ErpUnauthorizedError(ErpError):
    """The ERP refused the configured credentials."""

    code = "erp_unauthorized"


class ErpUnavailableError(ErpError):
    """The ERP did not answer usefully in time; the caller should retry later."""

    code = "erp_unavailable"
    transient = True


class ErpMisconfiguredError(ErpError):
    """The adapter's settings point at something that does not exist."""

    code = "erp_misconfigured"


@dataclass(frozen=True, slots=True)
class Health:
    """What an adapter says about itself, in words a merchant understands."""

    ok: bool
    accounts: int | None
    detail: str


@runtime_checkable
class ErpAdapter(Protocol):
    """Read-only access to the ERP's customer master.

    Lookups are exact and case-insensitive on e-mail addresses and domains. Values
    are always literal: no adapter may interpret `*`, `|`, `..` or SQL syntax in them.
    """

    name: str

    async def account_by_number(self, number: str) -> Account | None:
        """The account with exactly this number (leading zeros matter), or None."""
        ...

    async def accounts_by_domain(self, domain: str, limit: int = 50) -> list[Account]:
        """Accounts with an e-mail address at `domain` (a registrable domain, lower
        case), blocked ones included, at most `limit`, ordered by account number."""
        ...

    async def contact_by_email(self, email: str) -> tuple[Contact, Account] | None:
        """The contact (or account) whose e-mail address is exactly `email`, with its
        account; None when nobody at the ERP has that address."""
        ...

    def accounts_changed_since(self, since: datetime | None) -> AsyncIterator[Account]:
        """Every account changed since `since` (all of them for None), in pages."""
        ...

    def contacts(self) -> AsyncIterator[Contact]:
        """Every address a person can be invited at, each with its account number:
        named contacts, and an account's own addresses with an empty contact number;
        one `Contact` per address of a field that holds several, in pages.

        An address held by two different accounts belongs to neither: an adapter
        that sees the whole master at once leaves it out, one that reads in pages
        may yield it once per account, and callers must then drop it (see
        `connector.campaigns.issue`). Adapters written before this method existed
        lack it; `contacts_of` serves those from their accounts.
        """
        ...

    async def health(self) -> Health:
        """Whether the ERP answers, and how many accounts it sees."""
        ...

    async def close(self) -> None:
        """Release files, pools and connections."""
        ...


def contacts_of(adapter: object) -> AsyncIterator[Contact]:
    """The adapter's `contacts()`, or for an adapter without the method (one
    written before it was in the protocol) every account's own addresses."""
    listing = getattr(adapter, "contacts", None)
    if callable(listing):
        found: AsyncIterator[Contact] = listing()
        return found
    return _own_addresses(cast(ErpAdapter, adapter))


async def _own_addresses(adapter: ErpAdapter) -> AsyncIterator[Contact]:
    async for account in adapter.accounts_changed_since(None):
        for address in email_addresses(account.email):
            yield Contact("", account.number, account.name, address)


def email_addresses(field: str) -> list[str]:
    """The addresses of an e-mail field that can be written to: a field may hold
    several (`a@x.de; b@y.de`), and text without a local part or host is none."""
    found = []
    for address in _EMAIL_SEPARATORS.split(field):
        local, at, host = address.rpartition("@")
        if local and at and host:
            found.append(address)
    return found
