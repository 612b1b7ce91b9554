"""The SQL adapter's options: connection, limits and the table and column mapping.

Options arrive as a flat string map (ERPLINK_ADAPTER_OPTIONS). The mapping keys are
dotted: `<part>.table` names a table (or view) and `<part>.columns.<field>` one of its
columns, for the parts `accounts`, `contacts`, `relations` and `salespeople`. The
defaults are the tables of Dynamics NAV / Business Central on SQL; `table_prefix`
puts a company prefix such as `CRONUS$` before every table name. An empty `table`
for `contacts`, `relations` or `salespeople` leaves that part out, and an empty
optional column (`accounts.columns.modified`, ...) reads as blank.

Only identifiers from this mapping ever appear in SQL, and each is checked against
the database's own catalogue before the first query (see `schema.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from erp_adapters.base import ErpMisconfiguredError

ACCOUNT_COLUMNS: Mapping[str, str] = {
    "number": "No_",
    "name": "Name",
    "email": "E-Mail",
    "post_code": "Post Code",
    "country": "Country_Region Code",
    "price_list": "Customer Price Group",
    "credit_limit": "Credit Limit (LCY)",
    "blocked": "Blocked",
    "salesperson": "Salesperson Code",
    "modified": "Last Date Modified",
    "last_order": "",
    "domain": "",
}
"""Account fields and NAV's `Customer` columns. `domain` names a column (or a view's
column) holding the lower-case domain of the e-mail, kept by the ERP's DBA."""

CONTACT_COLUMNS: Mapping[str, str] = {
    "number": "No_",
    "name": "Name",
    "email": "E-Mail",
    "company_number": "Company No_",
    "domain": "",
}
"""Contact fields and NAV's `Contact` columns. Without a relations table
`company_number` holds the account (customer) number itself."""

RELATION_COLUMNS: Mapping[str, str] = {
    "contact_number": "Contact No_",
    "account_number": "No_",
    "link_to_table": "Link to Table",
}
"""NAV's `Contact Business Relation`: which customer a company contact stands for."""

SALESPERSON_COLUMNS: Mapping[str, str] = {"code": "Code", "email": "E-Mail"}
"""NAV's `Salesperson_Purchaser`: the rep's e-mail by salesperson code."""

OPTIONAL = frozenset(
    {"accounts.modified", "accounts.last_order", "accounts.domain", "contacts.domain"}
)
"""Columns that may be set to "" to leave them out."""

PARTS: Mapping[str, tuple[str, Mapping[str, str]]] = {
    "accounts": ("Customer", ACCOUNT_COLUMNS),
    "contacts": ("Contact", CONTACT_COLUMNS),
    "relations": ("Contact Business Relation", RELATION_COLUMNS),
    "salespeople": ("Salesperson_Purchaser", SALESPERSON_COLUMNS),
}
_LIMITS: Mapping[str, tuple[float, float, float]] = {
    # option: (default, smallest, largest)
    "pool_size": (5, 1, 100),
    "max_overflow": (5, 0, 100),
    "pool_timeout_s": (10, 0.1, 300),
    "connect_timeout_s": (5, 0.1, 300),
    "statement_timeout_ms": (5000, 10, 600_000),
    "page_size": (500, 1, 10_000),
}
_OTHER_OPTIONS = frozenset(
    {"url", "schema", "table_prefix", "relations.link_to_table", "lookup.substring"}
)
_TRUE, _FALSE = (
    frozenset({"true", "yes", "on", "1"}),
    frozenset({"false", "no", "off", "0"}),
)


@dataclass(frozen=True, slots=True)
class TableMapping:
    """One mapped table: its full name and the column of each field ("" = none)."""

    part: str
    name: str
    columns: Mapping[str, str]

    def column(self, field: str) -> str:
        """The column mapped to `field`, or "" when the field is left out."""
        return self.columns.get(field, "")


@dataclass(frozen=True, slots=True)
class SqlOptions:
    """Everything the SQL adapter was configured with, checked and typed."""

    url: str
    schema: str | None
    accounts: TableMapping
    contacts: TableMapping | None
    relations: TableMapping | None
    salespeople: TableMapping | None
    link_to_table: str
    substring: bool
    pool_size: int
    max_overflow: int
    pool_timeout_s: float
    connect_timeout_s: float
    statement_timeout_ms: int
    page_size: int

    def tables(self) -> list[TableMapping]:
        """The mapped tables that are in use, accounts first."""
        parts = (self.accounts, self.contacts, self.relations, self.salespeople)
        return [part for part in parts if part is not None]


def parse_options(options: Mapping[str, str]) -> SqlOptions:
    """Checks the string options and fills in NAV's defaults.

    Raises:
        ErpMisconfiguredError: `url` is missing, an option is unknown, or a number
            is not a number or out of range; the message says which and how to fix.
    """
    _refuse_unknown(options)
    url = options.get("url", "").strip()
    if not url:
        raise ErpMisconfiguredError(
            "the sql adapter needs the option 'url': a SQLAlchemy async URL such as "
            "postgresql+asyncpg://user:password@host/db (take it from the environment)"
        )
    prefix = options.get("table_prefix", "")
    tables = {part: _table(part, prefix, options) for part in PARTS}
    if tables["accounts"] is None:
        raise ErpMisconfiguredError("the option 'accounts.table' must not be empty")
    numbers = {name: _number(name, options) for name in _LIMITS}

    return SqlOptions(
        url=url,
        schema=options.get("schema", "").strip() or None,
        accounts=tables["accounts"],
        contacts=tables["contacts"],
        relations=tables["relations"] if tables["contacts"] else None,
        salespeople=tables["salespeople"],
        link_to_table=options.get("relations.link_to_table", "1"),
        substring=_flag("lookup.substring", options, default=True),
        pool_size=int(numbers["pool_size"]),
        max_overflow=int(numbers["max_overflow"]),
        pool_timeout_s=numbers["pool_timeout_s"],
        connect_timeout_s=numbers["connect_timeout_s"],
        statement_timeout_ms=int(numbers["statement_timeout_ms"]),
        page_size=int(numbers["page_size"]),
    )


def _refuse_unknown(options: Mapping[str, str]) -> None:
    known = set(_OTHER_OPTIONS) | set(_LIMITS)
    for part, (_, columns) in PARTS.items():
        known.add(f"{part}.table")
        known.update(f"{part}.columns.{field}" for field in columns)
    unknown = sorted(set(options) - known)
    if unknown:
        raise ErpMisconfiguredError(
            f"unknown sql adapter options {', '.join(unknown)}; known options are "
            f"{', '.join(sorted(known))}"
        )


def _table(part: str, prefix: str, options: Mapping[str, str]) -> TableMapping | None:
    default_table, default_columns = PARTS[part]
    table = options.get(f"{part}.table", default_table).strip()
    if not table:
        return None
    columns: dict[str, str] = {}
    for field, default in default_columns.items():
        column = options.get(f"{part}.columns.{field}", default).strip()
        if not column and f"{part}.{field}" not in OPTIONAL:
            raise ErpMisconfiguredError(
                f"the option '{part}.columns.{field}' must name a column of {table!r}"
            )
        columns[field] = column
    return TableMapping(part, prefix + table, columns)


def _number(name: str, options: Mapping[str, str]) -> float:
    default, low, high = _LIMITS[name]
    raw = options.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise ErpMisconfiguredError(
            f"the option {name!r} is {raw!r}; give a number from {low:g} to {high:g}"
        )
    return value


def _flag(name: str, options: Mapping[str, str], *, default: bool) -> bool:
    raw = options.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE or raw in _FALSE:
        return raw in _TRUE
    raise ErpMisconfiguredError(f"the option {name!r} is {raw!r}; use true or false")
