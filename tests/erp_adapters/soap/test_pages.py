"""The mock's pages without HTTP: Read, ReadMultiple, filters ANDed, bookmarks."""

from __future__ import annotations

import pytest

from erp_adapters.soap.mock.filters import FieldKind, compile_filter
from erp_adapters.soap.mock.pages import Page, PageFault, load_pages

from ..contract import ALL_NUMBERS, CONTRACT_DATA


@pytest.fixture
def customers() -> Page:
    return load_pages(CONTRACT_DATA.accounts_csv, CONTRACT_DATA.contacts_csv)[
        "Customer"
    ]


def test_read_is_exact_and_unknown_is_none(customers: Page) -> None:
    # when
    found = customers.read("0004711")
    missing = customers.read("4711")

    # then
    assert found is not None
    assert found["Name"] == "Kleinbetrieb Meyer"
    assert missing is None


def test_bookmark_pages_cover_every_record_once_in_number_order(
    customers: Page,
) -> None:
    # when
    seen: list[str] = []
    bookmark = None
    while True:
        page = customers.read_multiple([], bookmark, 5)
        if not page:
            break
        seen += [record["No"] for record in page]
        bookmark = page[-1]["Key"]

    # then
    assert seen == sorted(ALL_NUMBERS)
    assert [r["No"] for r in customers.read_multiple([], None, 0)] == seen


def test_filters_on_several_fields_are_anded(customers: Page) -> None:
    # when
    found = customers.read_multiple(
        [("Customer_Price_Group", "RETAIL"), ("Salesperson_Code", "SK|AB")], None, 0
    )

    # then
    assert [r["No"] for r in found] == [
        "0004711", "10010", "10041", "10090", "10092", "10093", "10094",
    ]  # fmt: skip


def test_blank_and_non_blank_dates(customers: Page) -> None:
    # when
    blank = customers.read_multiple([("Last_Order_Date", "''")], None, 0)
    dated = customers.read_multiple([("Last_Order_Date", "<>''")], None, 0)

    # then
    assert len(blank) + len(dated) == len(ALL_NUMBERS)
    assert "10010" in [r["No"] for r in blank]
    assert "10000" in [r["No"] for r in dated]


@pytest.mark.parametrize(
    ("filters", "bookmark", "exception"),
    [
        ([("Password", "*")], None, "NavNCLDialogException"),
        ([("No", "a&b")], None, "NavNCLDialogException"),
        ([("Last_Order_Date", "soon..")], None, "NavNCLDialogException"),
        ([], "24;not-a-key;10;", "NavCSideRecordNotFoundException"),
    ],
)
def test_bad_requests_are_page_faults(
    customers: Page, filters: list[tuple[str, str]], bookmark: str, exception: str
) -> None:
    # when
    with pytest.raises(PageFault) as raised:
        customers.read_multiple(filters, bookmark, 0)

    # then
    assert raised.value.exception == exception


@pytest.mark.parametrize(
    ("field", "criteria"),
    [
        ("E_Mail", "@*'HANSEN-gruppe.de'*"),
        ("E_Mail", "@*'@'*"),
        ("E_Mail", "@*'*'*"),
        ("E_Mail", "@*'de;r'*"),
        ("E_Mail", "@*de*"),
        ("E_Mail", "@*'.de'*|@*'.dk'*"),
        ("Name", "@*'ü'*"),
        ("No", "'10000'|'0004711'|'99999'"),
        ("No", "'10000|10010'"),
        ("No", "1002*"),
    ],
)
def test_indexed_searches_equal_a_full_scan(
    customers: Page, field: str, criteria: str
) -> None:
    # given
    match = compile_filter(criteria, FieldKind.TEXT)
    scanned = [r["No"] for r in customers.records if match(r[field])]

    # when
    found = [r["No"] for r in customers.read_multiple([(field, criteria)], None, 0)]
    after = customers.read_multiple([(field, criteria)], customers.records[3]["Key"], 0)

    # then
    assert found == scanned
    assert [r["No"] for r in after] == [
        r["No"] for r in customers.records[4:] if match(r[field])
    ]
