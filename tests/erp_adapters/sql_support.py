"""ERP databases for the SQL adapter's tests: NAV-shaped tables in a fresh database.

`erp_database(kind, tmp)` creates a uniquely named database (PostgreSQL, MariaDB) or
file (SQLite), yields its `ErpDatabase`, and drops it after. `load_nav(db, data)`
creates Dynamics NAV's tables under the company prefix `CRONUS$` with the indexes the
README recommends, and loads the contract data set into them the way NAV stores it:
blank text as `''`, blank dates as 1753-01-01, `Blocked` as 0-3, people as `Contact`
rows of type Person under a Company contact that a `Contact Business Relation` row
ties to the customer.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import (
    Column,
    Date,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    insert,
    text,
)
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import (
    PG_ADMIN_URL,
    PG_HOST,
    PG_PORT,
    postgres_url,
    require_service,
    run_admin,
    service_answers,
)

from .contract import ContractData, contract_rows

MARIADB_HOST, MARIADB_PORT = "127.0.0.1", 3306
MARIADB_ADMIN_URL = f"mysql+asyncmy://root@{MARIADB_HOST}:{MARIADB_PORT}/test"
PREFIX = "CRONUS$"
BLANK_DATE = date(1753, 1, 1)
KINDS = ("sqlite", "postgresql", "mariadb")
DIALECTS = {"sqlite": "sqlite file", "postgresql": "postgresql", "mariadb": "mysql"}
"""How `health()` and errors name each kind of database."""
_BLOCKED = {"": 0, "Ship": 1, "Invoice": 2, "All": 3}
TEST_MODIFIED = date(2026, 11, 1)
OLD_MODIFIED = date(2025, 1, 1)
OLD_ACCOUNTS = frozenset({"10040", "10041"})
"""In the loaded data these two were last modified long ago; 10094 has a blank date."""


@dataclass(frozen=True, slots=True)
class ErpDatabase:
    """A database for one test module: `url` writes, `options()` is the adapter's."""

    kind: str
    url: str

    def options(self, **extra: str) -> dict[str, str]:
        """The adapter options for the NAV tables in this database."""
        return {
            "url": self.url,
            "table_prefix": PREFIX,
            "accounts.columns.last_order": "Last Order Date",
            **extra,
        }


def nav_metadata(prefix: str = PREFIX) -> MetaData:
    """NAV's four tables (the columns erplink reads, plus one it does not)."""
    metadata = MetaData()
    Table(
        f"{prefix}Customer",
        metadata,
        Column("No_", String(20), primary_key=True),
        Column("Name", String(100), nullable=False),
        Column("E-Mail", String(250), nullable=False),
        Column("Phone No_", String(30), nullable=False, default=""),
        Column("Post Code", String(20), nullable=False),
        Column("Country_Region Code", String(10), nullable=False),
        Column("Customer Price Group", String(20), nullable=False),
        Column("Credit Limit (LCY)", Numeric(38, 20), nullable=False),
        Column("Salesperson Code", String(20), nullable=False),
        Column("Blocked", Integer, nullable=False),
        Column("Last Date Modified", Date, nullable=False),
        Column("Last Order Date", Date, nullable=False),
    )
    Table(
        f"{prefix}Contact",
        metadata,
        Column("No_", String(20), primary_key=True),
        Column("Name", String(100), nullable=False),
        Column("E-Mail", String(250), nullable=False),
        Column("Type", Integer, nullable=False),
        Column("Company No_", String(20), nullable=False),
    )
    Table(
        f"{prefix}Contact Business Relation",
        metadata,
        Column("Contact No_", String(20), primary_key=True),
        Column("Link to Table", Integer, primary_key=True),
        Column("No_", String(20), primary_key=True),
    )
    Table(
        f"{prefix}Salesperson_Purchaser",
        metadata,
        Column("Code", String(20), primary_key=True),
        Column("E-Mail", String(80), nullable=False),
    )
    return metadata


def index_statements(kind: str, prefix: str = PREFIX) -> list[str]:
    """The indexes the README asks the DBA for, per database."""
    statements = []
    for table in (f"{prefix}Customer", f"{prefix}Contact"):
        name = table.replace("$", "_").replace(" ", "_").lower()
        if kind == "postgresql":
            statements += [
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                f'CREATE INDEX {name}_email_trgm ON "{table}" '
                'USING gin (lower("E-Mail") gin_trgm_ops)',
                f'CREATE INDEX {name}_email ON "{table}" (lower("E-Mail"))',
                f'CREATE INDEX {name}_domain ON "{table}" '
                f"(lower(split_part(\"E-Mail\", '@', 2)))",
            ]
        elif kind == "sqlite":
            statements += [
                f'CREATE INDEX {name}_email ON "{table}" (lower("E-Mail"))',
                f'CREATE INDEX {name}_domain ON "{table}" '
                f'(lower(substr("E-Mail", instr("E-Mail", \'@\') + 1)))',
            ]
        else:
            statements += [
                f"ALTER TABLE `{table}` ADD COLUMN email_domain VARCHAR(250) AS "
                "(lower(substring_index(`E-Mail`, '@', -1))) VIRTUAL",
                f"CREATE INDEX {name}_domain ON `{table}` (email_domain)",
            ]
    return statements


async def load_nav(database: ErpDatabase, data: ContractData) -> None:
    """Creates NAV's tables and indexes and loads the contract data into them."""
    engine = create_async_engine(database.url)
    metadata = nav_metadata()
    tables = metadata.tables
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for statement in index_statements(database.kind):
            await conn.execute(text(statement))
        accounts = contract_rows(data.accounts_csv)
        await conn.execute(insert(tables[f"{PREFIX}Customer"]), _customers(accounts))
        await conn.execute(
            insert(tables[f"{PREFIX}Salesperson_Purchaser"]), _salespeople(accounts)
        )
        people = contract_rows(data.contacts_csv)
        contacts, relations = _contacts(accounts, people)
        await conn.execute(insert(tables[f"{PREFIX}Contact"]), contacts)
        await conn.execute(
            insert(tables[f"{PREFIX}Contact Business Relation"]), relations
        )
    await engine.dispose()


def _customers(rows: list[dict[str, str]]) -> list[dict[str, object]]:
    def modified(number: str) -> date:
        if number == "10094":
            return BLANK_DATE
        return OLD_MODIFIED if number in OLD_ACCOUNTS else TEST_MODIFIED

    return [
        {
            "No_": row["No."],
            "Name": row["Name"],
            "E-Mail": row["E-Mail"],
            "Post Code": row["Post Code"],
            "Country_Region Code": row["Country/Region Code"],
            "Customer Price Group": row["Customer Price Group"],
            "Credit Limit (LCY)": Decimal(row["Credit Limit (LCY)"]),
            "Salesperson Code": row["Salesperson Code"],
            "Blocked": _BLOCKED[row["Blocked"]],
            "Last Date Modified": modified(row["No."]),
            "Last Order Date": date.fromisoformat(row["Last Order Date"])
            if row["Last Order Date"]
            else BLANK_DATE,
        }
        for row in rows
    ]


def _salespeople(rows: list[dict[str, str]]) -> list[dict[str, object]]:
    emails = {row["Salesperson Code"]: row["Salesperson E-Mail"] for row in rows}
    return [{"Code": code, "E-Mail": email} for code, email in sorted(emails.items())]


def _contacts(
    accounts: list[dict[str, str]], people: list[dict[str, str]]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Company contacts for every customer, persons under them, and the relations.

    A vendor relation (Link to Table 2) ties Hansen Süd's company contact to the
    number of another customer: a mapping that ignored `Link to Table` would find
    two accounts for Hansen Süd's people.
    """
    contacts: list[dict[str, object]] = []
    relations: list[dict[str, object]] = []
    for row in accounts:
        company = f"CC{row['No.']}"
        contacts.append(_contact(company, row["Name"], "", 0, company))
        relations.append(
            {"Contact No_": company, "Link to Table": 1, "No_": row["No."]}
        )
    relations.append({"Contact No_": "CC10021", "Link to Table": 2, "No_": "10000"})
    for row in people:
        company = f"CC{row['Company No.']}"
        contacts.append(_contact(row["No."], row["Name"], row["E-Mail"], 1, company))
    return contacts, relations


def _contact(
    number: str, name: str, email: str, kind: int, company: str
) -> dict[str, object]:
    return {
        "No_": number,
        "Name": name,
        "E-Mail": email,
        "Type": kind,
        "Company No_": company,
    }


# -- databases -----------------------------------------------------------------------


SERVICES: Mapping[str, tuple[str, str, int]] = {
    "postgresql": ("PostgreSQL", PG_HOST, PG_PORT),
    "mariadb": ("MariaDB", MARIADB_HOST, MARIADB_PORT),
}


def require_kind(kind: str) -> None:
    """Skip (or under CI fail) when the server for `kind` does not answer."""
    if kind in SERVICES:
        require_service(*SERVICES[kind])


def answers(kind: str) -> bool:
    """Whether the server for `kind` answers (SQLite always does)."""
    return kind not in SERVICES or service_answers(*SERVICES[kind][1:])


@asynccontextmanager
async def erp_database(kind: str, tmp: Path) -> AsyncIterator[ErpDatabase]:
    """A fresh, empty database of `kind`, dropped afterwards."""
    if kind == "sqlite":
        yield ErpDatabase(
            kind, f"sqlite+aiosqlite:///{tmp / f'erp-{uuid.uuid4().hex[:8]}.db'}"
        )
        return
    name = f"erp_{uuid.uuid4().hex[:12]}"
    if kind == "postgresql":
        require_kind(kind)
        admin, url = PG_ADMIN_URL, postgres_url(name)
        create, drop = (
            f'CREATE DATABASE "{name}"',
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        )
    else:
        require_kind(kind)
        admin = MARIADB_ADMIN_URL
        url = (
            f"mysql+asyncmy://root@{MARIADB_HOST}:{MARIADB_PORT}/{name}?charset=utf8mb4"
        )
        create = f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
        drop = f"DROP DATABASE IF EXISTS `{name}`"
    await run_admin(admin, create)
    try:
        yield ErpDatabase(kind, url)
    finally:
        await run_admin(admin, drop)
