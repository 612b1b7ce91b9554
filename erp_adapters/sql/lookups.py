"""The adapter's lookups: the statements run, and every row checked in Python.

The SQL filters are coarse on purpose where no index can be exact (substring
matching, case folding, collations that ignore case or trailing spaces); each row
is then checked here against the exact address, the registrable domain or the exact
number, so a lookup never returns more than it was asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncConnection

from connector.linking.model import Account, Contact
from erp_adapters.base import email_addresses
from erp_adapters.sql import rows
from erp_adapters.sql.queries import Statements
from erp_adapters.sql.rows import NAV_BLANK_DATE
from erp_adapters.sql.schema import Schema

CANDIDATES_MAX = 1000
"""Rows a domain lookup reads at most per table before checking them in Python.

A substring lookup for `acme.de` also reads `xacme.de` and `acme.de.example.com`,
which the check drops. Should more than this many such near misses come first, a
real match beyond them is not seen and the account is not offered by domain (the
customer then waits for a rep, or links by contact e-mail or account number). One
pattern per lookup is kept all the same: anchoring it at `@` and at `.` took two
index scans and made the lookup markedly slower (BENCHMARKS.md)."""
EMAIL_MATCHES_MAX = 20
"""Rows an e-mail lookup reads at most per table."""
ContactKey = tuple[Any, Any]
"""Where a page of contacts ends: the last row's contact and account number, as
the database gave them (compared again by the database, never in Python)."""


class Lookups:
    """The lookups over one checked schema.

    Args:
        schema: the checked tables.
        statements: the statement builder for the schema's dialect.
        substring: whether e-mail and domain lookups match substrings
            (`lookup.substring`, see `queries.py`).
    """

    def __init__(self, schema: Schema, statements: Statements, substring: bool) -> None:
        self._schema = schema
        self._sql = statements
        self._substring = substring

    @property
    def schema(self) -> Schema:
        """The checked tables."""
        return self._schema

    async def accounts(
        self, conn: AsyncConnection, numbers: Sequence[str]
    ) -> list[Account]:
        """The accounts with exactly these numbers, ordered by number."""
        if not numbers:
            return []
        result = await conn.execute(self._sql.accounts_by_numbers(numbers))
        found = [rows.account_from_row(row._mapping) for row in result]
        # a case- or pad-insensitive collation may return near matches: keep exact
        wanted = set(numbers)
        return [account for account in found if account.number in wanted]

    async def domain_numbers(self, conn: AsyncConnection, domain: str) -> set[str]:
        """Numbers of accounts with an own or a contact's address at `domain`."""
        schema, substring = self._schema, self._substring
        accounts = schema.accounts
        own = self._sql.account_addresses(
            self._sql.domain_matches(accounts, domain, substring=substring),
            CANDIDATES_MAX,
        )
        found = {
            rows.text(number)
            for number, field in (await conn.execute(own)).all()
            if rows.has_domain(rows.text(field), domain)
        }
        contacts = self._sql.contacts()
        if contacts is not None and schema.contacts is not None:
            where = self._sql.domain_matches(
                schema.contacts, domain, substring=substring
            )
            result = await conn.execute(contacts.where(where).limit(CANDIDATES_MAX))
            found |= {
                rows.text(row.account_number)
                for row in result
                if rows.has_domain(rows.text(row.email), domain)
            }
        return found

    async def contacts_with(self, conn: AsyncConnection, email: str) -> list[Contact]:
        """Contacts with `email` among their addresses, ordered by contact number."""
        contacts, schema = self._sql.contacts(), self._schema
        if contacts is None or schema.contacts is None:
            return []
        where = self._sql.email_matches(
            schema.contacts, email, substring=self._substring
        )
        result = await conn.execute(contacts.where(where).limit(EMAIL_MATCHES_MAX))
        found = []
        for row in result:
            address = rows.matching_address(rows.text(row.email), email)
            if address is not None:
                found.append(rows.contact_from_row(row._mapping, address))
        return sorted(found, key=lambda contact: contact.number)

    async def contacts_page(
        self, conn: AsyncConnection, after: ContactKey | None, size: int
    ) -> tuple[list[Contact], ContactKey | None]:
        """One page of contacts after the key `after`, one per address, and the key
        to read the next page after (None after the last page)."""
        query = self._sql.contacts_page(after, size)
        if query is None:
            return [], None
        result = (await conn.execute(query)).all()
        found = [
            rows.contact_from_row(row._mapping, address)
            for row in result
            if rows.text(row.account_number)
            for address in email_addresses(rows.text(row.email))
        ]
        if len(result) < size:
            return found, None
        return found, (result[-1].number, result[-1].account_number)

    async def accounts_with(self, conn: AsyncConnection, email: str) -> dict[str, str]:
        """Account number -> the address as written, for accounts holding `email`."""
        accounts = self._schema.accounts
        where = self._sql.email_matches(accounts, email, substring=self._substring)
        result = await conn.execute(
            self._sql.account_addresses(where, EMAIL_MATCHES_MAX)
        )
        found = {}
        for number, field in result.all():
            address = rows.matching_address(rows.text(field), email)
            if address is not None:
                found[rows.text(number)] = address
        return found

    async def changed_page(
        self,
        conn: AsyncConnection,
        since: datetime | None,
        after: str | None,
        page_size: int,
    ) -> list[Account]:
        """One page of accounts changed since `since`, after number `after`."""
        accounts = self._schema.accounts
        number = accounts.c("number")
        conditions: list[ColumnElement[bool]] = []
        if since is not None and accounts.has("modified"):
            modified = accounts.c("modified")
            conditions.append(
                or_(
                    modified >= since.date(),
                    # "<" the next day, not "<=": a datetime column (NAV's own type)
                    # holds 1753-01-01 00:00, which SQLite compares as text
                    modified < NAV_BLANK_DATE + timedelta(days=1),
                    modified.is_(None),
                )
            )
        if after is not None:
            conditions.append(number > after)
        query = self._sql.accounts().where(*conditions)
        query = query.order_by(number).limit(page_size)
        return [rows.account_from_row(r._mapping) for r in await conn.execute(query)]
