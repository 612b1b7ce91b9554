"""The mock's pages: the Customer and Contact cards as NAV page services see them.

Records are kept as text per field, as they travel in SOAP (a blank value is `""`),
sorted by `No` like NAV's primary key. Each record has an opaque `Key`, which is
also the bookmark for the next page of `ReadMultiple`.
"""

from __future__ import annotations

import base64
import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from erp_adapters.csv import CustomerMaster, read_customer_master
from erp_adapters.soap.mock.filters import (
    FieldKind,
    FilterError,
    Matcher,
    compile_filter,
    contained_literal,
    exact_literals,
)

Record = dict[str, str]

NAMESPACE_ROOT = "urn:microsoft-dynamics-schemas/page/"
CUSTOMER_FIELDS: Mapping[str, FieldKind] = {
    "No": FieldKind.TEXT,
    "Name": FieldKind.TEXT,
    "E_Mail": FieldKind.TEXT,
    "Phone_No": FieldKind.TEXT,
    "Post_Code": FieldKind.TEXT,
    "Country_Region_Code": FieldKind.TEXT,
    "Customer_Price_Group": FieldKind.TEXT,
    "Credit_Limit_LCY": FieldKind.DECIMAL,
    "Salesperson_Code": FieldKind.TEXT,
    "Salesperson_E_Mail": FieldKind.TEXT,
    "Blocked": FieldKind.TEXT,
    "Last_Order_Date": FieldKind.DATE,
    "Last_Date_Modified": FieldKind.DATE,
}
CONTACT_FIELDS: Mapping[str, FieldKind] = dict.fromkeys(
    ("No", "Name", "E_Mail", "Type", "Company_No", "Customer_No"), FieldKind.TEXT
)


class PageFault(Exception):
    """A request the page refuses; becomes a NAV fault of `exception` type."""

    def __init__(self, exception: str, message: str) -> None:
        super().__init__(message)
        self.exception = exception
        self.message = message


@dataclass
class Page:
    """One page service: its fields, its records and the two read operations."""

    name: str
    fields: Mapping[str, FieldKind]
    records: list[Record] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.records.sort(key=lambda record: record["No"])
        for index, record in enumerate(self.records):
            record["Key"] = _key(index, record["No"])
        self._by_number = {record["No"]: record for record in self.records}
        self._by_key = {record["Key"]: i for i, record in enumerate(self.records)}
        self._index = {record["No"]: i for i, record in enumerate(self.records)}
        self._columns: dict[str, _Column] = {}

    @property
    def namespace(self) -> str:
        """The XML namespace: `urn:microsoft-dynamics-schemas/page/<name lower>`."""
        return NAMESPACE_ROOT + self.name.lower()

    def read(self, number: str) -> Record | None:
        """The record with exactly this `No`; None (not a fault) when there is none."""
        return self._by_number.get(number)

    def read_multiple(
        self, filters: Sequence[tuple[str, str]], bookmark: str | None, size: int
    ) -> list[Record]:
        """Records meeting every filter, after `bookmark`, at most `size` (0 = all).

        Raises:
            PageFault: a filter names an unknown field or has invalid criteria, or the
                bookmark is not a key of this page.
        """
        matchers = [self._matcher(name, criteria) for name, criteria in filters]
        start = self._start(bookmark)
        found: list[Record] = []
        for index in self._candidates(filters, start):
            record = self.records[index]
            if all(match(record[name]) for name, match in matchers):
                found.append(record)
                if len(found) == size:
                    break
        return found

    def _candidates(
        self, filters: Sequence[tuple[str, str]], start: int
    ) -> Iterable[int]:
        """Positions that may match, from `start`: all, or those a cheap index
        finds for one of the (valid) filters; every filter is still checked."""
        for name, criteria in filters:
            numbers = exact_literals(criteria) if name == "No" else None
            if numbers is not None:
                return sorted(
                    i for n in numbers if (i := self._index.get(n, -1)) >= start
                )
            text = contained_literal(criteria)
            if text:
                return (i for i in self._column(name).containing(text) if i >= start)
        return range(start, len(self.records))

    def _column(self, name: str) -> _Column:
        column = self._columns.get(name)
        if column is None:
            column = self._columns[name] = _Column([r[name] for r in self.records])
        return column

    def _matcher(self, name: str, criteria: str) -> tuple[str, Matcher]:
        kind = self.fields.get(name)
        if kind is None:
            raise PageFault(
                "NavNCLDialogException",
                f"The field {name} does not exist on the {self.name} page.",
            )
        if not criteria:
            return name, _everything  # NAV drops a filter with empty criteria
        try:
            return name, compile_filter(criteria, kind)
        except FilterError as exc:
            raise PageFault(
                "NavNCLDialogException",
                f'The filter "{criteria}" is not valid for the {name} field on the '
                f"{self.name} page: {exc}.",
            ) from exc

    def _start(self, bookmark: str | None) -> int:
        if not bookmark:
            return 0
        index = self._by_key.get(bookmark)
        if index is None:
            raise PageFault(
                "NavCSideRecordNotFoundException",
                f"The record with the bookmark key {bookmark[:40]} does not exist.",
            )
        return index + 1


class _Column:
    """One field of every record, folded and joined, for fast "contains" searches."""

    def __init__(self, values: Sequence[str]) -> None:
        self._starts: list[int] = []
        position = 0
        for value in values:
            self._starts.append(position)
            position += len(value.casefold()) + 1
        self._text = "\0".join(value.casefold() for value in values)

    def containing(self, text: str) -> list[int]:
        """Positions of the values holding `text` (folded), in order."""
        found: list[int] = []
        at = self._text.find(text)
        while at >= 0:
            index = bisect.bisect_right(self._starts, at) - 1
            found.append(index)
            next_value = (
                self._starts[index + 1]
                if index + 1 < len(self._starts)
                else len(self._text)
            )
            at = self._text.find(text, next_value)
        return found


def _everything(_value: str) -> bool:
    return True


def _key(index: int, number: str) -> str:
    """An opaque key in NAV's style (`<n>;<base64>;<version>`)."""
    encoded = base64.b64encode(number.encode("utf-16-le")).decode("ascii")
    return f"{len(number) * 2 + 4};{encoded};{index + 1}0;"


def customer_page(master: CustomerMaster) -> Page:
    """The Customer page over the accounts of a CSV export."""
    modified = master.modified or {}
    records = [
        {
            "No": a.number,
            "Name": a.name,
            "E_Mail": a.email,
            "Phone_No": "",
            "Post_Code": a.post_code,
            "Country_Region_Code": a.country,
            "Customer_Price_Group": a.price_list,
            "Credit_Limit_LCY": str(a.credit_limit),
            "Salesperson_Code": a.salesperson,
            "Salesperson_E_Mail": a.salesperson_email,
            "Blocked": a.blocked.value,
            "Last_Order_Date": _iso(a.last_order),
            "Last_Date_Modified": _iso(modified.get(a.number)),
        }
        for a in master.accounts.values()
    ]
    return Page("Customer", CUSTOMER_FIELDS, records)


def contact_page(master: CustomerMaster) -> Page:
    """The Contact page over the contacts of a CSV export.

    The export names no company contacts, so `Company_No` stays blank and
    `Customer_No` carries the account number the row names.
    """
    records = [
        {
            "No": contact.number,
            "Name": contact.name,
            "E_Mail": contact.email,
            "Type": "Person",
            "Company_No": "",
            "Customer_No": contact.account_number,
        }
        for contact in master.contacts
        if contact.number
    ]
    return Page("Contact", CONTACT_FIELDS, records)


def _iso(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def load_pages(accounts: Path, contacts: Path | None = None) -> dict[str, Page]:
    """Both pages, by service name, from the CSV files the CSV adapter reads.

    Raises:
        ErpMisconfiguredError: a file is missing or malformed.
    """
    master = read_customer_master(accounts, contacts)
    pages: Iterable[Page] = (customer_page(master), contact_page(master))
    return {page.name: page for page in pages}
