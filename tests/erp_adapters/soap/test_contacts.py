"""The soap adapter's `contacts()` against the mock: bookmark paging over the
Customer page, then the Contact page."""

from __future__ import annotations

from pathlib import Path

from erp_adapters.soap.adapter import SoapAdapter
from erp_adapters.soap.mock.server import RunningMock, build_mock, start_mock

from ..contract import CONTRACT_CONTACTS
from .conftest import USERNAME


async def test_contacts_page_with_bookmarks_on_both_pages(running: RunningMock) -> None:
    # given
    adapter = SoapAdapter.from_settings({**running.adapter_options(), "page_size": "5"})
    calls = running.mock.calls

    # when
    listed = [c async for c in adapter.contacts()]
    await adapter.close()

    # then: customers in pages of 5, 5, 5 and 3, contacts in pages of 5 and 2
    found = [(c.number, c.account_number, c.name, c.email.lower()) for c in listed]
    assert sorted(found) == sorted(CONTRACT_CONTACTS)
    assert running.mock.calls == calls + 6
    assert [c.number for c in listed[:18]] == [""] * 18


async def test_contacts_split_multi_address_fields_and_skip_non_addresses(
    tmp_path: Path,
) -> None:
    # given: a two-address contact, an address on two accounts and a field that
    # holds no address
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "No.,Name,E-Mail\n1,One,shared@firma.de\n2,Two,kein-mail\n", encoding="utf-8"
    )
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "No.,Company No.,Name,E-Mail\nK1,2,Person,Shared@Firma.de; zweite@firma.de\n",
        encoding="utf-8",
    )
    mock = build_mock(accounts, contacts, username=USERNAME, password="pw-test")
    served = await start_mock(mock, username=USERNAME, password="pw-test")
    adapter = SoapAdapter.from_settings({**served.adapter_options(), "page_size": "1"})

    # when
    listed = [c async for c in adapter.contacts()]
    await adapter.close()
    await served.stop()

    # then: the shared address comes once per account, for the caller to drop
    assert [(c.number, c.account_number, c.email) for c in listed] == [
        ("", "1", "shared@firma.de"),
        ("K1", "2", "Shared@Firma.de"),
        ("K1", "2", "zweite@firma.de"),
    ]
