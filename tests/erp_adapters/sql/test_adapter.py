"""The SQL adapter beyond the contract and the bad-input table (`test_bad_input.py`).

The contract suite (`test_contract.py`) runs the adapter over the contract data on
SQLite, PostgreSQL and MariaDB. Here: read-only sessions, key-set paging, health,
the indexed lookups and the plans that prove the documented indexes serve them, the
registry and ambiguous addresses.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import DateTime, insert, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import column, table

from connector.linking.model import Contact
from erp_adapters import registry
from erp_adapters.base import ErpAdapter
from erp_adapters.sql import SqlAdapter
from erp_adapters.sql.connection import create_engine
from erp_adapters.sql.mapping import parse_options
from erp_adapters.sql.queries import Statements
from erp_adapters.sql.schema import reflect

from ..contract import ALL_NUMBERS, CONTRACT_DATA
from ..sql_support import (
    DIALECTS,
    OLD_ACCOUNTS,
    PREFIX,
    ErpDatabase,
    erp_database,
    load_nav,
    nav_metadata,
)

# -- read-only sessions --------------------------------------------------------------


@pytest.mark.asyncio
async def test_sessions_refuse_writes(nav: ErpDatabase) -> None:
    # given
    engine = create_engine(parse_options(nav.options()))
    people = table(f"{PREFIX}Salesperson_Purchaser", column("Code"), column("E-Mail"))

    # when
    with pytest.raises(sa_exc.DBAPIError):
        async with engine.begin() as conn:
            await conn.execute(insert(people).values({"Code": "ZZ", "E-Mail": "z@z"}))
    await engine.dispose()

    # then
    writer = create_async_engine(nav.url)
    async with writer.connect() as conn:
        query = select(people.c.Code).order_by(people.c.Code)
        codes = (await conn.execute(query)).scalars().all()
    await writer.dispose()
    assert "ZZ" not in codes
    assert codes == ["AB", "JL", "MH", "SK", "TN"]


# -- what only the database has ------------------------------------------------------


@pytest.mark.asyncio
async def test_changed_since_pages_by_key_and_skips_old_accounts(
    nav: ErpDatabase,
) -> None:
    # given: 10040 and 10041 were last changed in 2025; 10094's date is blank
    adapter = await SqlAdapter.open(nav.options(page_size="4"))

    # when
    since = datetime(2026, 6, 1, 8, 30)
    changed = [a.number async for a in adapter.accounts_changed_since(since)]
    everything = [a.number async for a in adapter.accounts_changed_since(None)]
    await adapter.close()

    # then
    assert changed == sorted(ALL_NUMBERS - OLD_ACCOUNTS)
    assert everything == sorted(ALL_NUMBERS)


@pytest.mark.asyncio
async def test_health_names_the_database_and_counts(nav: ErpDatabase) -> None:
    # given
    adapter = SqlAdapter.from_settings(nav.options())

    # when
    health = await adapter.health()
    await adapter.close()

    # then
    assert (health.ok, health.accounts) == (True, len(ALL_NUMBERS))
    assert health.detail.endswith(f": {len(ALL_NUMBERS)} accounts")
    assert health.detail.startswith(DIALECTS[nav.kind])


@pytest.mark.asyncio
async def test_indexed_lookups_find_first_addresses_at_the_exact_domain(
    nav: ErpDatabase,
) -> None:
    # given: without the scan only what the indexes serve is found
    extra = {"lookup.substring": "false"}
    if nav.kind == "mariadb":  # MariaDB 10 indexes the generated column only
        extra |= {"accounts.columns.domain": "email_domain"}
        extra |= {"contacts.columns.domain": "email_domain"}
    adapter = await SqlAdapter.open(nav.options(**extra))

    # when
    acme = await adapter.accounts_by_domain("acme-industrial.de")
    brandt = await adapter.contact_by_email("info@brandt-metall.de")
    second = await adapter.contact_by_email("rechnung@multi-mail-billing.de")
    subdomain = await adapter.accounts_by_domain("subdomain-firma.de")
    await adapter.close()

    # then
    assert [a.number for a in acme] == ["10000"]
    assert brandt is not None
    assert brandt[1].number == "10010"
    assert second is None
    assert subdomain == []


# -- the indexes serve the indexed lookups -------------------------------------------

INDEX_KINDS = ("sqlite", "postgresql")


async def _plan(
    database: ErpDatabase, field: str, value: str, *, substring: bool = False
) -> str:
    """The database's plan for the adapter's account lookup by `field`."""
    options = parse_options(database.options())
    engine = create_async_engine(database.url)
    async with engine.connect() as conn:
        schema = await conn.run_sync(reflect, options)
        statements = Statements(schema, database.kind, "1")
        if field == "domain":
            condition = statements.domain_matches(
                schema.accounts, value, substring=substring
            )
        else:
            condition = statements.email_matches(
                schema.accounts, value, substring=substring
            )
        query = statements.account_addresses(condition, 10)
        sql = str(
            query.compile(engine.sync_engine, compile_kwargs={"literal_binds": True})
        )
        if database.kind == "postgresql":
            # 18 rows: the planner would rather scan; forbid it to see the index fit
            await conn.execute(text("SET enable_seqscan = off"))
            rows = await conn.execute(text(f"EXPLAIN {sql}"))
        else:
            rows = await conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
        plan = "\n".join(str(row[-1]) for row in rows)
    await engine.dispose()
    return plan


PLAN_USES = {"sqlite": "USING INDEX {}", "postgresql": "Index Scan using {} on"}


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", INDEX_KINDS)
@pytest.mark.parametrize(
    ("field", "value", "index"),
    [
        ("domain", "acme-industrial.de", "cronus_customer_domain"),
        ("email", "info@acme-industrial.de", "cronus_customer_email"),
    ],
)
async def test_indexed_lookup_uses_the_documented_index(
    kind: str, field: str, value: str, index: str, tmp_path: Path
) -> None:
    async with erp_database(kind, tmp_path) as database:
        # given: the tables with the indexes as the README writes them
        await load_nav(database, CONTRACT_DATA)

        # when
        plan = await _plan(database, field, value)

    # then
    assert PLAN_USES[kind].format(index) in plan


@pytest.mark.asyncio
async def test_registry_builds_the_sql_adapter(nav: ErpDatabase) -> None:
    # when
    adapter = registry.load_adapter("sql", nav.options())
    account = await adapter.account_by_number("0004711")
    await adapter.close()

    # then
    assert "sql" in registry.available()
    assert isinstance(adapter, SqlAdapter)
    assert account is not None
    assert account.salesperson_email == "s.krueger@erplink-demo.example"


# -- ambiguous addresses -------------------------------------------------------------


@pytest.mark.asyncio
async def test_address_of_two_accounts_is_ambiguous(
    tmp_path: Path, logs: list[MutableMapping[str, Any]]
) -> None:
    async with erp_database("sqlite", tmp_path) as database:
        # given: Hansen Nord's own address is also a contact's of Acme
        await load_nav(database, CONTRACT_DATA)
        writer = create_async_engine(database.url)
        contacts = table(
            f"{PREFIX}Contact",
            column("No_"),
            column("Name"),
            column("E-Mail"),
            column("Type"),
            column("Company No_"),
        )
        async with writer.begin() as conn:
            row = ("CT99", "Doppelt", "NORD@hansen-gruppe.de", 1, "CC10000")
            await conn.execute(insert(contacts).values(row))
        await writer.dispose()
        adapter = await SqlAdapter.open(database.options())

        # when
        ambiguous = await adapter.contact_by_email("nord@hansen-gruppe.de")
        domain = await adapter.accounts_by_domain("hansen-gruppe.de")
        await adapter.close()

    # then
    assert ambiguous is None
    assert [a.number for a in domain] == ["10000", "10020", "10021"]
    warnings = [e for e in logs if e["log_level"] == "warning"]
    assert [(e["event"], e["accounts"]) for e in warnings] == [
        ("erp.sql.ambiguous_email", 2)
    ]
    assert "nord@hansen-gruppe.de" not in repr(logs)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("field", "value"),
    [("domain", "acme-industrial.de"), ("email", "info@acme-industrial.de")],
)
async def test_substring_lookup_uses_the_trigram_index_on_postgresql(
    field: str, value: str, tmp_path: Path
) -> None:
    async with erp_database("postgresql", tmp_path) as database:
        # given
        await load_nav(database, CONTRACT_DATA)

        # when
        plan = await _plan(database, field, value, substring=True)

    # then
    assert "Bitmap Index Scan on cronus_customer_email_trgm" in plan


# -- other mappings and settings -----------------------------------------------------


@pytest.mark.asyncio
async def test_contacts_without_relation_table_name_the_account(tmp_path: Path) -> None:
    async with erp_database("sqlite", tmp_path) as database:
        # given: a schema whose contacts carry the customer number themselves
        writer = create_async_engine(database.url)
        metadata = nav_metadata(prefix="")
        async with writer.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(insert(metadata.tables["Customer"]), [CUSTOMER])
            await conn.execute(insert(metadata.tables["Contact"]), [CONTACT])
        await writer.dispose()
        options = {
            "url": database.url,
            "relations.table": "",
            "salespeople.table": "",
        }
        adapter = await SqlAdapter.open(options)

        # when
        found = await adapter.contact_by_email("ANNA@firma.de")
        await adapter.close()

    # then
    assert found is not None
    contact, account = found
    assert contact == Contact("CT1", "0001", "Anna", "anna@firma.de")
    assert (account.number, account.salesperson, account.salesperson_email) == (
        "0001",
        "SP",
        "",
    )
    assert account.last_order is None


@pytest.mark.asyncio
async def test_sql_adapter_meets_the_protocol_and_takes_the_pool_limits() -> None:
    # given
    options = {
        "url": "sqlite+aiosqlite:///nowhere.db",
        "pool_size": "3",
        "max_overflow": "2",
        "pool_timeout_s": "1.5",
    }

    # when: building does no I/O, so a missing file is no error yet
    adapter = SqlAdapter.from_settings(options)
    engine = create_engine(parse_options(options))

    # then
    assert isinstance(adapter, ErpAdapter)
    assert isinstance(engine.pool, QueuePool)
    assert (engine.pool.size(), engine.pool.timeout()) == (3, 1.5)
    assert engine.pool.overflow() == -3  # no connection yet: overflow counts from -size
    await adapter.close()
    await engine.dispose()


CUSTOMER = {
    "No_": "0001",
    "Name": "Firma",
    "E-Mail": "",
    "Post Code": "",
    "Country_Region Code": "",
    "Customer Price Group": "RETAIL",
    "Credit Limit (LCY)": 0,
    "Salesperson Code": "SP",
    "Blocked": 0,
    "Last Date Modified": date(1753, 1, 1),
    "Last Order Date": date(1753, 1, 1),
}
CONTACT = {
    "No_": "CT1",
    "Name": "Anna",
    "E-Mail": "anna@firma.de",
    "Type": 1,
    "Company No_": "0001",
}


@pytest.mark.asyncio
async def test_changed_since_reads_datetime_columns_and_their_blank(
    tmp_path: Path,
) -> None:
    async with erp_database("sqlite", tmp_path) as database:
        # given: NAV's own column type is a datetime, blank at 1753-01-01 00:00
        writer = create_async_engine(database.url)
        metadata = nav_metadata(prefix="")
        customers = metadata.tables["Customer"]
        customers.c["Last Date Modified"].type = DateTime()
        dates = {"1": datetime(1753, 1, 1), "2": datetime(2025, 1, 1)}
        dates["3"] = datetime(2026, 11, 1, 9, 15)
        rows = [
            CUSTOMER | {"No_": n, "Last Date Modified": d} for n, d in dates.items()
        ]
        async with writer.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(insert(customers), rows)
        await writer.dispose()
        adapter = await SqlAdapter.open({"url": database.url, "contacts.table": ""})

        # when
        since = datetime(2026, 6, 1)
        changed = [a.number async for a in adapter.accounts_changed_since(since)]
        await adapter.close()

    # then
    assert changed == ["1", "3"]


SCHEMAS = {"sqlite": "main", "postgresql": "public"}


@pytest.mark.asyncio
async def test_schema_option_qualifies_every_table(nav: ErpDatabase) -> None:
    # given: MariaDB's schema is the database itself
    schema = SCHEMAS.get(nav.kind) or make_url(nav.url).database or ""
    adapter = await SqlAdapter.open(nav.options(schema=schema))

    # when
    found = await adapter.contact_by_email("ute@hansen-gruppe.de")
    await adapter.close()

    # then
    assert found is not None
    assert (found[0].number, found[1].number) == ("CT10021", "10021")
