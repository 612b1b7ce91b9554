"""The SQL adapter's `contacts()`: key-set pages over accounts, then over contacts
joined with their business relations, on every kind of database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from erp_adapters.sql import SqlAdapter
from erp_adapters.sql.mapping import parse_options
from erp_adapters.sql.queries import Statements
from erp_adapters.sql.schema import reflect

from ..contract import CONTRACT_CONTACTS, CONTRACT_DATA
from ..sql_support import PREFIX, ErpDatabase, erp_database, load_nav, nav_metadata


@pytest.mark.asyncio
async def test_contacts_page_by_key_without_repeats_or_gaps(nav: ErpDatabase) -> None:
    # given: pages of two rows, so every boundary is crossed
    adapter = await SqlAdapter.open(nav.options(page_size="2"))

    # when
    listed = [c async for c in adapter.contacts()]
    await adapter.close()

    # then: the accounts' addresses by number, then the contacts by number
    found = [(c.number, c.account_number, c.name, c.email.lower()) for c in listed]
    assert sorted(found) == sorted(CONTRACT_CONTACTS)
    own = [c.account_number for c in listed if not c.number]
    assert own == sorted(own)
    named = [c.number for c in listed if c.number]
    assert named == sorted(named)
    assert [c.number for c in listed].index("CT10000") == len(own)


@pytest.mark.asyncio
async def test_a_contact_of_two_accounts_comes_once_for_each(tmp_path: Path) -> None:
    async with erp_database("sqlite", tmp_path) as database:
        # given: Acme's company contact is also a customer relation of Hansen Nord,
        # and a contact number holds SQL syntax
        await load_nav(database, CONTRACT_DATA)
        tables = nav_metadata().tables
        writer = create_async_engine(database.url)
        async with writer.begin() as conn:
            await conn.execute(
                insert(tables[f"{PREFIX}Contact Business Relation"]),
                [{"Contact No_": "CC10000", "Link to Table": 1, "No_": "10020"}],
            )
            await conn.execute(
                insert(tables[f"{PREFIX}Contact"]),
                [
                    {
                        "No_": "CT' OR '1'='1",
                        "Name": "Quote * Person",
                        "E-Mail": "q@injection-test.de",
                        "Type": 1,
                        "Company No_": "CC10090",
                    }
                ],
            )
        await writer.dispose()
        adapter = await SqlAdapter.open(database.options(page_size="1"))

        # when
        listed = [c async for c in adapter.contacts()]
        await adapter.close()

    # then
    early = [(c.number, c.account_number) for c in listed if "" < c.number < "CT1001"]
    assert sorted(early) == [
        ("CT' OR '1'='1", "10090"),
        ("CT10000", "10000"),
        ("CT10000", "10020"),
        ("CT10001", "10000"),
        ("CT10001", "10020"),
    ]
    found = [(c.number, c.account_number, c.name, c.email.lower()) for c in listed]
    assert len(found) == len(set(found)) == len(CONTRACT_CONTACTS) + 3
    quote = next(c for c in listed if c.number.startswith("CT'"))
    assert (quote.name, quote.email) == ("Quote * Person", "q@injection-test.de")


@pytest.mark.asyncio
async def test_a_contacts_page_binds_its_key_and_has_a_limit(nav: ErpDatabase) -> None:
    # given
    options = parse_options(nav.options())
    engine = create_async_engine(nav.url)
    async with engine.connect() as conn:
        schema = await conn.run_sync(reflect, options)
    await engine.dispose()
    statements = Statements(schema, nav.kind, "1")
    after = ("CT' OR '1'='1", "10000")

    # when
    query = statements.contacts_page(after, 7)

    # then: the key travels as parameters, never as SQL text
    assert query is not None
    compiled = query.compile(engine.sync_engine)
    assert "OR '1'='1" not in str(compiled)
    assert "LIMIT" in str(compiled).upper()
    assert list(compiled.params.values()).count("CT' OR '1'='1") == 2
    assert "10000" in compiled.params.values()
    assert 7 in compiled.params.values()
