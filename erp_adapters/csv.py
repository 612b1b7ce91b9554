"""The CSV adapter: the customer master exported by the ERP as one or two CSV files.

The accounts file (and an optional contacts file) is read whole into memory and
indexed by account number, by e-mail address and by registrable domain. Before each
call the adapter checks, at most once per second, whether a file changed on disk and
then reloads it in a worker thread; the new indexes replace the old ones in one
assignment, so a call sees either the old data or the new data, never a mix. A reload
that fails keeps the old data, logs the error and turns `health()` red until the file
is fixed.

Reading is deterministic: the encoding is a UTF-8 byte order mark, else strict UTF-8,
else the configured fallback (cp1252); the delimiter is Excel's `sep=` first line,
else what `csv.Sniffer` finds among `, ; TAB |`, else a comma. Every value stays a
string (account numbers keep their leading zeros); only the credit limit, the blocked
option and the dates are parsed, and a value that cannot be parsed stops the load with
an error naming the file and the line.

An e-mail address that belongs to two different accounts is ambiguous: it is left out
of the contact index (`contact_by_email` answers None for it, and a warning with the
count is logged), because naming one of the two accounts would link a customer to a
price list by chance. Its domain still counts for both accounts.
"""

from __future__ import annotations

import asyncio
import codecs
import csv
import gc
import io
import re
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from pathlib import Path

import structlog

from connector.linking.domains import registrable_domain
from connector.linking.model import Account, Blocked, Contact
from erp_adapters.base import ErpMisconfiguredError, Health

_log = structlog.get_logger(__name__)

CHECK_INTERVAL_S = 1.0
SNIFF_SAMPLE_CHARS = 16_384
DELIMITERS = ",;\t|"
NAV_BLANK_DATE = date(1753, 1, 1)

ACCOUNT_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "number": (
        "No.",
        "Kundennr.",
        "Kundennummer",
        "CardCode",
        "custno",
        "Customer No.",
        "account_number",
        "Account No.",
        "account",
    ),
    "name": ("Name", "CardName"),
    "email": ("E-Mail", "Email"),
    "post_code": ("Post Code", "PLZ", "ZipCode", "postal_code"),
    "country": ("Country/Region Code", "Country"),
    "price_list": ("Customer Price Group", "Price Group", "price_list"),
    "credit_limit": ("Credit Limit (LCY)", "Credit Limit"),
    "blocked": ("Blocked",),
    "salesperson": ("Salesperson Code",),
    "salesperson_email": ("Salesperson E-Mail",),
    "last_order": ("Last Order Date",),
    "modified": ("Last Date Modified",),
}
"""Known headers per account field, most specific first. Headers compare without
case, spaces or punctuation, so `E_Mail`, `e-mail` and `EMAIL` are one header."""

CONTACT_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "number": ("No.", "Contact No."),
    "account_number": ("Company No.", "Account No.", "Customer No."),
    "name": ("Name",),
    "email": ("E-Mail", "Email"),
}
"""Known headers per contact field; override with `columns={"contact.email": ...}`."""

_BLOCKED_VALUES: Mapping[str, Blocked] = {
    **dict.fromkeys(("", "0", "no", "n", "false", "nein", "_blank_"), Blocked.NONE),
    **dict.fromkeys(("ship", "1"), Blocked.SHIP),
    **dict.fromkeys(("invoice", "2"), Blocked.INVOICE),
    **dict.fromkeys(("all", "3", "yes", "y", "true", "ja", "x"), Blocked.ALL),
}
_ACCOUNT_FIELDS = tuple(ACCOUNT_COLUMNS)  # Account's own field order, then "modified"
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_EMAIL_SEPARATORS = re.compile(r"[;,\s]+")
_HEADER_NOISE = re.compile(r"[\W_]+")

Signature = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """Everything one load produced; replaced as a whole, never changed in place."""

    accounts: dict[str, Account]
    emails: dict[str, Contact | str]
    domains: dict[str, str | list[str]]
    modified: dict[str, date] | None
    contacts: int
    encoding: str
    contacts_encoding: str | None
    signature: Signature


class CsvAdapter:
    """Reads the customer master from CSV exports of the ERP.

    Args:
        accounts_path: the accounts file (one account per row, a header line first).
        contacts_path: an optional contacts file linking people to account numbers.
        encoding_fallback: the encoding used when a file is neither marked nor valid
            UTF-8.
        columns: headers to use instead of the known ones, by field name
            (`{"number": "Debitor", "contact.email": "Mail"}`); fields are the keys of
            `ACCOUNT_COLUMNS`, and of `CONTACT_COLUMNS` prefixed with `contact.`.
        check_interval_s: how often, at most, the files' size and time are checked.

    Raises:
        ErpMisconfiguredError: a file is missing, unreadable or malformed; the message
            names the file and, for a bad row, the line.
    """

    name = "csv"

    def __init__(
        self,
        accounts_path: Path,
        contacts_path: Path | None = None,
        *,
        encoding_fallback: str = "cp1252",
        columns: Mapping[str, str] | None = None,
        check_interval_s: float = CHECK_INTERVAL_S,
    ) -> None:
        self._accounts_path = Path(accounts_path)
        self._contacts_path = Path(contacts_path) if contacts_path else None
        self._fallback = _checked_encoding(encoding_fallback)
        self._columns = _split_columns(columns or {})
        self._check_interval_s = check_interval_s
        self._next_check = time.monotonic() + check_interval_s
        self._reload_lock = asyncio.Lock()
        self._failed: tuple[Signature, str] | None = None
        self._snapshot = self._load(self._signature())

    @classmethod
    def from_settings(cls, options: Mapping[str, str]) -> CsvAdapter:
        """Builds the adapter from string settings, as a generic registry holds them.

        Options: `accounts` (required path), `contacts` (path), `encoding_fallback`,
        and `column.<field>` for each header override.

        Raises:
            ErpMisconfiguredError: `accounts` is missing or an option is unknown.
        """
        known = {"accounts", "contacts", "encoding_fallback"}
        unknown = sorted(
            k for k in options if k not in known and not k.startswith("column.")
        )
        if unknown:
            raise ErpMisconfiguredError(
                f"unknown csv adapter options {', '.join(unknown)}; known options are "
                "accounts, contacts, encoding_fallback and column.<field>"
            )
        accounts = options.get("accounts", "").strip()
        if not accounts:
            raise ErpMisconfiguredError(
                "the csv adapter needs the option 'accounts': the accounts file's path"
            )
        contacts = options.get("contacts", "").strip()
        columns = {
            key.removeprefix("column."): value
            for key, value in options.items()
            if key.startswith("column.")
        }

        return cls(
            Path(accounts),
            Path(contacts) if contacts else None,
            encoding_fallback=options.get("encoding_fallback", "").strip() or "cp1252",
            columns=columns,
        )

    @property
    def encoding(self) -> str:
        """The encoding the accounts file was read with (`utf-8-sig`, `utf-8`, ...)."""
        return self._snapshot.encoding

    @property
    def contacts_encoding(self) -> str | None:
        """The encoding the contacts file was read with; None without one."""
        return self._snapshot.contacts_encoding

    async def account_by_number(self, number: str) -> Account | None:
        """The account with exactly this number (leading zeros matter), or None."""
        await self._refresh()
        return self._snapshot.accounts.get(number)

    async def accounts_by_domain(self, domain: str, limit: int = 50) -> list[Account]:
        """Accounts with an address at exactly `domain`, ordered by number."""
        await self._refresh()
        snapshot = self._snapshot
        numbers = snapshot.domains.get(domain.strip().lower(), [])
        if isinstance(numbers, str):
            numbers = [numbers]
        return [snapshot.accounts[number] for number in numbers[: max(limit, 0)]]

    async def contact_by_email(self, email: str) -> tuple[Contact, Account] | None:
        """The contact (or account) with exactly this address, with its account."""
        await self._refresh()
        snapshot = self._snapshot
        key = email.strip().lower()
        entry = snapshot.emails.get(key)
        if entry is None:
            return None

        if isinstance(entry, Contact):
            return entry, snapshot.accounts[entry.account_number]
        account = snapshot.accounts[entry]
        written = next(a for a in _addresses(account.email) if a.lower() == key)
        return Contact("", account.number, account.name, written), account

    async def accounts_changed_since(
        self, since: datetime | None
    ) -> AsyncIterator[Account]:
        """Every account, or with a `Last Date Modified` column those changed on or
        after the day of `since` (accounts without a date are always included)."""
        await self._refresh()
        snapshot = self._snapshot
        cutoff = since.date() if since is not None else None
        for count, account in enumerate(snapshot.accounts.values(), start=1):
            if not _changed(snapshot, account.number, cutoff):
                continue
            yield account
            if count % 1000 == 0:
                await asyncio.sleep(0)  # let other requests run during a long sync

    async def contacts(self) -> AsyncIterator[Contact]:
        """Every address a person can be invited at, each with its account: named
        contacts, and an account's own addresses with an empty contact number.
        Addresses on more than one account are left out, as they are for lookups."""
        await self._refresh()
        snapshot = self._snapshot
        for count, (address, entry) in enumerate(snapshot.emails.items(), start=1):
            if isinstance(entry, Contact):
                yield entry
            else:
                yield Contact("", entry, snapshot.accounts[entry].name, address)
            if count % 1000 == 0:
                await asyncio.sleep(0)

    async def health(self) -> Health:
        """Ok with the account count, or not ok when the last reload failed."""
        await self._refresh()
        snapshot = self._snapshot
        detail = f"{self._accounts_path} ({snapshot.encoding}): "
        detail += f"{len(snapshot.accounts)} accounts"
        if self._contacts_path is not None:
            detail += f"; {self._contacts_path} ({snapshot.contacts_encoding}): "
            detail += f"{snapshot.contacts} contacts"
        if self._failed is not None:
            detail += f"; reload failed, still serving the old data: {self._failed[1]}"

        return Health(self._failed is None, len(snapshot.accounts), detail)

    async def close(self) -> None:
        """Nothing to release: the files are read whole and closed at once."""

    async def _refresh(self) -> None:
        """Reloads the files if their size or time changed since the last load."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + self._check_interval_s
        signature = self._signature()
        if signature == self._snapshot.signature or self._is_known_failure(signature):
            return

        async with self._reload_lock:
            if signature == self._snapshot.signature:
                return
            try:
                snapshot = await asyncio.to_thread(self._load, signature)
            except ErpMisconfiguredError as exc:
                self._failed = (signature, exc.message)
                _log.error("erp.csv.reload_failed", error=exc.message)
                return
            self._snapshot, self._failed = snapshot, None

    def _is_known_failure(self, signature: Signature) -> bool:
        return self._failed is not None and self._failed[0] == signature

    def _paths(self) -> list[Path]:
        paths = [self._accounts_path]
        if self._contacts_path is not None:
            paths.append(self._contacts_path)
        return paths

    def _signature(self) -> Signature:
        """Size and modification time of each file; (-1, -1) for a missing one."""
        marks = []
        for path in self._paths():
            try:
                stat = path.stat()
            except OSError:
                marks.append((-1, -1))
            else:
                marks.append((stat.st_size, stat.st_mtime_ns))
        return tuple(marks)

    def _load(self, signature: Signature) -> _Snapshot:
        """Reads both files and builds the indexes (blocking; seconds for 1M rows)."""
        started = time.perf_counter()
        with _collector_paused():
            text, encoding = _read_text(self._accounts_path, self._fallback)
            accounts, modified = _parse_accounts(
                text, self._accounts_path, self._columns[0]
            )
            del text  # the contacts file may be as large
            index = _Index(accounts)
            contacts, contacts_encoding = 0, None
            if self._contacts_path is not None:
                text, contacts_encoding = _read_text(
                    self._contacts_path, self._fallback
                )
                rows = _parse_contacts(text, self._contacts_path, self._columns[1])
                contacts = index.add_contacts(rows)
        snapshot = _Snapshot(
            accounts=accounts,
            emails=index.emails(),
            domains=index.domains(),
            modified=modified,
            contacts=contacts,
            encoding=encoding,
            contacts_encoding=contacts_encoding,
            signature=signature,
        )

        _log.info(
            "erp.csv.loaded",
            file=str(self._accounts_path),
            encoding=encoding,
            contacts_encoding=contacts_encoding,
            accounts=len(accounts),
            contacts=contacts,
            ambiguous_emails=index.ambiguous_count,
            seconds=round(time.perf_counter() - started, 3),
        )
        return snapshot


@dataclass(frozen=True, slots=True)
class CustomerMaster:
    """The rows of a CSV export as read, for consumers that serve them elsewhere.

    Attributes:
        accounts: accounts by number, in file order.
        modified: `Last Date Modified` by account number; None without that column.
        contacts: every contact row with an account number and an address, whether
            or not its account exists, in file order.
    """

    accounts: dict[str, Account]
    modified: dict[str, date] | None
    contacts: list[Contact]


def read_customer_master(
    accounts_path: Path,
    contacts_path: Path | None = None,
    *,
    encoding_fallback: str = "cp1252",
) -> CustomerMaster:
    """Reads the files exactly as `CsvAdapter` does, without building its indexes.

    Raises:
        ErpMisconfiguredError: a file is missing, unreadable or malformed.
    """
    fallback = _checked_encoding(encoding_fallback)
    text, _encoding = _read_text(accounts_path, fallback)
    accounts, modified = _parse_accounts(text, accounts_path, {})
    contacts: list[Contact] = []
    if contacts_path is not None:
        text, _encoding = _read_text(contacts_path, fallback)
        rows = _parse_contacts(text, contacts_path, {})
        contacts = [Contact(*row) for row in rows]
    return CustomerMaster(accounts, modified, contacts)


def _changed(snapshot: _Snapshot, number: str, cutoff: date | None) -> bool:
    if cutoff is None or snapshot.modified is None:
        return True
    modified = snapshot.modified.get(number)
    return modified is None or modified >= cutoff


def _checked_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError as exc:
        raise ErpMisconfiguredError(
            f"unknown encoding_fallback {name!r}; use e.g. cp1252 or latin-1"
        ) from exc


def _split_columns(
    columns: Mapping[str, str],
) -> tuple[dict[str, str], dict[str, str]]:
    """Splits the overrides into account and contact overrides, checking the fields."""
    accounts: dict[str, str] = {}
    contacts: dict[str, str] = {}
    for field, header in columns.items():
        if field.startswith("contact.") and field[8:] in CONTACT_COLUMNS:
            contacts[field[8:]] = header
        elif field in ACCOUNT_COLUMNS:
            accounts[field] = header
        else:
            fields = [*ACCOUNT_COLUMNS, *(f"contact.{f}" for f in CONTACT_COLUMNS)]
            raise ErpMisconfiguredError(
                f"unknown column field {field!r}; known fields: {', '.join(fields)}"
            )
    return accounts, contacts


# -- reading files -------------------------------------------------------------------


def _read_text(path: Path, fallback: str) -> tuple[str, str]:
    """The file's text and the encoding it was decoded with."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ErpMisconfiguredError(f"cannot read CSV file {path}: {reason}") from exc

    if raw.startswith(codecs.BOM_UTF8):
        return _decode(raw[len(codecs.BOM_UTF8) :], "utf-8", path), "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(raw, "utf-16", path), "utf-16"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return _decode(raw, fallback, path), fallback


def _decode(raw: bytes, encoding: str, path: Path) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ErpMisconfiguredError(
            f"{path} is not valid {encoding} (byte {exc.start}); export it as UTF-8 "
            "or set encoding_fallback to the ERP's encoding"
        ) from exc


def _rows(text: str, path: Path) -> tuple[list[str], Iterable[tuple[int, list[str]]]]:
    """The header and the numbered non-blank rows, each row as long as the header.

    Raises:
        ErpMisconfiguredError: the file is empty or a row has a different length.
    """
    delimiter, text, skipped = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next((row for row in reader if any(cell.strip() for cell in row)), None)
    if header is None:
        raise ErpMisconfiguredError(f"{path} is empty: it has no header line")

    width = len(header)

    def numbered() -> Iterable[tuple[int, list[str]]]:
        for row in reader:
            if not any(row):
                continue  # a blank line, or a row of empty cells
            line = reader.line_num + skipped
            yield line, row if len(row) == width else _fit(row, width, path, line)

    return header, numbered()


def _fit(row: list[str], width: int, path: Path, line: int) -> list[str]:
    """Drops trailing empty cells (Excel adds some); other length errors are fatal."""
    if len(row) > width and not any(cell.strip() for cell in row[width:]):
        return row[:width]
    raise ErpMisconfiguredError(
        f"{path}, line {line}: {len(row)} fields where the header has {width}; "
        "check the delimiter and the quoting of that line"
    )


def _delimiter(text: str) -> tuple[str, str, int]:
    """The delimiter, the text without a `sep=` line, and how many lines that cut."""
    first, newline, rest = text.partition("\n")
    marker = first.strip()
    if len(marker) == 5 and marker.lower().startswith("sep="):
        return marker[4], rest, 1

    sample = text[:SNIFF_SAMPLE_CHARS]
    if len(text) > SNIFF_SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        found = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = ""
    if found and found in first:
        return found, text, 0
    in_header = [d for d in DELIMITERS if d in first]
    return (in_header[0] if len(in_header) == 1 else ","), text, 0


def _normalised(header: str) -> str:
    return _HEADER_NOISE.sub("", header.casefold())


def _positions(
    header: list[str],
    known: Mapping[str, tuple[str, ...]],
    overrides: Mapping[str, str],
    required: tuple[str, ...],
    path: Path,
) -> dict[str, int]:
    """Which column holds each field.

    Raises:
        ErpMisconfiguredError: a configured or required column is missing; the message
            lists the columns the file has.
    """
    where: dict[str, int] = {}
    for index, name in enumerate(header):
        where.setdefault(_normalised(name), index)
    existing = ", ".join(repr(name) for name in header)

    positions: dict[str, int] = {}
    for field, aliases in known.items():
        names = (overrides[field],) if field in overrides else aliases
        found = [where[_normalised(n)] for n in names if _normalised(n) in where]
        if found:
            positions[field] = found[0]
        elif field in overrides or field in required:
            raise ErpMisconfiguredError(
                f"{path} has no column for {field} (looked for "
                f"{', '.join(repr(n) for n in names)}); its columns are {existing}. "
                f"Name the right one in the column.{field} setting."
            )
    return positions


# -- parsing rows --------------------------------------------------------------------


class _AccountParser:
    """Turns account rows into `Account`s, sharing repeated values between rows.

    The hot loop of a load: a million rows must take seconds, so each row is one
    `itemgetter` call and dictionary look-ups; parsing happens once per distinct
    value (credit limits, dates and blocked options repeat a lot).
    """

    def __init__(self, positions: dict[str, int], width: int, path: Path) -> None:
        # a field without a column reads the empty cell each row gets appended
        self._cells = itemgetter(*(positions.get(f, width) for f in _ACCOUNT_FIELDS))
        self._path = path
        self._strings: dict[str, str] = {}
        self._limits: dict[str, Decimal] = {}
        self._blocks: dict[str, Blocked] = dict(_BLOCKED_VALUES)
        self._dates: dict[str, date | None] = {"": None}

    def parse(self, row: list[str], line: int) -> tuple[Account, date | None]:
        row.append("")
        (number, name, email, post_code, country, price_list, limit, blocked,
         salesperson, salesperson_email, last_order, modified) = map(
            str.strip, self._cells(row)
        )  # fmt: skip
        if not number:
            raise self.error(line, "no account number")
        shared, limits, blocks = self._strings.setdefault, self._limits, self._blocks
        dates = self._dates
        account = Account(
            number,
            name,
            email,
            shared(post_code, post_code),
            shared(country, country),
            shared(price_list, price_list),
            limits[limit] if limit in limits else self._credit_limit(limit, line),
            blocks[blocked] if blocked in blocks else self._blocked(blocked, line),
            shared(salesperson, salesperson),
            shared(salesperson_email, salesperson_email),
            dates[last_order] if last_order in dates else self._date(last_order, line),
        )
        changed = dates[modified] if modified in dates else self._date(modified, line)
        return account, changed

    def _credit_limit(self, raw: str, line: int) -> Decimal:
        limit = self._limits[raw] = self._decimal(raw, line)
        return limit

    def _decimal(self, raw: str, line: int) -> Decimal:
        text = parse_amount(raw)
        if text is None:
            raise self.error(line, f"credit limit {raw!r} is not a number")
        try:
            return Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - parse_amount checks
            raise self.error(line, f"credit limit {raw!r} is not a number") from exc

    def _blocked(self, raw: str, line: int) -> Blocked:
        blocked = _BLOCKED_VALUES.get(raw.lower())
        if blocked is not None:
            self._blocks[raw] = blocked
        else:
            raise self.error(
                line,
                f"blocked value {raw!r} is unknown; use blank, Ship, Invoice, All, "
                "0-3, yes/no or true/false",
            )
        return blocked

    def _date(self, raw: str, line: int) -> date | None:
        try:
            parsed = date.fromisoformat(raw[:10])
        except ValueError as exc:
            raise self.error(line, f"date {raw!r} is not YYYY-MM-DD") from exc
        # NAV writes its blank date instead of nothing
        value = None if parsed == NAV_BLANK_DATE else parsed
        self._dates[raw] = value
        return value

    def error(self, line: int, problem: str) -> ErpMisconfiguredError:
        return ErpMisconfiguredError(f"{self._path}, line {line}: {problem}")


def parse_amount(raw: str) -> str | None:
    """`1.234,56`, `1,234.56`, `1 234`, `50000` -> a plain decimal string.

    A single separator followed by exactly three digits groups thousands (`1,234` and
    `1.234` are both 1234: no credit limit has three decimals); otherwise the last
    separator is the decimal one. Blank is 0; anything else that is no number is None.
    """
    text = raw.replace(" ", "").replace("\u00a0", "").replace("'", "")
    if not text:
        return "0"
    comma, dot = text.rfind(","), text.rfind(".")
    if comma >= 0 and dot >= 0:
        thousands, decimal_mark = (".", ",") if comma > dot else (",", ".")
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif comma >= 0 or dot >= 0:
        mark = "," if comma >= 0 else "."
        last = max(comma, dot)
        if text.count(mark) > 1 or len(text) - last - 1 == 3:
            text = text.replace(mark, "")
        else:
            text = text.replace(mark, ".")
    return text if _NUMBER.fullmatch(text) else None


def _parse_accounts(
    text: str, path: Path, overrides: Mapping[str, str]
) -> tuple[dict[str, Account], dict[str, date] | None]:
    """Accounts by number, in file order, and their change dates if the file has them.

    Raises:
        ErpMisconfiguredError: a column is missing, a row is malformed, or a number
            appears twice.
    """
    header, rows = _rows(text, path)
    positions = _positions(header, ACCOUNT_COLUMNS, overrides, ("number",), path)
    parser = _AccountParser(positions, len(header), path)
    accounts: dict[str, Account] = {}
    modified: dict[str, date] | None = {} if "modified" in positions else None
    for line, row in rows:
        account, changed = parser.parse(row, line)
        if account.number in accounts:
            raise parser.error(line, f"account number {account.number!r} repeats")
        accounts[account.number] = account
        if modified is not None and changed is not None:
            modified[account.number] = changed
    return accounts, modified


def _parse_contacts(
    text: str, path: Path, overrides: Mapping[str, str]
) -> Iterator[tuple[str, str, str, str]]:
    """(number, account number, name, e-mail) of every row with an account and an
    address; a generator, so that no row outlives its indexing."""
    header, rows = _rows(text, path)
    required = ("account_number", "email")
    positions = _positions(header, CONTACT_COLUMNS, overrides, required, path)
    width = len(header)
    cells = itemgetter(*(positions.get(field, width) for field in CONTACT_COLUMNS))

    def contacts() -> Iterator[tuple[str, str, str, str]]:
        for _line, row in rows:
            row.append("")  # the cell of fields without a column
            number, account_number, name, email = map(str.strip, cells(row))
            if email and account_number:
                yield number, account_number, name, email

    return contacts()


def _addresses(field: str) -> list[str]:
    """The addresses in an e-mail field, which may hold several (`a@x.de; b@x.de`)."""
    if _EMAIL_SEPARATORS.search(field) is None:
        return [field] if field else []
    return [address for address in _EMAIL_SEPARATORS.split(field) if address]


# -- indexes -------------------------------------------------------------------------


class _Index:
    """Builds the e-mail and domain indexes from accounts, then from contacts.

    To keep a million accounts small, strings are shared wherever they are equal (an
    address already in lower case is its own key, a contact's account number is the
    account's) and a domain of a single account maps to the bare number, not a list.
    """

    def __init__(self, accounts: dict[str, Account]) -> None:
        self._accounts = accounts
        self._emails: dict[str, Contact | str] = {}
        self._ambiguous: set[str] = set()
        self._domains: dict[str, str | list[str]] = {}
        self._hosts: dict[str, str] = {}
        for account in accounts.values():
            for address in _addresses(account.email):
                self._add(address, account.number, account.number)

    @property
    def ambiguous_count(self) -> int:
        return len(self._ambiguous)

    def add_contacts(self, contacts: Iterable[tuple[str, str, str, str]]) -> int:
        """Indexes contacts of known accounts; returns how many were indexed."""
        indexed = 0
        for number, account_number, name, email in contacts:
            account = self._accounts.get(account_number)
            if account is None:
                continue  # a prospect or a contact of no customer: nothing to link
            for address in _addresses(email):
                entry = Contact(number, account.number, name, address)
                self._add(address, entry, account.number)
                indexed += 1
        return indexed

    def emails(self) -> dict[str, Contact | str]:
        """Address -> contact, or the number of the account the address is on."""
        for address in self._ambiguous:
            self._emails.pop(address, None)
        return self._emails

    def domains(self) -> dict[str, str | list[str]]:
        """Number, or numbers sorted and without repeats, per domain."""
        for numbers in self._domains.values():
            if isinstance(numbers, list):
                numbers[:] = sorted(set(numbers))
        return self._domains

    def _add(self, address: str, entry: Contact | str, number: str) -> None:
        local, at, host = address.rpartition("@")
        if not (local and at and host):
            return  # not an address: nothing to find it by
        self._add_email(address if address.islower() else address.lower(), entry)
        domain = self._hosts.get(host)
        if domain is None:
            domain = self._hosts[host] = registrable_domain(host)
        if not domain:
            return
        numbers = self._domains.setdefault(domain, number)
        if isinstance(numbers, list):
            if numbers[-1] != number:
                numbers.append(number)
        elif numbers != number:
            self._domains[domain] = [numbers, number]

    def _add_email(self, key: str, entry: Contact | str) -> None:
        known = self._emails.setdefault(key, entry)
        if known is entry:
            return
        number = _account_of(entry)
        if _account_of(known) != number:
            self._ambiguous.add(key)
        elif isinstance(entry, Contact) and not isinstance(known, Contact):
            self._emails[key] = entry  # a named contact says more than the account


def _account_of(entry: Contact | str) -> str:
    return entry.account_number if isinstance(entry, Contact) else entry


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pauses the cyclic garbage collector while a load allocates millions of
    objects none of which form cycles; collections in between would rescan them all
    and make a load of a million rows take twice as long."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
