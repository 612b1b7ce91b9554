"""Pages of links for the admin API, filtered by rep where asked.

A rep's accounts are known only to the ERP, so a rep filter reads the accounts of
each loaded link and keeps those of the rep; up to `MAX_SCANNED_PAGES` pages of the
store are read to fill one page of the answer, and `hasNextPage` is true when the
scan stopped before the end.
"""

from __future__ import annotations

from connector.admin.context import AdminContext
from connector.admin.pages import Connection, connection, decode_cursor
from connector.admin.types import CustomerLink
from connector.store.links import Link
from connector.store.reviews import LinkFilter

KIND = "link"
MAX_SCANNED_PAGES = 10


async def link_page(
    context: AdminContext,
    where: LinkFilter,
    size: int,
    after: str | None,
    rep_code: str | None,
) -> Connection[CustomerLink]:
    """One page of links matching `where` (and, given a code, of that rep)."""
    cursor = decode_cursor(KIND, after) or 0
    reviews = context.services.review.reviews
    found: list[Link] = []
    exhausted = False
    for _ in range(MAX_SCANNED_PAGES):
        rows = await reviews.links(where, after_id=cursor, limit=size + 1)
        exhausted = len(rows) <= size
        found += [
            r for r in rows if not rep_code or await _of_rep(context, r, rep_code)
        ]
        if len(found) > size or exhausted:
            break
        cursor = rows[-1].id

    more = len(found) > size or not exhausted
    page = found[:size]
    nodes = [CustomerLink.of(link) for link in page]
    return connection(KIND, nodes, [link.id for link in page], more)


async def _of_rep(context: AdminContext, link: Link, rep_code: str | None) -> bool:
    if not rep_code:
        return True
    accounts = await context.services.review.accounts_of(link)
    return any(a.salesperson == rep_code for a in accounts)
