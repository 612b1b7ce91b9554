"""Turning page records into accounts: NAV's blank values and unknown options."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from structlog.testing import capture_logs

from connector.linking.model import Account, Blocked
from erp_adapters.soap import records

FIELDS = ("No", "Name", "E_Mail", "Post_Code", "Country_Region_Code",
          "Customer_Price_Group", "Credit_Limit_LCY", "Salesperson_Code",
          "Salesperson_E_Mail", "Blocked", "Last_Order_Date")  # fmt: skip


def customer(**values: object) -> SimpleNamespace:
    return SimpleNamespace(**{**dict.fromkeys(FIELDS), **values})


def test_absent_fields_and_nav_blank_date_are_blank() -> None:
    # when
    account = records.account(
        customer(
            No="10000", Name="Acme", Blocked="_blank_", Last_Order_Date=date(1, 1, 1)
        )
    )

    # then
    assert account == Account("10000", "Acme", credit_limit=Decimal(0))


def test_unknown_blocked_option_counts_as_blocked() -> None:
    # when
    with capture_logs() as events:
        account = records.account(customer(No="10000", Blocked="Everything"))

    # then: never open by accident
    assert account.blocked is Blocked.ALL
    assert events == [
        {
            "event": "erp.soap.unknown_blocked",
            "account": "10000",
            "value": "Everything",
            "log_level": "warning",
        }
    ]
