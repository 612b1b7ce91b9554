"""Page records as zeep returns them, turned into erplink's `Account` and `Contact`."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import structlog

from connector.linking.model import Account, Blocked, Contact

_log = structlog.get_logger(__name__)

NAV_BLANK_DATE = date(1, 1, 1)
_BLOCKED = {"_blank_": Blocked.NONE, "": Blocked.NONE, "Ship": Blocked.SHIP,
            "Invoice": Blocked.INVOICE, "All": Blocked.ALL}  # fmt: skip
_EMAIL_SEPARATORS = re.compile(r"[;,\s]+")


def account(record: Any) -> Account:
    """A `Customer` record as an `Account`; absent fields are blank."""
    return Account(
        number=_text(record.No),
        name=_text(record.Name),
        email=_text(record.E_Mail),
        post_code=_text(record.Post_Code),
        country=_text(record.Country_Region_Code),
        price_list=_text(record.Customer_Price_Group),
        credit_limit=Decimal(record.Credit_Limit_LCY or 0),
        blocked=_blocked(record.Blocked, _text(record.No)),
        salesperson=_text(record.Salesperson_Code),
        salesperson_email=_text(record.Salesperson_E_Mail),
        last_order=_date(record.Last_Order_Date),
    )


def contact(record: Any) -> Contact:
    """A `Contact` record as a `Contact` of the customer in `Customer_No`."""
    return Contact(
        number=_text(record.No),
        account_number=_text(record.Customer_No),
        name=_text(record.Name),
        email=_text(record.E_Mail),
    )


def addresses(field: str) -> list[str]:
    """The addresses in an e-mail field, which may hold several (`a@x.de; b@x.de`)."""
    return [address for address in _EMAIL_SEPARATORS.split(field) if address]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(value: date | None) -> date | None:
    """NAV writes a blank date as 0001-01-01."""
    return None if value is None or value == NAV_BLANK_DATE else value


def _blocked(value: Any, number: str) -> Blocked:
    """NAV's option; an unknown value counts as fully blocked, never as open."""
    found = _BLOCKED.get(_text(value))
    if found is None:
        _log.warning("erp.soap.unknown_blocked", account=number, value=_text(value))
        return Blocked.ALL
    return found
