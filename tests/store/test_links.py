"""Links and audit: versioned saves, one winner under concurrency, idempotent trail."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.linking.model import LinkState
from connector.store.installations import InstallationStore
from connector.store.links import Actor, LinkConflictError, LinkStore


async def new_link(sessions: async_sessionmaker[AsyncSession]):  # type: ignore[no-untyped-def]
    installation = await InstallationStore(sessions, "s").save(
        "http://saleor.test/graphql/", "QXBwOjE=", "saleor.test", "tok", "{}"
    )
    return await LinkStore(sessions).get_or_create(
        installation.id, "VXNlcjox", "a@acme.de"
    )


async def test_first_sight_creates_one_received_link(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    link = await new_link(sessions)

    again = await LinkStore(sessions).get_or_create(
        link.installation_id, "VXNlcjox", "a@acme.de"
    )

    assert (link.state, again.id, again.version) == (LinkState.RECEIVED, link.id, 1)


async def test_save_writes_the_change_and_one_audit_entry(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    store = LinkStore(sessions)
    link = await new_link(sessions)
    linked = dataclasses.replace(
        link, state=LinkState.LINKED, reason="matched", account_number="10000"
    )

    saved = await store.save(
        link, linked, actor=Actor("rep", "MH"), evidence={"strategy": "contact_email"}
    )
    unchanged = await store.save(saved, saved)

    history = await store.history(link.id)
    assert (saved.version, saved.linked_at is not None, unchanged.version) == (
        2,
        True,
        2,
    )
    assert [(h.actor, h.from_state, h.to_state, h.evidence) for h in history] == [
        (Actor("rep", "MH"), "received", "linked", {"strategy": "contact_email"})
    ]
    assert (await store.get(link.installation_id, link.user_id)) == dataclasses.replace(
        saved, created_at=link.created_at
    )


async def test_of_two_concurrent_saves_exactly_one_wins(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    store = LinkStore(sessions)
    link = await new_link(sessions)
    confirm = dataclasses.replace(link, state=LinkState.LINKED)
    reject = dataclasses.replace(link, state=LinkState.REJECTED)

    results = await asyncio.gather(
        store.save(link, confirm), store.save(link, reject), return_exceptions=True
    )

    assert sorted(type(r).__name__ for r in results) == ["Link", "LinkConflictError"]
    assert len(await store.history(link.id)) == 1


async def test_a_stale_link_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    store = LinkStore(sessions)
    link = await new_link(sessions)
    await store.save(link, dataclasses.replace(link, state=LinkState.ON_HOLD))

    with pytest.raises(LinkConflictError):
        await store.save(link, dataclasses.replace(link, state=LinkState.LINKED))
    assert (
        await store.get(link.installation_id, link.user_id)
    ).state is LinkState.ON_HOLD  # type: ignore[union-attr]


async def test_find_by_email_ignores_case(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    link = await new_link(sessions)

    found = await LinkStore(sessions).find_by_email("A@ACME.de")

    assert [f.id for f in found] == [link.id]
