"""The SQL adapter's bad-input table: each row of the task is a test here.

| wrong ERP credentials | error naming the adapter and what failed, no secret |
| mapping names a missing table or column | start-up error listing those that exist |
| e-mail or number crafted as SQL or filter syntax | literal: no match, no error |
| database slower than the statement timeout, or down | ErpUnavailableError |

Plus the options a merchant can get wrong before any database is asked.
"""

from __future__ import annotations

import socket
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.sql import table

from erp_adapters.base import (
    ErpMisconfiguredError,
    ErpUnauthorizedError,
    ErpUnavailableError,
)
from erp_adapters.sql import SqlAdapter
from erp_adapters.sql.connection import create_engine
from erp_adapters.sql.errors import translate
from erp_adapters.sql.mapping import parse_options
from erp_adapters.sql.queries import Statements, escape_like
from erp_adapters.sql.schema import reflect
from tests.conftest import free_port

from ..contract import ALL_NUMBERS, CONTRACT_DATA
from ..sql_support import (
    DIALECTS,
    KINDS,
    PREFIX,
    ErpDatabase,
    erp_database,
    load_nav,
)

SECRET = "S3cret-Pa55word"
NAV_TABLES = (
    "'CRONUS$Contact', 'CRONUS$Contact Business Relation', 'CRONUS$Customer', "
    "'CRONUS$Salesperson_Purchaser'"
)
CUSTOMER_COLUMNS = (
    "'Blocked', 'Country_Region Code', 'Credit Limit (LCY)', 'Customer Price Group', "
    "'E-Mail', 'Last Date Modified', 'Last Order Date', 'Name', 'No_', 'Phone No_', "
    "'Post Code', 'Salesperson Code'"
)
SYNTAX_VALUES = ("' OR 1=1 --", "*", "|", "..", "%", "_")


async def customer_count(database: ErpDatabase) -> int:
    """Rows in the Customer table, read over a separate writable connection."""
    engine = create_async_engine(database.url)
    try:
        async with engine.connect() as conn:
            customers = table(f"{PREFIX}Customer")
            query = select(func.count()).select_from(customers)
            return int((await conn.execute(query)).scalar_one())
    finally:
        await engine.dispose()


# -- bad input: wrong credentials ----------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
async def test_wrong_credentials_name_the_adapter_without_the_secret(
    kind: str,
    tmp_path: Path,
    logs: list[MutableMapping[str, Any]],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with erp_database(kind, tmp_path) as database:
        # given: PostgreSQL here trusts any password, so the role is the wrong part
        user = "erplink_nobody" if kind == "postgresql" else "root"
        url = make_url(database.url).set(username=user, password=SECRET)
        adapter = SqlAdapter.from_settings(
            {"url": url.render_as_string(hide_password=False)}
        )

        # when
        with pytest.raises(ErpUnauthorizedError) as caught:
            await adapter.account_by_number("10000")
        health = await adapter.health()
        await adapter.close()

    # then
    message = caught.value.message
    assert message.startswith(
        f"sql adapter: the database refused the login ({DIALECTS[kind]} at 127.0.0.1:"
    )
    assert caught.value.code == "erp_unauthorized"
    assert caught.value.transient is False
    assert (health.ok, health.accounts) == (False, None)
    assert health.detail.startswith("sql adapter: the database refused the login")
    assert [e["event"] for e in logs] == ["erp.sql.call_failed"] * 2
    assert logs[0]["code"] == "erp_unauthorized"
    assert logs[0]["operation"] == "account_by_number"
    output = capsys.readouterr()
    for text_ in (message, health.detail, repr(logs), caplog.text, *output):
        assert SECRET not in text_
        assert "erplink_nobody:" not in text_  # no URL with user:password either


# -- bad input: mapping names what does not exist -----------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        (
            "accounts.table",
            "Kunde",
            "the sql adapter's accounts.table 'CRONUS$Kunde' does not exist in the "
            f"database; its tables and views are {NAV_TABLES}",
        ),
        (
            "accounts.columns.email",
            "Email",
            "the sql adapter's table 'CRONUS$Customer' has no column for "
            f"accounts.columns.email = 'Email'; its columns are {CUSTOMER_COLUMNS}"
            "{generated}",
        ),
        (
            "contacts.columns.company_number",
            "Company No.",
            "the sql adapter's table 'CRONUS$Contact' has no column for "
            "contacts.columns.company_number = 'Company No.'; its columns are "
            "'Company No_', 'E-Mail', 'Name', 'No_', 'Type'{generated}",
        ),
    ],
)
async def test_missing_table_or_column_lists_those_that_exist(
    nav: ErpDatabase, option: str, value: str, expected: str
) -> None:
    # given
    adapter = SqlAdapter.from_settings(nav.options(**{option: value}))

    # when
    with pytest.raises(ErpMisconfiguredError) as at_start:
        await adapter.health()
    with pytest.raises(ErpMisconfiguredError) as on_lookup:
        await adapter.account_by_number("10000")
    await adapter.close()

    # then: MariaDB's tables have the generated domain column the README asks for
    generated = ", 'email_domain'" if nav.kind == "mariadb" else ""
    expected = expected.replace("{generated}", generated)
    assert at_start.value.message == expected
    assert on_lookup.value.message == expected


@pytest.mark.asyncio
async def test_open_checks_the_mapping_at_once(nav: ErpDatabase) -> None:
    # when / then
    with pytest.raises(ErpMisconfiguredError, match="'CRONUS\\$Kunde' does not"):
        await SqlAdapter.open(nav.options(**{"accounts.table": "Kunde"}))


# -- bad input: values crafted as SQL or filter syntax ------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("substring", ["true", "false"])
@pytest.mark.parametrize("value", SYNTAX_VALUES)
async def test_syntax_in_values_is_literal(
    nav: ErpDatabase, value: str, substring: str
) -> None:
    # given
    adapter = await SqlAdapter.open(nav.options(**{"lookup.substring": substring}))

    # when
    numbers = [await adapter.account_by_number(v) for v in (value, f"10000{value}")]
    domains = [
        await adapter.accounts_by_domain(d)
        for d in (value, f"acme-industrial.de{value}", f"{value}.de")
    ]
    emails = [
        await adapter.contact_by_email(e)
        for e in (value, f"{value}@acme-industrial.de", f"info@{value}")
    ]
    health = await adapter.health()
    await adapter.close()

    # then: nothing found, nothing raised, nothing changed
    assert numbers == [None, None]
    assert domains == [[], [], []]
    assert emails == [None, None, None]
    assert (health.ok, health.accounts) == (True, len(ALL_NUMBERS))
    assert await customer_count(nav) == len(ALL_NUMBERS)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("value", "rows"),
    [("_", 1), ("%", 0), ("/", 0), ("under_score", 1), ("under%score", 0)],
)
async def test_like_wildcards_do_not_leak_into_the_scan(
    nav: ErpDatabase, value: str, rows: int
) -> None:
    # given: only 10093's address holds an underscore; none holds % or /
    options = parse_options(nav.options())
    engine = create_engine(options)
    async with engine.connect() as conn:
        schema = await conn.run_sync(reflect, options)
        statements = Statements(schema, engine.dialect.name, "1")
        accounts = schema.accounts
        condition = statements.email_matches(accounts, value, substring=True)

        # when
        query = select(accounts.c("number")).where(condition).limit(100)
        found = (await conn.execute(query)).scalars().all()
    await engine.dispose()

    # then
    assert len(found) == rows
    assert set(found) <= {"10093"}


def test_escape_like_escapes_wildcards_and_itself() -> None:
    assert escape_like("a%b_c/d") == "a/%b/_c//d"


# -- bad input: database too slow or down -------------------------------------------

SLOW_VIEWS = {
    "postgresql": 'CREATE VIEW "CRONUS$Slow" AS SELECT c.* FROM "CRONUS$Customer" c, '
    "pg_sleep(3)",
    "mariadb": "CREATE VIEW `CRONUS$Slow` AS SELECT * FROM `CRONUS$Customer` "
    "WHERE SLEEP(3) = 0",
    # SQLite has no sleep: a long count stands in, interrupted by the progress handler
    "sqlite": 'CREATE VIEW "CRONUS$Slow" AS SELECT c.* FROM "CRONUS$Customer" c, '
    "(WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
    "WHERE n < 100000000) SELECT count(*) AS k FROM r) AS w",
}


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", KINDS)
async def test_slower_than_statement_timeout_is_unavailable(
    kind: str, tmp_path: Path
) -> None:
    async with erp_database(kind, tmp_path) as database:
        # given
        await load_nav(database, CONTRACT_DATA)
        writer = create_async_engine(database.url)
        async with writer.begin() as conn:
            await conn.execute(text(SLOW_VIEWS[kind]))
        await writer.dispose()
        options = {"accounts.table": "Slow", "statement_timeout_ms": "200"}
        adapter = await SqlAdapter.open(database.options(**options))

        # when
        with pytest.raises(ErpUnavailableError) as caught:
            await adapter.account_by_number("10000")
        health = await adapter.health()
        await adapter.close()

    # then
    assert caught.value.transient is True
    assert caught.value.message.startswith("sql adapter: the database did not answer")
    assert health.ok is False


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://postgres:{secret}@127.0.0.1:{port}/erp",
        "mysql+asyncmy://root:{secret}@127.0.0.1:{port}/erp",
    ],
)
async def test_database_down_is_unavailable(url: str) -> None:
    # given: nobody listens on the port
    options = {"url": url.format(secret=SECRET, port=free_port())}
    adapter = SqlAdapter.from_settings(options)

    # when
    with pytest.raises(ErpUnavailableError) as caught:
        await adapter.contact_by_email("anna.schmidt@acme-industrial.de")
    health = await adapter.health()
    await adapter.close()

    # then
    assert caught.value.transient is True
    assert "Connect call failed" in caught.value.message
    assert SECRET not in caught.value.message
    assert (health.ok, health.accounts) == (False, None)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://postgres@127.0.0.1:{port}/erp",
        "mysql+asyncmy://root@127.0.0.1:{port}/erp",
    ],
)
async def test_database_that_never_answers_is_unavailable(url: str) -> None:
    # given: a server that accepts connections and then says nothing
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        options = {
            "url": url.format(port=silent.getsockname()[1]),
            "connect_timeout_s": "0.3",
            "statement_timeout_ms": "200",
        }
        adapter = SqlAdapter.from_settings(options)

        # when
        with pytest.raises(ErpUnavailableError) as caught:
            await adapter.account_by_number("10000")
        await adapter.close()

    # then
    assert caught.value.transient is True
    assert caught.value.message.startswith("sql adapter: the database did not answer")


# -- options -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({}, "the sql adapter needs the option 'url'"),
        ({"url": "sqlite+aiosqlite:///x.db", "acounts.table": "X"}, "unknown sql"),
        ({"url": "postgresql+psycopg2://u:p@h/db"}, "uses postgresql+psycopg2; use"),
        ({"url": "::not a url::"}, "url cannot be parsed"),
        ({"url": "sqlite+aiosqlite:///x.db", "pool_size": "many"}, "'pool_size' is"),
        ({"url": "sqlite+aiosqlite:///x.db", "page_size": "0"}, "from 1 to 10000"),
        (
            {"url": "sqlite+aiosqlite:///x.db", "lookup.substring": "maybe"},
            "true or false",
        ),
        ({"url": "sqlite+aiosqlite:///x.db", "accounts.table": ""}, "must not be"),
        (
            {"url": "sqlite+aiosqlite:///x.db", "accounts.columns.email": ""},
            "'accounts.columns.email' must name a column",
        ),
    ],
)
def test_bad_options_are_refused_without_the_url(
    options: dict[str, str], problem: str
) -> None:
    # when
    with pytest.raises(ErpMisconfiguredError) as caught:
        SqlAdapter.from_settings(options)

    # then
    assert problem in caught.value.message
    assert "u:p@" not in caught.value.message


def test_nav_defaults_and_prefix_fill_the_mapping() -> None:
    # when
    options = parse_options(
        {"url": "sqlite+aiosqlite:///x.db", "table_prefix": "CRONUS$"}
    )

    # then
    assert options.accounts.name == "CRONUS$Customer"
    assert options.accounts.column("credit_limit") == "Credit Limit (LCY)"
    assert options.relations is not None
    assert options.relations.name == "CRONUS$Contact Business Relation"
    assert options.salespeople is not None
    assert options.salespeople.column("email") == "E-Mail"
    assert (options.substring, options.statement_timeout_ms, options.pool_size) == (
        True,
        5000,
        5,
    )


@pytest.mark.parametrize(
    ("driver_text", "reason"),
    [
        (
            "invalid input for query argument $1: 'anna.schmidt@acme-industrial.de'",
            "invalid input for query argument $1: '***@acme-industrial.de'",
        ),
        (
            f"password authentication failed for user erp (password {SECRET})",
            "password authentication failed for user erp (password ***)",
        ),
        ("Access denied for user 'root'@'127.0.0.1'", "Access denied for user "
         "'root'@'127.0.0.1'"),
    ],
)  # fmt: skip
def test_driver_text_loses_secrets_and_addresses(driver_text: str, reason: str) -> None:
    # given
    failure = sa_exc.OperationalError("SELECT 1", {}, Exception(driver_text))

    # when
    error = translate(failure, where="postgresql at db:5432/nav", secret=SECRET)

    # then
    assert error.message == (
        "sql adapter: the database did not answer (postgresql at db:5432/nav): "
        f"Exception: {reason}"
    )
