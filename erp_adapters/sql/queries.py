"""The statements the SQL adapter sends: SELECTs with bound values and a LIMIT.

Lookups come in two forms, chosen by the option `lookup.substring`:

- substring (`lookup.substring=true`, the default): `lower(email) LIKE '%<value>%'`
  with the value's LIKE wildcards escaped. It finds the second address of a
  multi-address field and addresses on subdomains. On PostgreSQL a trigram index
  (`pg_trgm`, `gin (lower("E-Mail") gin_trgm_ops)`) serves it; on MariaDB and SQLite
  no index can, and each lookup reads the whole table (BENCHMARKS.md has the cost).
- exact (`lookup.substring=false`): `lower(email) = :address` and
  `<domain expression> = :domain`, written exactly as the B-tree indexes in the
  README are, so that every database's planner uses them. They see the first
  address of a field only, and a domain only as written (`sales.acme.de` is not
  `acme.de`).

Either way the adapter checks each row in Python afterwards (the exact address, the
registrable domain), so a coarse SQL filter never widens what a lookup returns.

The domain expression per dialect, with its constants written as literals because
SQLite matches an expression index only against the same literal text:

- PostgreSQL: `lower(split_part("E-Mail", '@', 2))`
- SQLite: `lower(substr("E-Mail", instr("E-Mail", '@') + 1))`
- MariaDB: `lower(substring_index("E-Mail", '@', -1))`; MariaDB 10.x indexes it only
  as a generated column, which the mapping then names as `accounts.columns.domain`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    String,
    and_,
    cast,
    func,
    literal_column,
    or_,
)
from sqlalchemy import select as sa_select
from sqlalchemy.sql.expression import ColumnClause

from erp_adapters.sql.schema import MappedTable, Schema

Query = Select[*tuple[Any, ...]]
"""Any SELECT the adapter builds; its columns are read by label."""

LIKE_ESCAPE = "/"
_ACCOUNT_FIELDS = (
    "number",
    "name",
    "email",
    "post_code",
    "country",
    "price_list",
    "credit_limit",
    "blocked",
    "salesperson",
    "last_order",
)


def escape_like(value: str) -> str:
    """The value with LIKE's wildcards and the escape character made literal."""
    for char in (LIKE_ESCAPE, "%", "_"):
        value = value.replace(char, LIKE_ESCAPE + char)
    return value


def domain_expression(email: ColumnClause[object], dialect: str) -> ColumnElement[str]:
    """The lower-case text after the `@` of a column, as the dialect's index has it."""
    at: ColumnElement[str] = literal_column("'@'")
    if dialect == "postgresql":
        part = func.split_part(email, at, literal_column("2"))
    elif dialect == "sqlite":
        part = func.substr(email, func.instr(email, at) + literal_column("1"))
    else:
        part = func.substring_index(email, at, literal_column("-1"))
    return func.lower(part)


class Statements:
    """Builds the adapter's SELECTs over one checked schema and dialect."""

    def __init__(self, schema: Schema, dialect: str, link_to_table: str) -> None:
        self._schema = schema
        self._dialect = dialect
        self._link_to_table = link_to_table

    def accounts(self) -> Query:
        """Accounts with every field labelled, and the rep's e-mail when mapped."""
        accounts, people = self._schema.accounts, self._schema.salespeople
        columns = [
            accounts.c(field).label(field)
            for field in _ACCOUNT_FIELDS
            if accounts.has(field)
        ]
        if people is None or not accounts.has("salesperson"):
            return sa_select(*columns).select_from(accounts.clause)
        joined = accounts.clause.outerjoin(
            people.clause, people.c("code") == accounts.c("salesperson")
        )
        rep = people.c("email").label("salesperson_email")
        return sa_select(*columns, rep).select_from(joined)

    def accounts_by_numbers(self, numbers: Sequence[str]) -> Query:
        """The accounts with these numbers, ordered by number."""
        number = self._schema.accounts.c("number")
        query = self.accounts().where(number.in_(list(numbers)))
        return query.order_by(number).limit(max(len(numbers), 1))

    def contacts(self) -> Query | None:
        """Contacts with the number of the account they belong to; None without."""
        joined = self._contacts_joined()
        if joined is None:
            return None
        contacts, source, account = joined
        columns = [contacts.c(f).label(f) for f in ("number", "name", "email")]
        return sa_select(*columns, account.label("account_number")).select_from(source)

    def contacts_page(self, after: tuple[Any, Any] | None, size: int) -> Query | None:
        """The next `size` contacts by (contact number, account number) after
        `after` (key-set paging: a contact related to two accounts is two rows);
        None without a contacts table."""
        query, joined = self.contacts(), self._contacts_joined()
        if query is None or joined is None:
            return None
        number, account = joined[0].c("number"), joined[2]
        if after is not None:
            query = query.where(
                or_(number > after[0], and_(number == after[0], account > after[1]))
            )
        return query.order_by(number, account).limit(size)

    def _contacts_joined(
        self,
    ) -> tuple[MappedTable, FromClause, ColumnElement[Any]] | None:
        """The contacts table, the FROM clause joining it to the account numbers,
        and the account number column; None without a contacts table."""
        contacts, relations = self._schema.contacts, self._schema.relations
        if contacts is None:
            return None
        if relations is None:
            return contacts, contacts.clause, contacts.c("company_number")
        related = and_(
            relations.c("contact_number").in_(
                [contacts.c("number"), contacts.c("company_number")]
            ),
            cast(relations.c("link_to_table"), String) == self._link_to_table,
        )
        joined = contacts.clause.join(relations.clause, related)
        return contacts, joined, relations.c("account_number")

    def account_addresses(self, condition: ColumnElement[bool], limit: int) -> Query:
        """Number and e-mail field of the accounts meeting `condition`."""
        accounts = self._schema.accounts
        query = sa_select(accounts.c("number"), accounts.c("email"))
        return query.where(condition).limit(limit)

    def email_matches(
        self, table: MappedTable, email: str, *, substring: bool
    ) -> ColumnElement[bool]:
        """The condition for a field that holds `email` (already lower case)."""
        column = table.c("email")
        if substring:
            pattern = f"%{escape_like(email)}%"
            return func.lower(column).like(pattern, escape=LIKE_ESCAPE)
        return func.lower(column) == email

    def domain_matches(
        self, table: MappedTable, domain: str, *, substring: bool
    ) -> ColumnElement[bool]:
        """The condition for a field with an address at `domain` (lower case)."""
        if substring:
            pattern = f"%{escape_like(domain)}%"
            return func.lower(table.c("email")).like(pattern, escape=LIKE_ESCAPE)
        if table.has("domain"):
            return table.c("domain") == domain
        expression = domain_expression(table.c("email"), self._dialect)
        return expression == domain
