"""The inbox on SQLite and PostgreSQL: idempotent intake, claims, leases, dead ends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.store.inbox import Inbox, InboxStatus
from connector.store.installations import InstallationStore

LEASE = timedelta(seconds=30)


async def installed(sessions: async_sessionmaker[AsyncSession]) -> int:
    store = InstallationStore(sessions, "test-secret")
    installation = await store.save(
        "http://saleor.test/graphql/", "QXBwOjE=", "saleor.test", "tok", "{}"
    )
    return installation.id


async def test_the_same_bytes_twice_are_one_event(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessions)
    installation = await installed(sessions)

    first = await inbox.add(
        installation, "CUSTOMER_CREATED", b'{"user": {"id": "1"}}', subject="1"
    )
    again = await inbox.add(
        installation, "CUSTOMER_CREATED", b'{"user": {"id": "1"}}', subject="1"
    )

    assert (first, again) == (True, False)
    assert await inbox.counts() == {"pending": 1}


async def test_the_same_bytes_at_once_are_one_event(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessions)
    installation = await installed(sessions)

    results = await asyncio.gather(
        *(inbox.add(installation, "CUSTOMER_CREATED", b'{"same": 1}') for _ in range(8))
    )

    assert sorted(results) == [False] * 7 + [True]
    assert await inbox.counts() == {"pending": 1}


async def test_deliveries_arriving_together_are_stored_together_each_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessions)
    installation = await installed(sessions)
    await inbox.add(installation, "CUSTOMER_CREATED", b'{"old": 1}')

    bodies = [b'{"a": 1}', b'{"old": 1}', b'{"b": 1}', b'{"a": 1}']
    results = await asyncio.gather(
        *(inbox.add(installation, "CUSTOMER_CREATED", body) for body in bodies)
    )

    assert results == [True, False, True, False]
    assert await inbox.counts() == {"pending": 3}


async def test_one_batch_for_two_installations_keeps_each_ones_deliveries(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessions)
    store = InstallationStore(sessions, "test-secret")
    first = await installed(sessions)
    other = await store.save(
        "http://other.test/graphql/", "QXBwOjI=", "other.test", "tok", "{}"
    )
    await inbox.add(first, "CUSTOMER_CREATED", b'{"old": 1}', subject="1")

    deliveries = [
        (first, b'{"old": 1}', "1"),  # stored before
        (other.id, b'{"old": 1}', "1"),  # the same bytes to another Saleor
        (first, b'{"new": 2}', "2"),
        (other.id, b'{"new": 2}', "2"),
        (other.id, b'{"new": 2}', "2"),  # twice in the batch
    ]
    results = await asyncio.gather(
        *(
            inbox.add(installation, "CUSTOMER_CREATED", body, subject=subject)
            for installation, body, subject in deliveries
        )
    )

    assert results == [False, True, True, True, False]
    stored = {(item.installation_id, item.payload) for item in await inbox.list()}
    assert stored == {
        (first, b'{"old": 1}'),
        (other.id, b'{"old": 1}'),
        (first, b'{"new": 2}'),
        (other.id, b'{"new": 2}'),
    }


async def test_finished_deliveries_are_marked_together(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessions)
    installation = await installed(sessions)
    for n in range(3):
        await inbox.add(installation, "CUSTOMER_CREATED", f"{{{n}}}".encode())
    claimed = await inbox.claim("w", limit=3, lease=LEASE)

    await asyncio.gather(
        inbox.finish(claimed[0].id),
        inbox.finish(claimed[1].id, InboxStatus.IGNORED),
        inbox.finish(claimed[2].id),
    )

    assert await inbox.counts() == {"done": 2, "ignored": 1}


async def test_a_claimed_row_is_not_claimed_again_until_its_lease_ends(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessions)
    installation = await installed(sessions)
    await inbox.add(installation, "CUSTOMER_CREATED", b"{1}")

    first = await inbox.claim("a", lease=LEASE)
    second = await inbox.claim("b", lease=LEASE)

    assert [i.attempts for i in first] == [1]
    assert second == []


async def test_an_expired_lease_gives_the_row_to_the_next_worker(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessions)
    installation = await installed(sessions)
    await inbox.add(installation, "CUSTOMER_CREATED", b"{1}")

    await inbox.claim("killed", lease=timedelta(seconds=-1))
    taken = await inbox.claim("next", lease=LEASE)

    assert [(i.payload, i.attempts) for i in taken] == [(b"{1}", 2)]


async def test_retry_later_waits_and_bury_makes_a_dead_letter(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessions)
    installation = await installed(sessions)
    await inbox.add(installation, "CUSTOMER_CREATED", b"{1}")
    await inbox.add(installation, "CUSTOMER_CREATED", b"{2}")
    one, two = await inbox.claim("w", lease=LEASE)

    await inbox.retry_later(one.id, "erp_unavailable: down", timedelta(hours=1))
    await inbox.bury(two.id, "configuration_error: no type")

    assert await inbox.claim("w", lease=LEASE) == []
    dead = await inbox.list(InboxStatus.DEAD)
    assert [(d.id, d.last_error) for d in dead] == [
        (two.id, "configuration_error: no type")
    ]
    assert await inbox.revive([two.id]) == 1
    assert [i.id for i in await inbox.claim("w", lease=LEASE)] == [two.id]


async def test_ignored_events_are_recorded_and_never_claimed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessions)
    installation = await installed(sessions)

    await inbox.add(
        installation, "CUSTOMER_UPDATED", b"{own}", status=InboxStatus.IGNORED
    )

    assert await inbox.claim("w", lease=LEASE) == []
    assert await inbox.counts() == {"ignored": 1}


async def test_concurrent_workers_never_take_one_row_twice(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = Inbox(sessions)
    installation = await installed(sessions)
    for n in range(60):
        await inbox.add(installation, "CUSTOMER_CREATED", f"{{{n}}}".encode())

    async def drain(worker: str) -> list[int]:
        taken: list[int] = []
        while batch := await inbox.claim(worker, limit=3, lease=LEASE):
            taken.extend(i.id for i in batch)
        return taken

    results = await asyncio.gather(*(drain(f"w{n}") for n in range(4)))

    every = [item for taken in results for item in taken]
    assert len(every) == 60
    assert len(set(every)) == 60
