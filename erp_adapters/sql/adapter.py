"""The SQL adapter: the ERP's customer master read from its own database.

Typically a read-only login to the ERP's database (Dynamics NAV / Business Central,
or any schema mapped in the options). The adapter never writes: the sessions are
read-only (see `connection.py`) and it sends SELECTs only, each with a LIMIT, with
every value bound as a parameter and every identifier checked against the catalogue
at start-up (`schema.py`). Domain and e-mail lookups are described in `queries.py`.

An e-mail address found at two different accounts is ambiguous: `contact_by_email`
answers None for it, as the CSV adapter does, because naming one of them would link a
customer to a price list by chance.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime

import structlog
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from connector.linking.model import Account, Contact
from erp_adapters.base import ErpError, Health, email_addresses
from erp_adapters.sql.connection import create_engine, describe, parse_url
from erp_adapters.sql.errors import translate
from erp_adapters.sql.lookups import ContactKey, Lookups
from erp_adapters.sql.mapping import SqlOptions, parse_options
from erp_adapters.sql.queries import Statements
from erp_adapters.sql.schema import reflect

_log = structlog.get_logger(__name__)

CALL_STATEMENTS = 3
CALL_MARGIN_S = 1.0


class SqlAdapter:
    """Reads accounts and contacts from the ERP's database through SQLAlchemy.

    Args:
        options: the checked options (`mapping.parse_options`).

    The catalogue is read on the first call (`health()` at start-up), not here:
    building the adapter does no I/O.
    """

    name = "sql"

    def __init__(self, options: SqlOptions) -> None:
        url = parse_url(options.url)
        self._options = options
        self._where = describe(url)
        self._secret = url.password or None
        self._dialect = url.get_backend_name()
        self._engine = create_engine(options)
        # a call makes at most a few statements, after one connect; past this the
        # ERP counts as unavailable even where a driver has no timeout of its own
        # (asyncmy waits for a silent server's greeting forever)
        self._call_timeout_s = (
            options.connect_timeout_s
            + CALL_STATEMENTS * options.statement_timeout_ms / 1000
            + CALL_MARGIN_S
        )
        self._lock = asyncio.Lock()
        self._lookups: Lookups | None = None

    @classmethod
    def from_settings(cls, options: Mapping[str, str]) -> SqlAdapter:
        """Builds the adapter from the string options (see `mapping.py` and README).

        Raises:
            ErpMisconfiguredError: an option is missing, unknown or malformed.
        """
        return cls(parse_options(options))

    @classmethod
    async def open(cls, options: Mapping[str, str]) -> SqlAdapter:
        """Builds the adapter and checks its mapping against the database now.

        Raises:
            ErpMisconfiguredError: an option, table or column is wrong.
            ErpUnauthorizedError: the database refused the login.
            ErpUnavailableError: the database did not answer.
        """
        adapter = cls.from_settings(options)
        try:
            await adapter.check()
        except ErpError:
            await adapter.close()
            raise
        return adapter

    async def check(self) -> None:
        """Reads the catalogue and checks every mapped table and column.

        Raises:
            ErpMisconfiguredError: a table or column is missing; the message lists
                those that exist.
        """
        async with self._call("check"):
            pass

    async def account_by_number(self, number: str) -> Account | None:
        """The account with exactly this number (leading zeros matter), or None."""
        if not number:
            return None
        async with self._call("account_by_number") as (conn, sql):
            found = await sql.accounts(conn, [number])
        return found[0] if found else None

    async def accounts_by_domain(self, domain: str, limit: int = 50) -> list[Account]:
        """Accounts with an address, their own or a contact's, at `domain`."""
        domain = domain.strip().lower()
        if not domain or "@" in domain or limit <= 0:
            return []
        async with self._call("accounts_by_domain") as (conn, sql):
            numbers = await sql.domain_numbers(conn, domain)
            found = await sql.accounts(conn, sorted(numbers)[:limit])
        return sorted(found, key=lambda account: account.number)

    async def contact_by_email(self, email: str) -> tuple[Contact, Account] | None:
        """The contact, or account, whose address is exactly `email`, with its account;
        None when nobody has it or it belongs to two different accounts."""
        email = email.strip().lower()
        if "@" not in email:
            return None
        async with self._call("contact_by_email") as (conn, sql):
            contacts = await sql.contacts_with(conn, email)
            owners = await sql.accounts_with(conn, email)
            numbers = {c.account_number for c in contacts} | set(owners)
            if len(numbers) != 1:
                if len(numbers) > 1:
                    _log.warning("erp.sql.ambiguous_email", accounts=len(numbers))
                return None
            accounts = await sql.accounts(conn, sorted(numbers))
        if not accounts:
            return None
        account = accounts[0]
        if contacts:
            return contacts[0], account
        return Contact(
            "", account.number, account.name, owners[account.number]
        ), account

    async def accounts_changed_since(
        self, since: datetime | None
    ) -> AsyncIterator[Account]:
        """Every account, or with a modification date column those changed on or
        after the day of `since` (accounts with a blank date always count), in pages
        of `page_size` by account number (key-set paging)."""
        after: str | None = None
        size = self._options.page_size
        while True:
            async with self._call("accounts_changed_since") as (conn, sql):
                page = await sql.changed_page(conn, since, after, size)
            for account in page:
                yield account
            if len(page) < size:
                return
            after = page[-1].number

    async def contacts(self) -> AsyncIterator[Contact]:
        """Every account's own addresses, then every contact's, each in pages of
        `page_size` (key-set paging). Pages are read one at a time, so an address
        on two accounts comes once for each; the caller drops it."""
        after: str | None = None
        size = self._options.page_size
        while True:
            async with self._call("contacts") as (conn, sql):
                page = await sql.changed_page(conn, None, after, size)
            for account in page:
                for address in email_addresses(account.email):
                    yield Contact("", account.number, account.name, address)
            if len(page) < size:
                break
            after = page[-1].number
        key: ContactKey | None = None
        while True:
            async with self._call("contacts") as (conn, sql):
                people, key = await sql.contacts_page(conn, key, size)
            for person in people:
                yield person
            if key is None:
                return

    async def health(self) -> Health:
        """Ok with the account count, or not ok with what failed.

        Raises:
            ErpMisconfiguredError: the mapping names a table or column that does not
                exist (start-up stops on it; the message lists those that do).
        """
        try:
            async with self._call("health") as (conn, sql):
                accounts = sql.schema.accounts
                count = sa_select(func.count()).select_from(accounts.clause).limit(1)
                total = int((await conn.execute(count)).scalar_one())
        except ErpError as exc:
            if exc.code == "erp_misconfigured":
                raise
            return Health(False, None, exc.message)
        return Health(True, total, f"{self._where}: {total} accounts")

    async def close(self) -> None:
        """Closes every pooled connection."""
        await self._engine.dispose()

    # -- plumbing --------------------------------------------------------------------

    @asynccontextmanager
    async def _call(
        self, operation: str
    ) -> AsyncIterator[tuple[AsyncConnection, Lookups]]:
        """A connection for one call, under its timeout, with errors translated."""
        try:
            async with asyncio.timeout(self._call_timeout_s):
                sql = await self._ready()
                async with self._engine.connect() as conn:
                    yield conn, sql
        except (ErpError, SQLAlchemyError, OSError, TimeoutError) as exc:
            error = translate(exc, where=self._where, secret=self._secret)
            _log.warning(
                "erp.sql.call_failed",
                adapter=self.name,
                operation=operation,
                code=error.code,
                error=error.message,
            )
            raise error from exc

    async def _ready(self) -> Lookups:
        """The lookups, after checking the mapping on the first call."""
        if self._lookups is not None:
            return self._lookups
        async with self._lock:
            if self._lookups is None:
                async with self._engine.connect() as conn:
                    schema = await conn.run_sync(reflect, self._options)
                statements = Statements(
                    schema, self._dialect, self._options.link_to_table
                )
                self._lookups = Lookups(schema, statements, self._options.substring)
                _log.info("erp.sql.mapping_checked", adapter=self.name)
        return self._lookups
