"""The adapter contract: what every ERP adapter answers for the same customer master.

Each check is an `async def check_...(adapter)` run by `test_contract.py` against
every adapter, each built over the contract data set below (`contract_accounts.csv`
and `contract_contacts.csv`, plain NAV-style UTF-8 CSV). An adapter that stores the
data elsewhere (a database, a SOAP mock) loads these rows first; `contract_rows`
reads them as strings for that purpose.

The data holds the traps: a leading-zero number, two accounts on one domain listed
out of order, e-mail addresses stored in mixed case, on subdomains and two to a field,
blocked accounts, and values such as `' OR 1=1 --`, `*`, `a|b`, `1..9` and `%` that a
query language would read as syntax. Not in this file on purpose: reload, encodings
and delimiters, which only the CSV adapter has (see `test_csv.py`).
"""

from __future__ import annotations

import csv
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from connector.linking.model import Account, Blocked, Contact
from erp_adapters.base import ErpAdapter

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class ContractData:
    """Where the contract data set lies; builders read it from here."""

    accounts_csv: Path
    contacts_csv: Path


CONTRACT_DATA = ContractData(
    DATA / "contract_accounts.csv", DATA / "contract_contacts.csv"
)
ALL_NUMBERS = frozenset(
    {
        "10000", "10010", "10020", "10021", "0004711", "10030", "10040", "10041",
        "10050", "10060", "10070", "10080", "10090", "10091", "10092", "10093",
        "10094", "10100",
    }
)  # fmt: skip
INJECTION_VALUES = (
    "' OR 1=1 --",
    "*",
    "%",
    "_",
    "a|b",
    "1..9",
    "10000|10010",
    "10000..10021",
    "<>10000",
    "@*@acme-industrial.de",
    "10000' OR '1'='1",
)


def contract_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a contract file as header -> string, for builders that load them."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


async def check_number_is_exact_with_leading_zeros(adapter: ErpAdapter) -> None:
    # when
    found = await adapter.account_by_number("0004711")
    without_zeros = await adapter.account_by_number("4711")

    # then
    assert found is not None
    assert found.number == "0004711"
    assert found.name == "Kleinbetrieb Meyer"
    assert without_zeros is None


async def check_account_fields_are_mapped(adapter: ErpAdapter) -> None:
    # when
    account = await adapter.account_by_number("10000")

    # then
    assert account == Account(
        number="10000",
        name="Acme Industrial GmbH",
        email="info@acme-industrial.de",
        post_code="10115",
        country="DE",
        price_list="WHOLESALE",
        credit_limit=Decimal(20000),
        blocked=Blocked.NONE,
        salesperson="MH",
        salesperson_email="m.hansen@erplink-demo.example",
        last_order=date(2026, 10, 1),
    )


async def check_unicode_and_decimals_survive(adapter: ErpAdapter) -> None:
    # when
    zurich = await adapter.account_by_number("10100")
    brandt = await adapter.account_by_number("10010")

    # then
    assert zurich is not None
    assert zurich.name == "Zürich Präzision AG"
    assert brandt is not None
    assert brandt.credit_limit == Decimal("15000.50")
    assert brandt.last_order is None


async def check_domain_lists_accounts_ordered_by_number(adapter: ErpAdapter) -> None:
    # when
    accounts = await adapter.accounts_by_domain("hansen-gruppe.de")

    # then
    assert [a.number for a in accounts] == ["10020", "10021"]


async def check_domain_respects_limit(adapter: ErpAdapter) -> None:
    # when
    accounts = await adapter.accounts_by_domain("hansen-gruppe.de", limit=1)

    # then
    assert [a.number for a in accounts] == ["10020"]


async def check_domain_is_case_insensitive(adapter: ErpAdapter) -> None:
    # when
    upper_query = await adapter.accounts_by_domain("ACME-Industrial.DE")
    upper_stored = await adapter.accounts_by_domain("brandt-metall.de")

    # then
    assert [a.number for a in upper_query] == ["10000"]
    assert [a.number for a in upper_stored] == ["10010"]


async def check_domain_is_exact(adapter: ErpAdapter) -> None:
    # given: each is a suffix, a prefix or a subdomain of a stored domain
    near_misses = (
        "industrial.de",
        "acme-industrial",
        "acme-industrial.de.evil.com",
        "xacme-industrial.de",
        "sales.subdomain-firma.de",
        "de",
    )

    # when
    found = [await adapter.accounts_by_domain(domain) for domain in near_misses]

    # then
    assert found == [[] for _ in near_misses]


async def check_subdomain_addresses_count_for_registrable_domain(
    adapter: ErpAdapter,
) -> None:
    # when
    subdomain = await adapter.accounts_by_domain("subdomain-firma.de")
    public_suffix = await adapter.accounts_by_domain("british-supplies.co.uk")

    # then
    assert [a.number for a in subdomain] == ["10060"]
    assert [a.number for a in public_suffix] == ["10070"]


async def check_contact_domains_count_for_their_account(adapter: ErpAdapter) -> None:
    # when: only a contact of 10060 has a gmail address
    accounts = await adapter.accounts_by_domain("gmail.com")

    # then
    assert [a.number for a in accounts] == ["10060"]


async def check_every_address_of_a_multi_address_field_counts(
    adapter: ErpAdapter,
) -> None:
    # when
    first = await adapter.accounts_by_domain("multi-mail.de")
    second = await adapter.accounts_by_domain("multi-mail-billing.de")
    by_email = await adapter.contact_by_email("rechnung@multi-mail-billing.de")

    # then
    assert [a.number for a in first] == ["10080"]
    assert [a.number for a in second] == ["10080"]
    assert by_email is not None
    assert by_email[1].number == "10080"


async def check_contact_by_email_is_exact(adapter: ErpAdapter) -> None:
    # when
    found = await adapter.contact_by_email("anna.schmidt@acme-industrial.de")
    near_miss = await adapter.contact_by_email("anna.schmidt@acme-industrial.com")

    # then
    assert found is not None
    contact, account = found
    assert contact == Contact(
        "CT10000", "10000", "Anna Schmidt", "anna.schmidt@acme-industrial.de"
    )
    assert account.number == "10000"
    assert near_miss is None


async def check_contact_by_email_is_case_insensitive(adapter: ErpAdapter) -> None:
    # when
    upper_query = await adapter.contact_by_email("Anna.Schmidt@ACME-industrial.de")
    upper_stored = await adapter.contact_by_email("ole@fjord-trading.dk")

    # then
    assert upper_query is not None
    assert upper_query[0].number == "CT10000"
    assert upper_stored is not None
    assert upper_stored[0].number == "CT10050"
    assert upper_stored[0].email.lower() == "ole@fjord-trading.dk"


async def check_apostrophe_in_address_is_found(adapter: ErpAdapter) -> None:
    # when
    found = await adapter.contact_by_email("peter.o'brien@acme-industrial.de")

    # then
    assert found is not None
    assert found[0].number == "CT10001"


async def check_account_email_counts_as_contact(adapter: ErpAdapter) -> None:
    # when
    found = await adapter.contact_by_email("info@brandt-metall.de")

    # then
    assert found is not None
    contact, account = found
    assert contact.number == ""
    assert contact.account_number == "10010"
    assert contact.name == "Brandt Metallbau KG"
    assert contact.email.lower() == "info@brandt-metall.de"
    assert account.number == "10010"


async def check_blocked_accounts_are_returned_blocked(adapter: ErpAdapter) -> None:
    # when
    by_number = await adapter.account_by_number("10040")
    by_domain = await adapter.accounts_by_domain("gesperrt-handel.de")
    by_email = await adapter.contact_by_email("bestellung@gesperrt-handel.de")
    ship = await adapter.account_by_number("10041")

    # then
    assert by_number is not None
    assert by_number.blocked is Blocked.ALL
    assert [(a.number, a.blocked) for a in by_domain] == [("10040", Blocked.ALL)]
    assert by_email is not None
    assert by_email[1].blocked is Blocked.ALL
    assert ship is not None
    assert ship.blocked is Blocked.SHIP


async def check_injection_like_values_match_nothing(adapter: ErpAdapter) -> None:
    # when
    numbers = [await adapter.account_by_number(v) for v in INJECTION_VALUES]
    domains = [await adapter.accounts_by_domain(v) for v in INJECTION_VALUES]
    emails = [await adapter.contact_by_email(v) for v in INJECTION_VALUES]

    # then
    assert numbers == [None] * len(INJECTION_VALUES)
    assert domains == [[]] * len(INJECTION_VALUES)
    assert emails == [None] * len(INJECTION_VALUES)


async def check_wildcards_inside_addresses_are_literal(adapter: ErpAdapter) -> None:
    # given: SQL LIKE, NAV filter and glob wildcards inside otherwise real values
    addresses = (
        "%@acme-industrial.de",
        "*@acme-industrial.de",
        "info@acme_industrial.de",
        "info@acme-industrial.d_",
        "under%score@prozent-firma.de",
        "info@acme-industrial.de|info@brandt-metall.de",
    )

    # when
    found = [await adapter.contact_by_email(address) for address in addresses]
    domains = [await adapter.accounts_by_domain(d) for d in ("acme_industrial.de",)]

    # then
    assert found == [None] * len(addresses)
    assert domains == [[]]


async def check_stored_syntax_is_returned_verbatim(adapter: ErpAdapter) -> None:
    # when
    quote = await adapter.account_by_number("10090")
    star = await adapter.account_by_number("10091")
    underscore = await adapter.contact_by_email("under_score@prozent-firma.de")

    # then
    assert quote is not None
    assert (quote.name, quote.post_code) == ("' OR 1=1 --", "*")
    assert star is not None
    assert (star.name, star.price_list) == ("Stern * Handel", "a|b")
    assert underscore is not None
    assert underscore[1].number == "10093"


async def check_unknown_values_find_nothing(adapter: ErpAdapter) -> None:
    # when
    number = await adapter.account_by_number("99999")
    blank = await adapter.account_by_number("")
    domain = await adapter.accounts_by_domain("unknown-firma.de")
    email = await adapter.contact_by_email("buyer@hansen-gruppe.de")
    blank_email = await adapter.contact_by_email("")

    # then
    assert (number, blank, domain, email, blank_email) == (None, None, [], None, None)


async def check_changed_since_none_yields_every_account(adapter: ErpAdapter) -> None:
    # when
    numbers = [a.number async for a in adapter.accounts_changed_since(None)]

    # then
    assert sorted(numbers) == sorted(ALL_NUMBERS)


async def check_health_is_ok_with_count(adapter: ErpAdapter) -> None:
    # when
    health = await adapter.health()

    # then
    assert health.ok is True
    assert health.accounts == len(ALL_NUMBERS)
    assert health.detail


async def check_changed_since_yields_each_account_once(adapter: ErpAdapter) -> None:
    # when
    accounts = [a async for a in adapter.accounts_changed_since(None)]

    # then: every page boundary is crossed without repeating or dropping a row
    numbers = [a.number for a in accounts]
    assert len(numbers) == len(set(numbers)) == len(ALL_NUMBERS)
    meyer = next(a for a in accounts if a.number == "0004711")
    assert meyer == await adapter.account_by_number("0004711")


async def check_contact_comes_with_its_full_account(adapter: ErpAdapter) -> None:
    # when
    found = await adapter.contact_by_email("ute@hansen-gruppe.de")
    account = await adapter.account_by_number("10021")

    # then
    assert found is not None
    assert found[0] == Contact("CT10021", "10021", "Ute Süd", "ute@hansen-gruppe.de")
    assert found[1] == account


async def check_domain_accounts_are_full_accounts(adapter: ErpAdapter) -> None:
    # when
    by_domain = await adapter.accounts_by_domain("hansen-gruppe.de")
    by_number = [await adapter.account_by_number(n) for n in ("10020", "10021")]

    # then
    assert by_domain == by_number


async def check_domain_limit_zero_finds_nothing(adapter: ErpAdapter) -> None:
    # when
    accounts = await adapter.accounts_by_domain("hansen-gruppe.de", limit=0)

    # then
    assert accounts == []


CONTRACT_CONTACTS = frozenset(
    {
        ("", "10000", "Acme Industrial GmbH", "info@acme-industrial.de"),
        ("", "10010", "Brandt Metallbau KG", "info@brandt-metall.de"),
        ("", "10020", "Hansen Gruppe Nord", "nord@hansen-gruppe.de"),
        ("", "10021", "Hansen Gruppe Süd", "sued@hansen-gruppe.de"),
        ("", "0004711", "Kleinbetrieb Meyer", "kontakt@meyer-werkstatt.de"),
        ("", "10030", "Großabnehmer AG", "zentrale@grossabnehmer.de"),
        ("", "10040", "Gesperrt Handel GmbH", "info@gesperrt-handel.de"),
        ("", "10041", "Lieferstopp KG", "info@lieferstopp.de"),
        ("", "10050", "Fjord Trading ApS", "sales@fjord-trading.dk"),
        ("", "10060", "Subdomain Firma GmbH", "einkauf@sales.subdomain-firma.de"),
        ("", "10070", "British Supplies Ltd", "orders@london.british-supplies.co.uk"),
        ("", "10080", "Multi Mail GmbH", "info@multi-mail.de"),
        ("", "10080", "Multi Mail GmbH", "rechnung@multi-mail-billing.de"),
        ("", "10090", "' OR 1=1 --", "quote@injection-test.de"),
        ("", "10091", "Stern * Handel", "star@stern-handel.de"),
        ("", "10092", "Range Handel 1..9", "range@range-handel.de"),
        ("", "10093", "Prozent 100% GmbH", "under_score@prozent-firma.de"),
        ("", "10100", "Zürich Präzision AG", "info@zuerich-praezision.ch"),
        ("CT10000", "10000", "Anna Schmidt", "anna.schmidt@acme-industrial.de"),
        ("CT10001", "10000", "Peter O'Brien", "peter.o'brien@acme-industrial.de"),
        ("CT10021", "10021", "Ute Süd", "ute@hansen-gruppe.de"),
        ("CT10040", "10040", "Bestellung Gesperrt", "bestellung@gesperrt-handel.de"),
        ("CT10050", "10050", "Ole Sørensen", "ole@fjord-trading.dk"),
        ("CT10060", "10060", "Privat Person", "subdomain.privat@gmail.com"),
        ("CT10070", "10070", "Buyer London",
         "buyer@procurement.british-supplies.co.uk"),
    }
)  # fmt: skip
"""Every (contact number, account number, name, address in lower case) that
`contacts()` lists for the contract data set: each account's own addresses (both of
a two-address field; none for 10094, which has none) and each named contact."""


async def check_contacts_lists_every_address_with_its_account(
    adapter: ErpAdapter,
) -> None:
    # when
    listed = [c async for c in adapter.contacts()]

    # then: complete, each once, names and addresses literal (quotes, `*`, `%`, `_`)
    found = [(c.number, c.account_number, c.name, c.email.lower()) for c in listed]
    assert sorted(found) == sorted(CONTRACT_CONTACTS)
    ole = next(c for c in listed if c.number == "CT10050")
    assert ole.email in ("Ole@Fjord-Trading.DK", "ole@fjord-trading.dk")
    assert all(c.account_number in ALL_NUMBERS for c in listed)


Check = Callable[[ErpAdapter], Awaitable[None]]
CHECKS: tuple[Check, ...] = tuple(
    check for name, check in sorted(globals().items()) if name.startswith("check_")
)
