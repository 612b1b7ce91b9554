"""Result rows turned into `Account` and `Contact`, reading NAV's blanks as empty.

NAV declares its columns NOT NULL, so a blank text is `''` and a blank date is
1753-01-01 (SQL Server's smallest datetime); both read as empty here, as does a real
NULL from a database that allows them. `Blocked` is NAV's option as an integer 0-3
(or its caption, in a view that translates it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import RowMapping

from connector.linking.domains import registrable_domain
from connector.linking.model import Account, Blocked, Contact

NAV_BLANK_DATE = date(1753, 1, 1)
_EMAIL_SEPARATORS = re.compile(r"[;,\s]+")
_BLOCKED: Mapping[str, Blocked] = {
    **dict.fromkeys(("", "0", " ", "_blank_"), Blocked.NONE),
    **dict.fromkeys(("1", "ship"), Blocked.SHIP),
    **dict.fromkeys(("2", "invoice"), Blocked.INVOICE),
    **dict.fromkeys(("3", "all"), Blocked.ALL),
}


def text(value: Any) -> str:
    """A text cell as a string; NULL is blank."""
    return "" if value is None else str(value).strip()


def account_from_row(row: RowMapping) -> Account:
    """The account in a row labelled with `Account`'s field names."""
    return Account(
        number=text(row["number"]),
        name=text(row["name"]),
        email=text(row["email"]),
        post_code=text(row["post_code"]),
        country=text(row["country"]),
        price_list=text(row["price_list"]),
        credit_limit=_decimal(row["credit_limit"]),
        blocked=_blocked(row["blocked"]),
        salesperson=text(row["salesperson"]),
        salesperson_email=first_address(text(row.get("salesperson_email"))),
        last_order=_date(row.get("last_order")),
    )


def contact_from_row(row: RowMapping, address: str) -> Contact:
    """The contact in a row, with the one address of its field that matched."""
    return Contact(
        number=text(row["number"]),
        account_number=text(row["account_number"]),
        name=text(row["name"]),
        email=address,
    )


def addresses(field: str) -> list[str]:
    """The addresses in an e-mail field, which may hold several (`a@x.de;b@y.de`)."""
    return [address for address in _EMAIL_SEPARATORS.split(field) if address]


def first_address(field: str) -> str:
    """The first address of a field, or "" for a blank one."""
    found = addresses(field)
    return found[0] if found else ""


def matching_address(field: str, email: str) -> str | None:
    """The address of the field equal to `email` (any case), as written, or None."""
    return next((a for a in addresses(field) if a.lower() == email), None)


def has_domain(field: str, domain: str) -> bool:
    """Whether an address of the field has `domain` as its registrable domain."""
    for address in addresses(field):
        host = address.rpartition("@")[2].lower()
        if "@" in address and registrable_domain(host) == domain:
            return True
    return False


def _decimal(value: Any) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    try:
        # str() first: a float (SQLite's REAL) would carry binary noise into Decimal
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def _blocked(value: Any) -> Blocked:
    return _BLOCKED.get(text(value).lower(), Blocked.ALL)


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    elif not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value)[:10])
        except ValueError:
            return None
    return None if value <= NAV_BLANK_DATE else value
