"""Reading pages for the adapter: bookmark paging, the contact listing, e-mail
searches shared in flight."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any

import structlog

from connector.linking.model import Account, Contact
from erp_adapters.base import email_addresses
from erp_adapters.soap import criteria, records
from erp_adapters.soap.client import PageClient

_log = structlog.get_logger(__name__)

MAX_MATCHES = 5000
Found = tuple[list[Account], list[Contact]]


async def pages(
    page: PageClient, filters: Sequence[tuple[str, str]], size: int
) -> AsyncIterator[Any]:
    """Records page by page: the last record's Key is the next bookmark."""
    bookmark: str | None = None
    while True:
        batch = await page.read_multiple(filters, bookmark=bookmark, size=size)
        for record in batch:
            yield record
        if len(batch) < size or not batch:
            return
        bookmark = batch[-1].Key


async def listed_contacts(
    customers: PageClient, contacts: PageClient, size: int
) -> AsyncIterator[Contact]:
    """Every account's own addresses (the Customer page), then those of every
    contact with a `Customer_No` (the Contact page), one per address of a field."""
    async for record in pages(customers, [], size):
        account = records.account(record)
        for address in email_addresses(account.email):
            yield Contact("", account.number, account.name, address)
    async for record in pages(contacts, [], size):
        person = records.contact(record)
        if not person.account_number:
            continue  # a prospect, or a company that is no customer
        for address in email_addresses(person.email):
            yield replace(person, email=address)


async def read_all(
    page: PageClient, filters: Sequence[tuple[str, str]], size: int
) -> list[Any]:
    """Every record meeting the filters, up to `MAX_MATCHES` (then a warning)."""
    found = []
    async for record in pages(page, filters, size):
        found.append(record)
        if len(found) >= MAX_MATCHES:
            _log.warning("erp.soap.too_many_matches", page=page.page, cap=MAX_MATCHES)
            break
    return found


class EmailSearch:
    """Finds accounts and contacts whose e-mail field holds a text, without case.

    Identical searches in flight at once share one pair of ERP calls (one per page);
    a finished search is forgotten at once, so nothing is ever served stale.
    """

    def __init__(
        self, customers: PageClient, contacts: PageClient, page_size: int
    ) -> None:
        self._customers = customers
        self._contacts = contacts
        self._page_size = page_size
        self._running: dict[str, asyncio.Future[Found]] = {}

    def in_flight(self, text: str) -> bool:
        """Whether a search for exactly `text` is running now."""
        return text in self._running

    async def __call__(self, text: str) -> Found:
        running = self._running.get(text)
        if running is None:
            running = asyncio.ensure_future(self._search(text))
            self._running[text] = running
            running.add_done_callback(lambda done: self._forget(text, done))
        # shielded: a caller that gives up (timeout) does not cancel the others'
        return await asyncio.shield(running)

    def _forget(self, text: str, done: asyncio.Future[Found]) -> None:
        if self._running.get(text) is done:
            del self._running[text]
        if not done.cancelled():
            done.exception()  # retrieved here, raised to every caller

    async def _search(self, text: str) -> Found:
        filters = [("E_Mail", criteria.contains_ignoring_case(text))]
        accounts, contacts = await asyncio.gather(
            read_all(self._customers, filters, self._page_size),
            read_all(self._contacts, filters, self._page_size),
        )
        return [records.account(r) for r in accounts], [
            records.contact(r) for r in contacts
        ]
