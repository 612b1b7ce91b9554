"""The soap adapter against the mock on a real socket: paging, ambiguity, shared
searches, settings."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from connector.evidence import gather_evidence
from connector.linking.domains import DomainClassifier
from connector.linking.model import Blocked, Customer
from erp_adapters.base import (
    ErpMisconfiguredError,
    ErpUnavailableError,
)
from erp_adapters.soap.adapter import SoapAdapter
from erp_adapters.soap.mock.server import RunningMock, build_mock, start_mock
from erp_adapters.soap.mock.switches import Reply

from .conftest import USERNAME


async def test_changed_since_none_pages_with_bookmarks(running: RunningMock) -> None:
    # given
    adapter = SoapAdapter.from_settings({**running.adapter_options(), "page_size": "5"})
    calls = running.mock.calls

    # when
    numbers = [a.number async for a in adapter.accounts_changed_since(None)]
    await adapter.close()

    # then: pages of 5, 5, 5 and 3 accounts
    assert numbers == sorted(numbers)
    assert len(numbers) == len(set(numbers)) == 18
    assert running.mock.calls == calls + 4


async def test_changed_since_filters_on_last_date_modified(tmp_path: Path) -> None:
    # given
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "No.,Name,E-Mail,Last Date Modified\n"
        "1,Old,a@old.de,2025-01-01\n2,New,b@new.de,2026-03-01\n"
        "3,Undated,c@undated.de,\n4,Same day,d@same.de,2026-02-01\n"
    )
    mock = build_mock(accounts, None, username=USERNAME, password="pw-test")
    served = await start_mock(mock, username=USERNAME, password="pw-test")
    adapter = SoapAdapter.from_settings({**served.adapter_options(), "page_size": "2"})

    # when
    since = datetime(2026, 2, 1, 15, 30)
    numbers = [a.number async for a in adapter.accounts_changed_since(since)]
    await adapter.close()
    await served.stop()

    # then: changed on or after the day, and those without a date
    assert numbers == ["2", "3", "4"]


async def test_address_of_two_accounts_is_ambiguous(tmp_path: Path) -> None:
    # given
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "No.,Name,E-Mail\n1,One,shared@firma.de\n2,Two,other@firma.de\n"
    )
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("No.,Company No.,Name,E-Mail\nK1,2,Person,Shared@Firma.de\n")
    mock = build_mock(accounts, contacts, username=USERNAME, password="pw-test")
    served = await start_mock(mock, username=USERNAME, password="pw-test")
    adapter = SoapAdapter.from_settings(served.adapter_options())

    # when
    with capture_logs() as events:
        found = await adapter.contact_by_email("shared@firma.de")
        other = await adapter.contact_by_email("other@firma.de")
    await adapter.close()
    await served.stop()

    # then
    assert found is None
    assert events == [
        {"event": "erp.soap.ambiguous_email", "accounts": 2, "log_level": "warning"}
    ]
    assert other is not None
    assert (other[0].number, other[1].number) == ("", "2")


async def test_contact_of_an_unknown_customer_is_no_match(tmp_path: Path) -> None:
    # given: a prospect whose Customer_No names no customer
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("No.,Name,E-Mail\n1,One,info@one.de\n")
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("No.,Company No.,Name,E-Mail\nK9,99,Prospect,p@prospect.de\n")
    mock = build_mock(accounts, contacts, username=USERNAME, password="pw-test")
    served = await start_mock(mock, username=USERNAME, password="pw-test")
    adapter = SoapAdapter.from_settings(served.adapter_options())

    # when
    found = await adapter.contact_by_email("p@prospect.de")
    domain = await adapter.accounts_by_domain("prospect.de")
    await adapter.close()
    await served.stop()

    # then
    assert (found, domain) == (None, [])


async def test_blocked_values_come_back_as_options(adapter: SoapAdapter) -> None:
    # when
    accounts = [await adapter.account_by_number(n) for n in ("10000", "10041", "10040")]

    # then
    assert [a.blocked if a else None for a in accounts] == [
        Blocked.NONE,
        Blocked.SHIP,
        Blocked.ALL,
    ]


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({}, "the soap adapter needs the option 'url'"),
        ({"url": "nav.example.com/WS/CRONUS"}, "the soap adapter needs the option"),
        ({"url": "http://x/WS/C", "pasword": "x"}, "unknown soap adapter options pas"),
        ({"url": "http://x/WS/C", "timeout_s": "soon"}, "timeout_s is 'soon', not a"),
        ({"url": "http://x/WS/C", "page_size": "0"}, "page_size must be > 0"),
        ({"url": "http://x/WS/C", "auth": "ntlm"}, "auth option is 'ntlm'; use basic"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, str], problem: str) -> None:
    # when
    with pytest.raises(ErpMisconfiguredError) as raised:
        SoapAdapter.from_settings(options)

    # then
    assert problem in raised.value.message


async def test_evidence_for_a_contact_takes_one_search_per_page(
    running: RunningMock, adapter: SoapAdapter
) -> None:
    # given: the worker's look-ups of one customer, run at once
    customer = Customer("user-1", "anna.schmidt@acme-industrial.de", is_confirmed=True)
    calls = running.mock.calls

    # when
    evidence = await gather_evidence(adapter, customer, DomainClassifier(()))

    # then: the domain search answered the e-mail look-up too
    assert evidence.contact is not None
    assert evidence.contact.number == "CT10000"
    assert evidence.contact_account is not None
    assert evidence.contact_account.number == "10000"
    assert [a.number for a in evidence.domain_accounts] == ["10000"]
    assert running.mock.calls == calls + 2


async def test_failed_shared_search_fails_every_caller(
    running: RunningMock, adapter: SoapAdapter
) -> None:
    # given
    running.mock.switches.reply = Reply.HTML_ERROR
    customer = Customer("user-1", "anna.schmidt@acme-industrial.de", is_confirmed=True)

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        await gather_evidence(adapter, customer, DomainClassifier(()))

    # then: nothing is left in flight for the next customer
    assert "answered HTTP 500 with an error page" in raised.value.message
    running.mock.switches.reply = Reply.NORMAL
    again = await gather_evidence(adapter, customer, DomainClassifier(()))
    assert again.contact is not None


async def test_record_not_found_fault_is_none_on_read_and_transient_on_paging(
    running: RunningMock, adapter: SoapAdapter
) -> None:
    # given
    running.mock.switches.reply = Reply.NOT_FOUND_FAULT

    # when
    found = await adapter.account_by_number("10000")
    with pytest.raises(ErpUnavailableError) as raised:
        [a async for a in adapter.accounts_changed_since(None)]

    # then
    assert found is None
    assert raised.value.message == (
        "the soap ERP adapter lost its place paging the Customer page (the "
        "bookmarked record is gone); retry later"
    )


async def test_capped_domain_search_falls_back_to_the_address(
    running: RunningMock, adapter: SoapAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a cap of one record, so the domain search sees 10020 only
    monkeypatch.setattr("erp_adapters.soap.search.MAX_MATCHES", 1)
    monkeypatch.setattr("erp_adapters.soap.adapter.MAX_MATCHES", 1)
    customer = Customer("user-1", "sued@hansen-gruppe.de", is_confirmed=True)
    calls = running.mock.calls

    # when
    evidence = await gather_evidence(adapter, customer, DomainClassifier(()))

    # then: the address's own search (2 calls) found its account, beside the
    # domain search (2 calls) and the account of the domain's contact (1 call)
    assert evidence.contact_account is not None
    assert evidence.contact_account.number == "10021"
    assert [a.number for a in evidence.domain_accounts] == ["10020", "10021"]
    assert running.mock.calls == calls + 5
