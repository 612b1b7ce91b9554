"""What only the CSV adapter does: encodings, delimiters, headers, errors, reloads."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connector.linking.model import Blocked
from erp_adapters.base import ErpMisconfiguredError
from erp_adapters.csv import CsvAdapter, parse_amount

DATA = Path(__file__).parent / "data"
DEMO = Path(__file__).parents[2] / "erp_adapters" / "data"


def write(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def touch_later(path: Path, seconds: int = 10) -> None:
    """Moves the file's time forward, as a new export a few seconds later would."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 10**9))


# -- formats -------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("file", "encoding", "expected"),
    [
        (
            "bom.csv",
            "utf-8-sig",
            {
                "0004711": ("Müller & Söhne GmbH", "info@mueller-soehne.de", "01067"),
                "10000": ("Ærø Fisk ApS", "ole@aeroe-fisk.dk", "5970"),
            },
        ),
        (
            "cp1252.csv",
            "cp1252",
            {
                "0004711": (
                    "Größer Bäckerei GmbH",
                    "info@groesser-baeckerei.de",
                    "01067",
                ),
                "10000": ("Jörg Weiß KG", "joerg@weiss-kg.de", "80331"),
            },
        ),
        (
            "semicolon.csv",
            "utf-8",
            {
                "0004711": ("Kleinbetrieb Meyer", "kontakt@meyer-werkstatt.de", ""),
                "10000": ("Acme, Industrial GmbH", "info@acme-industrial.de", ""),
                "10010": ("Brandt Metallbau KG", "info@brandt-metall.de", ""),
            },
        ),
        (
            "sep_line.csv",
            "utf-8",
            {
                "0004711": ("Dänisches Bettenlager", "info@daenisch.dk", "2100"),
                "10000": ("Østerbro Værft A/S", "info@oesterbro.dk", "2100"),
            },
        ),
    ],
)
async def test_odd_format_is_read_exactly(
    file: str, encoding: str, expected: dict[str, tuple[str, str, str]]
) -> None:
    # given
    adapter = CsvAdapter(DATA / file)

    # when
    accounts = [a async for a in adapter.accounts_changed_since(None)]

    # then
    assert adapter.encoding == encoding
    assert {a.number: (a.name, a.email, a.post_code) for a in accounts} == expected


@pytest.mark.asyncio
async def test_european_and_english_amounts_and_blocked_words_are_parsed() -> None:
    # given
    adapter = CsvAdapter(DATA / "semicolon.csv")

    # when
    accounts = [a async for a in adapter.accounts_changed_since(None)]

    # then
    assert [(a.credit_limit, a.blocked) for a in accounts] == [
        (Decimal("1234.56"), Blocked.NONE),
        (Decimal("1234.56"), Blocked.INVOICE),
        (Decimal(50000), Blocked.SHIP),
    ]


@pytest.mark.asyncio
async def test_numeric_blocked_values_after_sep_line_are_parsed() -> None:
    # given
    adapter = CsvAdapter(DATA / "sep_line.csv")

    # when
    accounts = [a async for a in adapter.accounts_changed_since(None)]

    # then
    assert [a.blocked for a in accounts] == [Blocked.NONE, Blocked.ALL]


@pytest.mark.asyncio
@pytest.mark.parametrize("delimiter", ["\t", "|", ";", ","])
async def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    # given
    lines = [["No.", "Name", "E-Mail"], ["0042", "Acme GmbH", "a@acme.de"]]
    text = "\n".join(delimiter.join(line) for line in lines) + "\n"
    adapter = CsvAdapter(write(tmp_path / "a.csv", text))

    # when
    account = await adapter.account_by_number("0042")

    # then
    assert account is not None
    assert (account.name, account.email) == ("Acme GmbH", "a@acme.de")


@pytest.mark.asyncio
async def test_one_column_file_is_read(tmp_path: Path) -> None:
    # given
    adapter = CsvAdapter(write(tmp_path / "a.csv", "No.\n0042\n10000\n"))

    # when
    numbers = [a.number async for a in adapter.accounts_changed_since(None)]

    # then
    assert numbers == ["0042", "10000"]


@pytest.mark.asyncio
async def test_utf16_export_is_read(tmp_path: Path) -> None:
    # given: Excel's "Unicode text" is UTF-16 with a byte order mark and tabs
    path = write(tmp_path / "a.csv", "No.\tName\n0042\tMüller\n", encoding="utf-16")
    adapter = CsvAdapter(path)

    # when
    account = await adapter.account_by_number("0042")

    # then
    assert adapter.encoding == "utf-16"
    assert account is not None
    assert account.name == "Müller"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("50000", "50000"),
        ("50000.00", "50000.00"),
        ("1234,5", "1234.5"),
        ("1 234,56", "1234.56"),
        ("1.234.567,89", "1234567.89"),
        ("1,234", "1234"),
        ("1.234", "1234"),
        ("-500", "-500"),
        ("", "0"),
        ("viel", None),
        ("12a", None),
        ("1,2.3,4", None),
    ],
)
def test_amount_formats(raw: str, expected: str | None) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", Blocked.NONE),
        ("0", Blocked.NONE),
        ("no", Blocked.NONE),
        ("FALSE", Blocked.NONE),
        ("Ship", Blocked.SHIP),
        ("1", Blocked.SHIP),
        ("invoice", Blocked.INVOICE),
        ("2", Blocked.INVOICE),
        ("All", Blocked.ALL),
        ("3", Blocked.ALL),
        ("Yes", Blocked.ALL),
        ("true", Blocked.ALL),
    ],
)
async def test_blocked_values(tmp_path: Path, raw: str, expected: Blocked) -> None:
    # given
    adapter = CsvAdapter(write(tmp_path / "a.csv", f"No.,Blocked\n1,{raw}\n"))

    # when
    account = await adapter.account_by_number("1")

    # then
    assert account is not None
    assert account.blocked is expected


@pytest.mark.asyncio
async def test_nav_blank_date_means_no_date(tmp_path: Path) -> None:
    # given
    text = "No.,Last Order Date\n1,1753-01-01\n2,2026-03-04T00:00:00\n"
    adapter = CsvAdapter(write(tmp_path / "a.csv", text))

    # when
    first = await adapter.account_by_number("1")
    second = await adapter.account_by_number("2")

    # then
    assert first is not None
    assert first.last_order is None
    assert second is not None
    assert second.last_order == date(2026, 3, 4)


# -- headers -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_columns_override_names_headers(tmp_path: Path) -> None:
    # given
    path = write(tmp_path / "a.csv", "Debitor,Firma,Mail\n0042,Acme GmbH,a@acme.de\n")
    columns = {"number": "debitor", "name": "Firma", "email": "MAIL"}
    adapter = CsvAdapter(path, columns=columns)

    # when
    account = await adapter.account_by_number("0042")

    # then
    assert account is not None
    assert (account.name, account.email) == ("Acme GmbH", "a@acme.de")


def test_missing_number_column_lists_existing_columns() -> None:
    # given
    path = DATA / "missing_number.csv"

    # when
    with pytest.raises(ErpMisconfiguredError) as caught:
        CsvAdapter(path)

    # then
    assert str(path) in caught.value.message
    assert "'Name', 'E-Mail', 'Phone No.'" in caught.value.message
    assert "column.number" in caught.value.message


def test_missing_override_column_lists_existing_columns(tmp_path: Path) -> None:
    # given
    path = write(tmp_path / "a.csv", "No.,Name\n1,A\n")

    # when
    with pytest.raises(ErpMisconfiguredError) as caught:
        CsvAdapter(path, columns={"email": "Mail"})

    # then
    assert "'Mail'" in caught.value.message
    assert "'No.', 'Name'" in caught.value.message


def test_unknown_override_field_is_refused(tmp_path: Path) -> None:
    # given
    path = write(tmp_path / "a.csv", "No.\n1\n")

    # when / then
    with pytest.raises(ErpMisconfiguredError, match="unknown column field 'vat'"):
        CsvAdapter(path, columns={"vat": "VAT"})


# -- errors --------------------------------------------------------------------------


def test_malformed_row_error_names_file_and_line() -> None:
    # given
    path = DATA / "malformed.csv"

    # when
    with pytest.raises(ErpMisconfiguredError) as caught:
        CsvAdapter(path)

    # then
    assert caught.value.message.startswith(f"{path}, line 3: 2 fields")
    assert "the header has 3" in caught.value.message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("No.,Name\n1,A\n,B\n", "line 3: no account number"),
        ("No.,Credit Limit\n1,viel\n", "line 2: credit limit 'viel' is not a number"),
        ("No.,Blocked\n1,maybe\n", "line 2: blocked value 'maybe' is unknown"),
        ("No.,Last Order Date\n1,03.04.2026\n", "line 2: date '03.04.2026'"),
        ("No.,Name\n1,A\n1,B\n", "line 3: account number '1' repeats"),
        ("sep=,\nNo.,Name\n1,A\n2\n", "line 4: 1 fields"),
    ],
)
def test_bad_row_error_names_file_line_and_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    # given
    path = write(tmp_path / "accounts.csv", text)

    # when
    with pytest.raises(ErpMisconfiguredError) as caught:
        CsvAdapter(path)

    # then
    assert caught.value.message.startswith(f"{path}, {problem}")


def test_trailing_empty_cells_are_tolerated(tmp_path: Path) -> None:
    # given: Excel pads rows with empty cells and ends files with empty rows
    path = write(tmp_path / "a.csv", "No.;Name\n1;A;;\n;\n")

    # when
    adapter = CsvAdapter(path)

    # then
    assert adapter.encoding == "utf-8"


@pytest.mark.parametrize("which", ["accounts", "contacts"])
def test_missing_file_error_names_the_file(tmp_path: Path, which: str) -> None:
    # given
    accounts = write(tmp_path / "accounts.csv", "No.\n1\n")
    paths = {"accounts": accounts, "contacts": tmp_path / "contacts.csv"}
    paths[which] = tmp_path / "nowhere.csv"

    # when
    with pytest.raises(ErpMisconfiguredError) as caught:
        CsvAdapter(paths["accounts"], paths["contacts"])

    # then
    assert caught.value.message.startswith(
        f"cannot read CSV file {tmp_path / 'nowhere.csv'}"
    )
    assert caught.value.code == "erp_misconfigured"


def test_undecodable_file_names_the_encoding(tmp_path: Path) -> None:
    # given: 0x81 is undefined in cp1252 and invalid as UTF-8
    path = tmp_path / "a.csv"
    path.write_bytes(b"No.,Name\n1,A\x81\n")

    # when
    with pytest.raises(ErpMisconfiguredError) as caught:
        CsvAdapter(path)

    # then
    assert caught.value.message.startswith(f"{path} is not valid cp1252")


@pytest.mark.asyncio
async def test_other_fallback_encoding_is_used(tmp_path: Path) -> None:
    # given
    path = tmp_path / "a.csv"
    path.write_bytes(b"No.,Name\n1,A\x81\n")

    # when
    adapter = CsvAdapter(path, encoding_fallback="latin-1")

    # then
    assert adapter.encoding == "iso8859-1"
    account = await adapter.account_by_number("1")
    assert account is not None
    assert account.name == "A\x81"


# -- e-mail indexes ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_address_of_two_accounts_is_ambiguous(tmp_path: Path) -> None:
    # given
    accounts = write(
        tmp_path / "a.csv",
        "No.,Name,E-Mail\n1,A,info@shared.de\n2,B,office@shared.de\n",
    )
    contacts = write(
        tmp_path / "c.csv",
        "No.,Company No.,Name,E-Mail\nC1,2,Bookkeeper,INFO@shared.de\n",
    )
    adapter = CsvAdapter(accounts, contacts)

    # when
    ambiguous = await adapter.contact_by_email("info@shared.de")
    domain = await adapter.accounts_by_domain("shared.de")

    # then
    assert ambiguous is None
    assert [a.number for a in domain] == ["1", "2"]


@pytest.mark.asyncio
async def test_named_contact_wins_over_account_address(tmp_path: Path) -> None:
    # given
    accounts = write(tmp_path / "a.csv", "No.,Name,E-Mail\n1,A,anna@a.de\n")
    contacts = write(
        tmp_path / "c.csv", "No.,Company No.,Name,E-Mail\nC1,1,Anna,Anna@a.de\n"
    )
    adapter = CsvAdapter(accounts, contacts)

    # when
    found = await adapter.contact_by_email("anna@a.de")

    # then
    assert found is not None
    assert (found[0].number, found[0].name, found[0].email) == (
        "C1",
        "Anna",
        "Anna@a.de",
    )


@pytest.mark.asyncio
async def test_comma_separated_addresses_and_unknown_accounts(tmp_path: Path) -> None:
    # given
    accounts = write(tmp_path / "a.csv", 'No.,E-Mail\n1,"a@one.de, b@two.de"\n')
    contacts = write(
        tmp_path / "c.csv",
        "Contact No.,Customer No.,E-Mail\nC1,1,c@three.de\nC2,99,d@four.de\n",
    )
    adapter = CsvAdapter(accounts, contacts)

    # when
    found = await adapter.contact_by_email("b@two.de")
    orphan = await adapter.contact_by_email("d@four.de")
    domains = [await adapter.accounts_by_domain(d) for d in ("two.de", "three.de")]

    # then
    assert found is not None
    assert found[0].email == "b@two.de"
    assert orphan is None
    assert [[a.number for a in found] for found in domains] == [["1"], ["1"]]


# -- change dates --------------------------------------------------------------------


@pytest.mark.asyncio
async def test_changed_since_filters_by_last_date_modified(tmp_path: Path) -> None:
    # given
    text = "No.,Last Date Modified\n1,2026-01-01\n2,2026-06-01\n3,\n4,2026-05-31\n"
    adapter = CsvAdapter(write(tmp_path / "a.csv", text))

    # when
    since = datetime(2026, 6, 1, 12, 0)
    numbers = [a.number async for a in adapter.accounts_changed_since(since)]

    # then: the same day counts (the column has no time), unknown dates count
    assert numbers == ["2", "3"]


# -- reloading -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_changed_file_is_reloaded(tmp_path: Path) -> None:
    # given
    path = write(tmp_path / "a.csv", "No.,Name\n0001,Old\n")
    adapter = CsvAdapter(path, check_interval_s=0)

    # when
    write(path, "No.,Name\n0002,New\n")
    touch_later(path)
    new = await adapter.account_by_number("0002")
    old = await adapter.account_by_number("0001")

    # then
    assert new is not None
    assert new.name == "New"
    assert old is None


@pytest.mark.asyncio
async def test_files_are_checked_at_most_once_per_interval(tmp_path: Path) -> None:
    # given
    path = write(tmp_path / "a.csv", "No.,Name\n0001,Old\n")
    adapter = CsvAdapter(path, check_interval_s=3600)

    # when
    write(path, "No.,Name\n0002,New\n")
    touch_later(path)
    old = await adapter.account_by_number("0001")

    # then
    assert old is not None
    assert await adapter.account_by_number("0002") is None


@pytest.mark.asyncio
async def test_failed_reload_keeps_old_data(tmp_path: Path) -> None:
    # given
    path = write(tmp_path / "a.csv", "No.,Name\n0001,Old\n")
    adapter = CsvAdapter(path, check_interval_s=0)

    # when
    write(path, "No.,Name\n0001,Old\n,Broken\n")
    touch_later(path)
    kept = await adapter.account_by_number("0001")
    health = await adapter.health()

    # then
    assert kept is not None
    assert kept.name == "Old"
    assert health.ok is False
    assert health.accounts == 1
    assert f"{path}, line 3: no account number" in health.detail


@pytest.mark.asyncio
async def test_fixed_file_recovers_after_failed_reload(tmp_path: Path) -> None:
    # given
    path = write(tmp_path / "a.csv", "No.,Name\n0001,Old\n")
    adapter = CsvAdapter(path, check_interval_s=0)
    path.unlink()
    assert (await adapter.health()).ok is False

    # when
    write(path, "No.,Name\n0001,Old\n0002,New\n")
    health = await adapter.health()

    # then
    assert health.ok is True
    assert health.accounts == 2


# -- settings and demo data ----------------------------------------------------------


@pytest.mark.asyncio
async def test_from_settings_builds_the_adapter() -> None:
    # given
    options = {
        "accounts": str(DEMO / "accounts.csv"),
        "contacts": str(DEMO / "contacts.csv"),
        "encoding_fallback": "cp1252",
    }

    # when
    adapter = CsvAdapter.from_settings(options)

    # then
    health = await adapter.health()
    assert health.ok is True
    assert health.accounts == 300
    assert f"{DEMO / 'accounts.csv'} (utf-8): 300 accounts" in health.detail


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({}, "needs the option 'accounts'"),
        ({"accounts": "a.csv", "acounts": "b.csv"}, "unknown csv adapter options"),
        ({"accounts": "a.csv", "encoding_fallback": "klingon"}, "unknown encoding"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, str], problem: str) -> None:
    with pytest.raises(ErpMisconfiguredError, match=problem):
        CsvAdapter.from_settings(options)


def test_demo_files_match_their_generator(tmp_path: Path) -> None:
    # when
    subprocess.run(
        [sys.executable, str(DEMO / "generate.py"), "--out", str(tmp_path)],
        check=True,
    )

    # then
    for name in ("accounts.csv", "contacts.csv"):
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes()


@pytest.mark.asyncio
async def test_demo_fixtures_are_present() -> None:
    # given
    adapter = CsvAdapter(DEMO / "accounts.csv", DEMO / "contacts.csv")

    # when
    meyer = await adapter.account_by_number("0004711")
    hansen = await adapter.accounts_by_domain("hansen-gruppe.de")
    buyer = await adapter.contact_by_email("buyer@hansen-gruppe.de")
    blocked = await adapter.contact_by_email("bestellung@gesperrt-handel.de")
    fjord = await adapter.contact_by_email("ole@fjord-trading.dk")
    big = await adapter.account_by_number("10030")

    # then
    assert meyer is not None
    assert (meyer.name, meyer.post_code, meyer.price_list) == (
        "Kleinbetrieb Meyer",
        "50667",
        "RETAIL",
    )
    assert [a.number for a in hansen] == ["10020", "10021"]
    assert buyer is None
    assert blocked is not None
    assert blocked[1].blocked is Blocked.ALL
    assert fjord is not None
    assert fjord[1].price_list == "UNMAPPED_GROUP"
    assert big is not None
    assert big.credit_limit == Decimal(250000)
