"""The `soap` ERP adapter: Dynamics NAV / Business Central page web services.

Accounts come from the Customer page, people from the Contact page (a custom page
exposing `Customer_No`, see `wsdl/contact.wsdl`). Every value a customer typed is sent
as a quoted literal (`criteria.py`), and every answer is checked again here, exactly
and without case: the ERP's filter narrows the search, this module decides. So an
address such as `a@x.de; b@y.de` in one field, or one on a subdomain, is found by its
own address and its registrable domain, as the CSV adapter finds it.

Options (`ERPLINK_ADAPTER_OPTIONS`): `url` (required, `https://host:7047/<Instance>/
WS/<Company>`), `username`, `password`, `auth` (`basic`, the default, or `wsse` for a
WS-Security UsernameToken), `timeout_s` (10), `connect_timeout_s` (5), `page_size`
(200), `max_connections` (32).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime

import httpx
import structlog
from zeep.wsse.username import UsernameToken

from connector.linking.domains import registrable_domain
from connector.linking.model import Account, Contact
from erp_adapters.base import ErpError, ErpMisconfiguredError, Health
from erp_adapters.soap import criteria, records, search
from erp_adapters.soap.client import PageClient
from erp_adapters.soap.pools import Pools
from erp_adapters.soap.search import MAX_MATCHES, EmailSearch, Found, pages

_log = structlog.get_logger(__name__)

OPTIONS = ("url", "username", "password", "auth", "timeout_s", "connect_timeout_s",
           "page_size", "max_connections")  # fmt: skip
NUMBERS_PER_CALL = 20
HEALTH_COUNT_CAP = 20_000
HEALTH_COUNT_TTL_S = 300.0


class SoapAdapter:
    """Reads the customer master from NAV page web services over SOAP.

    Args:
        url: the company's web service root, `.../<Instance>/WS/<Company>`.
        username: the web service user.
        password: its password or web service access key (never logged).
        auth: `basic` (HTTP Basic, as NAV authenticates) or `wsse`.
        timeout_s: the longest wait for one answer.
        connect_timeout_s: the longest wait for a connection.
        page_size: records per `ReadMultiple` page when listing accounts.
        max_connections: HTTP connections per page, bounding its calls in flight.
    """

    name = "soap"

    def __init__(
        self,
        url: str,
        *,
        username: str = "",
        password: str = "",
        auth: str = "basic",
        timeout_s: float = 10.0,
        connect_timeout_s: float = 5.0,
        page_size: int = 200,
        max_connections: int = 32,
    ) -> None:
        if auth not in ("basic", "wsse"):
            raise ErpMisconfiguredError(
                f"the soap adapter's auth option is {auth!r}; use basic or wsse"
            )
        self._page_size = page_size
        # pools per page: httpcore's cost per request grows with its pool's size
        self._http = [
            Pools(
                auth=httpx.BasicAuth(username, password) if auth == "basic" else None,
                timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
                max_connections=max_connections,
            )
            for _page in range(2)
        ]
        wsse = UsernameToken(username, password) if auth == "wsse" else None
        root = url.rstrip("/")
        self._customers, self._contacts = (
            PageClient(page, f"{root}/Page/{page}", http, wsse=wsse)
            for page, http in zip(("Customer", "Contact"), self._http, strict=True)
        )
        self._root = root
        self._counted: tuple[float, int | None] | None = None
        self._search = EmailSearch(self._customers, self._contacts, page_size)

    @classmethod
    def from_settings(cls, options: Mapping[str, str]) -> SoapAdapter:
        """Builds the adapter from string options (see the module docstring).

        Raises:
            ErpMisconfiguredError: `url` is missing, an option is unknown or a number
                is not one.
        """
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise ErpMisconfiguredError(
                f"unknown soap adapter options {', '.join(unknown)}; known options "
                f"are {', '.join(OPTIONS)}"
            )
        url = options.get("url", "").strip()
        if not url.startswith(("http://", "https://")):
            raise ErpMisconfiguredError(
                "the soap adapter needs the option 'url': the web service root, "
                "e.g. https://nav.example.com:7047/DynamicsNAV/WS/CRONUS"
            )
        return cls(
            url,
            username=options.get("username", ""),
            password=options.get("password", ""),
            auth=options.get("auth", "basic").strip() or "basic",
            timeout_s=_number(options, "timeout_s", 10.0),
            connect_timeout_s=_number(options, "connect_timeout_s", 5.0),
            page_size=int(_number(options, "page_size", 200)),
            max_connections=int(_number(options, "max_connections", 32)),
        )

    async def account_by_number(self, number: str) -> Account | None:
        """The account with exactly this number (leading zeros matter), or None."""
        if not number:
            return None
        record = await self._customers.read(number)
        found = records.account(record) if record is not None else None
        return found if found is not None and found.number == number else None

    async def accounts_by_domain(self, domain: str, limit: int = 50) -> list[Account]:
        """Accounts with an address (their own or a contact's) at exactly `domain`."""
        wanted = domain.strip().lower()
        if not wanted or limit <= 0:
            return []
        accounts, contacts = await self._search(wanted)

        def at_domain(field: str) -> bool:
            return any(_domain_of(a) == wanted for a in records.addresses(field))

        found = {a.number: a for a in accounts if at_domain(a.email)}
        people = [c for c in contacts if at_domain(c.email)]
        listed = await self._with_accounts_of(people, accounts)
        found.update((c.account_number, listed[c.account_number])
                     for c in people if c.account_number in listed)  # fmt: skip
        return [found[number] for number in sorted(found)[:limit]]

    async def contact_by_email(self, email: str) -> tuple[Contact, Account] | None:
        """The contact (or account) whose address is exactly `email`, with its
        account; None when nobody has it, or when it belongs to two accounts."""
        wanted = email.strip().lower()
        if not wanted:
            return None
        accounts, contacts = await self._search_for_address(wanted)

        def written(field: str) -> str | None:
            return next(
                (a for a in records.addresses(field) if a.lower() == wanted), None
            )

        owners = {a.number: a for a in accounts if written(a.email)}
        people = [c for c in contacts if written(c.email)]
        listed = await self._with_accounts_of(people, accounts)
        people = [c for c in people if c.account_number in listed]
        owners.update((c.account_number, listed[c.account_number]) for c in people)
        if len(owners) != 1:
            if len(owners) > 1:
                _log.warning("erp.soap.ambiguous_email", accounts=len(owners))
            return None

        account = next(iter(owners.values()))
        if people:
            person = people[0]
            return Contact(person.number, account.number, person.name,
                           written(person.email) or ""), account  # fmt: skip
        return Contact(
            "", account.number, account.name, written(account.email) or ""
        ), account

    async def _search_for_address(self, address: str) -> Found:
        """The search by the address, or a search by its domain already in flight.

        The worker looks a customer up by e-mail and by domain at the same time
        (`connector.evidence`); every address at a domain holds the domain's name,
        so the domain's results hold the address's, and the exact checks after
        this find the same answer in either. Sharing saves two ERP calls and, as
        the contact's account is then usually among the domain's accounts, a
        second round trip. The one tick of waiting lets that domain search start.
        """
        await asyncio.sleep(0)
        domain = _domain_of(address)
        if domain and self._search.in_flight(domain):
            accounts, contacts = await self._search(domain)
            if max(len(accounts), len(contacts)) < MAX_MATCHES:
                return accounts, contacts
            # a domain too large to read whole may miss the address: ask for it
        return await self._search(address)

    async def accounts_changed_since(
        self, since: datetime | None
    ) -> AsyncIterator[Account]:
        """Accounts modified on or after the day of `since` (and those without a
        date), page by page with NAV's bookmark keys; every account for None."""
        filters = (
            []
            if since is None
            else [("Last_Date_Modified", criteria.on_or_after(since.date()))]
        )
        async for record in pages(self._customers, filters, self._page_size):
            yield records.account(record)

    def contacts(self) -> AsyncIterator[Contact]:
        """Every account's own addresses, then every contact's, page by page with
        NAV's bookmark keys (`search.listed_contacts`). An address on two accounts
        comes once for each; the caller drops it."""
        return search.listed_contacts(self._customers, self._contacts, self._page_size)

    async def health(self) -> Health:
        """Ok with the account count when the Customer page answers; not ok, with
        the reason, when it does not (never raises: `/readyz` reports it).

        Counting reads every account, so the count is kept `HEALTH_COUNT_TTL_S`;
        in between one record is read to see that the ERP still answers. Beyond
        `HEALTH_COUNT_CAP` accounts the count is None.
        """
        try:
            count = await self._account_count()
        except ErpError as exc:
            _log.warning("erp.health_failed", adapter=self.name, error=exc.code)
            return Health(False, None, f"{self._root}: {exc.message}")
        if count is None:
            return Health(True, None, f"{self._root}: over {HEALTH_COUNT_CAP} accounts")
        return Health(True, count, f"{self._root}: {count} accounts")

    async def _account_count(self) -> int | None:
        now = time.monotonic()
        if self._counted is not None and now - self._counted[0] < HEALTH_COUNT_TTL_S:
            await self._customers.read_multiple([], size=1)
            return self._counted[1]
        count: int | None = 0
        async for _record in pages(self._customers, [], 1000):
            count = (count or 0) + 1
            if count >= HEALTH_COUNT_CAP:
                count = None
                break
        self._counted = (now, count)
        return count

    async def close(self) -> None:
        """Closes the HTTP connection pools."""
        for http in self._http:
            await http.aclose()

    async def _with_accounts_of(
        self, people: Sequence[Contact], accounts: Sequence[Account]
    ) -> dict[str, Account]:
        """`accounts` by number, plus those of `people` the ERP must be asked for."""
        listed = {account.number: account for account in accounts}
        missing = {person.account_number for person in people} - set(listed)
        if missing:
            listed.update(await self._accounts(missing))
        return listed

    async def _accounts(self, numbers: Iterable[str]) -> dict[str, Account]:
        """The accounts with these numbers (exactly), in calls of a few numbers."""
        wanted = sorted(numbers)
        chunks = [
            wanted[i : i + NUMBERS_PER_CALL]
            for i in range(0, len(wanted), NUMBERS_PER_CALL)
        ]
        pages = await asyncio.gather(*(
            self._customers.read_multiple([("No", criteria.any_of(chunk))])
            for chunk in chunks
        ))  # fmt: skip
        found = (records.account(r) for page in pages for r in page)
        return {a.number: a for a in found if a.number in wanted}


def _domain_of(address: str) -> str:
    _local, at, host = address.rpartition("@")
    return registrable_domain(host) if at and _local and host else ""


def _number(options: Mapping[str, str], name: str, default: float) -> float:
    raw = options.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ErpMisconfiguredError(
            f"the soap adapter's option {name} is {raw!r}, not a number"
        ) from exc
    if value <= 0:
        raise ErpMisconfiguredError(f"the soap adapter's option {name} must be > 0")
    return value
