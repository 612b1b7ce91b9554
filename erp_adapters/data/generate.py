"""Writes the demo customer master: `accounts.csv` and `contacts.csv` beside this file.

Deterministic (seeded `random.Random(7)`, dates counted back from a fixed day), so
running it again gives the same bytes. The demo fixtures come first and keep their
numbers, addresses and domains to themselves; the rest is generated around them.

    python erp_adapters/data/generate.py                   # the ~300 demo accounts
    python erp_adapters/data/generate.py --accounts 1000000 --out /tmp/erp-1m
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

SEED = 7
DEMO_ACCOUNTS = 291
TODAY = date(2026, 11, 30)
LAST_ORDER_SPAN_DAYS = 730

ACCOUNT_HEADER = (
    "No.",
    "Name",
    "E-Mail",
    "Phone No.",
    "Post Code",
    "Country/Region Code",
    "Customer Price Group",
    "Credit Limit (LCY)",
    "Blocked",
    "Salesperson Code",
    "Salesperson E-Mail",
    "Last Order Date",
)
CONTACT_HEADER = ("No.", "Company No.", "Name", "E-Mail", "Type")

SALESPEOPLE = {
    "MH": "m.hansen@erplink-demo.example",
    "SK": "s.krueger@erplink-demo.example",
    "JL": "j.larsen@erplink-demo.example",
    "AB": "a.becker@erplink-demo.example",
    "TN": "t.nielsen@erplink-demo.example",
}
PRICE_GROUPS = ("WHOLESALE", "RETAIL", "EXPORT", "VIP", "DISTRIBUTOR")
CREDIT_LIMITS = (0, 2000, 5000, 5000, 10000, 10000, 15000, 25000, 50000)
HIGH_CREDIT_LIMITS = (100000, 150000, 250000, 500000)
FREE_MAIL = ("gmail.com", "web.de", "gmx.de")

# (number, name, e-mail, post code, country, price group, credit limit, blocked,
#  salesperson) and the contacts (number, account, name, e-mail) the demo relies on.
FIXTURE_ACCOUNTS = (
    ("10000", "Acme Industrial GmbH", "info@acme-industrial.de", "10115", "DE",
     "WHOLESALE", 20000, "", "MH"),
    ("10010", "Brandt Metallbau KG", "info@brandt-metall.de", "20095", "DE",
     "RETAIL", 15000, "", "SK"),
    ("10020", "Hansen Gruppe Nord", "nord@hansen-gruppe.de", "24103", "DE",
     "DISTRIBUTOR", 30000, "", "MH"),
    ("10021", "Hansen Gruppe Süd", "sued@hansen-gruppe.de", "80331", "DE",
     "DISTRIBUTOR", 30000, "", "AB"),
    ("0004711", "Kleinbetrieb Meyer", "kontakt@meyer-werkstatt.de", "50667", "DE",
     "RETAIL", 5000, "", "SK"),
    ("0004712", "Lindqvist Handel", "info@lindqvist-handel.se", "11122", "SE",
     "EXPORT", 8000, "", "JL"),
    ("10030", "Großabnehmer AG", "zentrale@grossabnehmer.de", "60311", "DE",
     "VIP", 250000, "", "MH"),
    ("10040", "Gesperrt Handel GmbH", "info@gesperrt-handel.de", "70173", "DE",
     "WHOLESALE", 10000, "All", "AB"),
    ("10050", "Fjord Trading ApS", "sales@fjord-trading.dk", "1050", "DK",
     "UNMAPPED_GROUP", 7000, "", "TN"),
)  # fmt: skip
FIXTURE_CONTACTS = (
    ("CT10000", "10000", "Anna Schmidt", "anna.schmidt@acme-industrial.de"),
    ("CT10010", "10010", "Jonas Weber", "jonas.weber@brandt-metall.de"),
    ("CT10030", "10030", "Einkauf Großabnehmer", "einkauf@grossabnehmer.de"),
    ("CT10040", "10040", "Bestellung Gesperrt", "bestellung@gesperrt-handel.de"),
    ("CT10050", "10050", "Ole Sørensen", "ole@fjord-trading.dk"),
)
RESERVED_DOMAINS = frozenset(
    {email.rpartition("@")[2] for _, _, email, *_ in FIXTURE_ACCOUNTS}
    | {"buyer.hansen-gruppe.de"}
)

GERMAN_SURNAMES = (
    "Müller", "Schäfer", "Köhler", "Größer", "Jäger", "Bäcker", "Schröder", "Krüger",
    "Weiß", "Hoffmann", "Wagner", "Becker", "Schulz", "Fuchs", "Vogel", "Lößner",
)  # fmt: skip
DANISH_SURNAMES = (
    "Jørgensen", "Sørensen", "Møller", "Nørgaard", "Kjær", "Bødker", "Østergaard",
    "Lykkegård", "Thomsen", "Dalsgaard",
)  # fmt: skip
GERMAN_TRADES = (
    "Metallbau", "Großhandel", "Elektrotechnik", "Holzbau", "Maschinenbau",
    "Bäckereibedarf", "Sanitär", "Werkzeughandel", "Landtechnik", "Büroausstattung",
)  # fmt: skip
DANISH_TRADES = (
    "Tømrer", "Fiskeeksport", "Maskinhandel", "Byggemarked", "Køleteknik",
    "Havneservice", "Træhandel",
)  # fmt: skip
GERMAN_LEGAL = ("GmbH", "KG", "AG", "GmbH & Co. KG", "e.K.")
DANISH_LEGAL = ("ApS", "A/S", "I/S")
FIRST_NAMES = (
    "Anna", "Jonas", "Lena", "Lukas", "Sophie", "Felix", "Mia", "Jürgen", "Søren",
    "Mette", "Björn", "Käthe", "Ole", "Freja", "Lars", "Ida",
)  # fmt: skip
BRANCHES = ("Nord", "Süd", "Ost", "West", "Mitte")
ROLES = ("info", "kontakt", "einkauf", "bestellung", "office", "mail")
TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ø": "oe", "æ": "ae", "å": "aa",
     "é": "e"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Company:
    """One generated firm: a name and the domain its accounts share."""

    name: str
    domain: str
    danish: bool


def slug(text: str) -> str:
    """`Größer Metallbau` -> `groesser-metallbau`."""
    ascii_text = text.lower().translate(TRANSLITERATION)
    words = "".join(c if c.isalnum() else " " for c in ascii_text).split()
    return "-".join(words)


class Generator:
    """Produces the generated accounts and contacts from one seeded random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.domains: set[str] = set(RESERVED_DOMAINS)
        self.serials: dict[str, int] = {}
        self.free_mail_serial = 0
        self.contact_serial = 200000

    def company(self) -> Company:
        danish = self.rng.random() < 0.3
        surnames = DANISH_SURNAMES if danish else GERMAN_SURNAMES
        trades = DANISH_TRADES if danish else GERMAN_TRADES
        legal = DANISH_LEGAL if danish else GERMAN_LEGAL
        base = f"{self.rng.choice(surnames)} {self.rng.choice(trades)}"
        domain = f"{slug(base)}.{'dk' if danish else 'de'}"
        while domain in self.domains:
            serial = self.serials[base] = self.serials.get(base, 1) + 1
            domain = f"{slug(base)}-{serial}.{'dk' if danish else 'de'}"
        self.domains.add(domain)
        return Company(f"{base} {self.rng.choice(legal)}", domain, danish)

    def account(
        self, number: str, name: str, company: Company, branch: str
    ) -> list[str]:
        """One account row; each branch of a company has an address of its own."""
        rng = self.rng
        role = slug(branch) if branch else rng.choice(ROLES)
        email = f"{role}@{company.domain}"
        if not branch and rng.random() < 0.08:
            email += f";buchhaltung@{company.domain}"
        salesperson = rng.choice(tuple(SALESPEOPLE))
        limits = HIGH_CREDIT_LIMITS if rng.random() < 0.06 else CREDIT_LIMITS
        blocked = rng.choice(("Ship", "Invoice", "All")) if rng.random() < 0.06 else ""
        return [
            number,
            name,
            email,
            self.phone(company.danish),
            self.post_code(company.danish),
            "DK" if company.danish else "DE",
            rng.choice(PRICE_GROUPS),
            str(rng.choice(limits)),
            blocked,
            salesperson,
            SALESPEOPLE[salesperson],
            self.last_order(),
        ]

    def post_code(self, danish: bool) -> str:
        if danish:
            return str(self.rng.randint(1000, 9990))
        return f"{self.rng.randint(1067, 99998):05d}"

    def phone(self, danish: bool) -> str:
        if danish:
            return f"+45 {self.rng.randint(20, 99)} {self.rng.randint(100000, 999999)}"
        return f"+49 {self.rng.randint(30, 999)} {self.rng.randint(100000, 9999999)}"

    def last_order(self) -> str:
        if self.rng.random() < 0.12:
            return ""
        days_ago = self.rng.randrange(LAST_ORDER_SPAN_DAYS)
        return (TODAY - timedelta(days=days_ago)).isoformat()

    def contacts(self, number: str, company: Company) -> Iterator[list[str]]:
        for _ in range(self.rng.choice((0, 1, 1, 2, 3))):
            first = self.rng.choice(FIRST_NAMES)
            surnames = DANISH_SURNAMES if company.danish else GERMAN_SURNAMES
            last = self.rng.choice(surnames)
            self.contact_serial += 1
            yield [
                f"CT{self.contact_serial}",
                number,
                f"{first} {last}",
                self.contact_email(first, last, company.domain),
                "Person",
            ]

    def contact_email(self, first: str, last: str, domain: str) -> str:
        if self.rng.random() < 0.15:
            self.free_mail_serial += 1
            local = f"{slug(first)}.{slug(last)}{self.free_mail_serial}"
            return f"{local}@{self.rng.choice(FREE_MAIL)}"
        return f"{slug(first)}.{slug(last)}.{self.contact_serial}@{domain}"


def fixture_rows(rng: random.Random) -> tuple[list[list[str]], list[list[str]]]:
    accounts = []
    for (
        number,
        name,
        email,
        post,
        country,
        group,
        credit,
        blocked,
        rep,
    ) in FIXTURE_ACCOUNTS:
        last = (TODAY - timedelta(days=rng.randrange(90))).isoformat()
        prefix = {"DE": "+49 30", "SE": "+46 8", "DK": "+45 33"}[country]
        phone = f"{prefix} {rng.randint(100000, 9999999)}"
        accounts.append(
            [number, name, email, phone, post, country, group, str(credit), blocked,
             rep, SALESPEOPLE[rep], last]
        )  # fmt: skip
    contacts = [[*row, "Person"] for row in FIXTURE_CONTACTS]
    return accounts, contacts


def generate(count: int) -> tuple[list[list[str]], list[list[str]]]:
    """The fixtures, then `count` generated accounts (1 to 3 per company)."""
    rng = random.Random(SEED)
    accounts, contacts = fixture_rows(rng)
    generator = Generator(rng)
    made = 0
    while made < count:
        company = generator.company()
        branches = rng.choice((1, 1, 1, 1, 2, 3))
        for branch in range(min(branches, count - made)):
            number = generated_number(made)
            suffix = BRANCHES[branch] if branches > 1 else ""
            name = f"{company.name} {suffix}".strip()
            accounts.append(generator.account(number, name, company, suffix))
            contacts.extend(generator.contacts(number, company))
            made += 1
    return accounts, contacts


def generated_number(index: int) -> str:
    """`20000`, `20010`, ...; every 12th a leading-zero number `0005000`, ...."""
    if index % 12 == 5:
        return f"{5000 + index:07d}"
    return str(20000 + 10 * index)


def write(path: Path, header: tuple[str, ...], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=DEMO_ACCOUNTS)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args()
    accounts, contacts = generate(args.accounts)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / "accounts.csv", ACCOUNT_HEADER, accounts)
    write(args.out / "contacts.csv", CONTACT_HEADER, contacts)


if __name__ == "__main__":
    main()
