"""The admin API's queries."""

from __future__ import annotations

from datetime import timedelta

import strawberry

from connector.admin.config_types import (
    AdapterStatus,
    JobView,
    Me,
    PolicyView,
    ReviewerRole,
)
from connector.admin.context import AdminContext
from connector.admin.figure_queries import FigureQueries
from connector.admin.listing import link_page
from connector.admin.pages import Connection, connection, decode_cursor, page_size
from connector.admin.types import DEAD_LETTER_SCAN, CustomerLink, DeadLetter
from connector.errors import ErplinkError
from connector.linking.model import LinkState
from connector.reviewer import Action
from connector.store.clock import now
from connector.store.inbox import InboxStatus
from connector.store.reviews import LinkFilter

WAITING = frozenset({LinkState.AWAITING_REP, LinkState.AWAITING_ADMIN})


def _context(info: strawberry.Info) -> AdminContext:
    context: AdminContext = info.context
    return context


@strawberry.type
class Query(FigureQueries):
    """What reps, admins and support can read (the figures: `FigureQueries`)."""

    @strawberry.field
    async def me(self, info: strawberry.Info) -> Me:
        """The caller."""
        reviewer = await _context(info).reviewer()
        return Me(
            role=ReviewerRole(reviewer.role.value),
            name=reviewer.name,
            rep_code=reviewer.rep_code,
        )

    @strawberry.field
    async def review_queue(
        self,
        info: strawberry.Info,
        first: int = 20,
        after: str | None = None,
        states: list[LinkState] | None = None,
        rep: str | None = None,
        older_than_hours: float | None = None,
    ) -> Connection[CustomerLink]:
        """Links waiting for a rep or an admin; a rep sees only their accounts."""
        context = _context(info)
        reviewer = await context.allowed(Action.VIEW)
        older = now() - timedelta(hours=older_than_hours) if older_than_hours else None
        where = LinkFilter(states=frozenset(states or WAITING), older_than=older)
        rep_code = reviewer.rep_code if reviewer.rep_code else rep
        return await link_page(context, where, page_size(first), after, rep_code)

    @strawberry.field
    async def unmatched_customers(
        self, info: strawberry.Info, first: int = 20, after: str | None = None
    ) -> Connection[CustomerLink]:
        """Customers erplink found no account for."""
        context = _context(info)
        reviewer = await context.allowed(Action.VIEW)
        where = LinkFilter(states=frozenset({LinkState.UNMATCHED}))
        code = reviewer.rep_code or None
        return await link_page(context, where, page_size(first), after, code)

    @strawberry.field
    async def customer(
        self,
        info: strawberry.Info,
        email: str | None = None,
        user_id: str | None = None,
    ) -> list[CustomerLink]:
        """A customer's links by e-mail or Saleor id: state, reason, history."""
        context = _context(info)
        await context.allowed(Action.VIEW)
        if bool(email) == bool(user_id):
            raise ErplinkError("give either email or userId", code="bad_input")
        links = await context.services.links.find_by_email(email) if email else []
        if user_id:
            installs = await context.services.installations.all()
            found = [await context.services.links.get(i.id, user_id) for i in installs]
            links = [link for link in found if link is not None]
        visible = []
        for link in links:
            if await context.visible(link):
                visible.append(CustomerLink.of(link))
        return visible

    @strawberry.field
    async def dead_letters(
        self, info: strawberry.Info, first: int = 20, after: str | None = None
    ) -> Connection[DeadLetter]:
        """Deliveries that failed every attempt, newest first."""
        context = _context(info)
        await context.allowed(Action.RETRY_DEAD_LETTER)
        size = page_size(first)
        before = decode_cursor("dead_letter", after)
        items = await context.services.inbox.list(
            InboxStatus.DEAD, limit=DEAD_LETTER_SCAN
        )
        items = [i for i in items if before is None or i.id < before]
        page = items[:size]
        nodes = [DeadLetter.of(i) for i in page]
        return connection("dead_letter", nodes, [i.id for i in page], len(items) > size)

    @strawberry.field
    async def adapter_status(self, info: strawberry.Info) -> AdapterStatus:
        """Whether the ERP adapter answers, and how many accounts it sees."""
        context = _context(info)
        await context.allowed(Action.VIEW)
        adapter = context.services.adapter
        health = await adapter.health()
        return AdapterStatus(
            name=adapter.name,
            ok=health.ok,
            accounts=health.accounts,
            detail=health.detail,
        )

    @strawberry.field
    async def policy(self, info: strawberry.Info) -> PolicyView:
        """The linking policy and price list mapping in use."""
        context = _context(info)
        await context.allowed(Action.VIEW)
        stored = await context.services.policies.latest()
        if stored is not None and stored.policy != context.services.policy:
            stored = None  # this process still runs an older one; say so
        return PolicyView.of(context.services.policy, stored)

    @strawberry.field
    async def job(self, info: strawberry.Info, id: int) -> JobView | None:
        """A background job's progress."""
        context = _context(info)
        await context.allowed(Action.RESYNC)
        job = await context.services.jobs.get(id)
        return JobView.of(job) if job else None
