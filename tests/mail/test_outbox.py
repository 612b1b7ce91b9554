"""The outbox: the hook queues a rep mail, the sweep queues what the hook missed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from connector.demo import Demo
from connector.mail.outbox import NotificationKind, NotificationStatus, rep_key
from connector.store.tables import NotificationRow
from tests.mail.conftest import HANSEN, register


async def test_a_link_entering_awaiting_rep_queues_one_mail(demo: Demo) -> None:
    # when a registration ends awaiting a rep (mail itself is not configured)
    link = await register(demo, HANSEN)

    # then the hook queued one pending rep mail for that link version
    rows = await demo.services.outbox.all()
    assert [(n.key, n.kind, n.status, n.attempts) for n in rows] == [
        (
            rep_key(link.id, link.version),
            NotificationKind.REP,
            NotificationStatus.PENDING,
            0,
        )
    ]


async def test_the_sweep_queues_a_version_the_hook_missed_and_only_once(
    demo: Demo,
) -> None:
    # given a link awaiting a rep whose queued mail was lost
    link = await register(demo, HANSEN)
    async with demo.services.engine.begin() as connection:
        await connection.execute(delete(NotificationRow))

    # when the sweep runs twice
    first = await demo.services.outbox.add_waiting_reps()
    second = await demo.services.outbox.add_waiting_reps()

    # then the version is queued again, once
    assert (first, second) == (1, 0)
    rows = await demo.services.outbox.all()
    assert [(n.link_id, n.link_version) for n in rows] == [(link.id, link.version)]


async def test_a_claimed_mail_is_not_claimed_again_until_its_lease_ends(
    demo: Demo,
) -> None:
    await register(demo, HANSEN)
    outbox = demo.services.outbox

    claimed = await outbox.claim(limit=5, lease=timedelta(seconds=60))
    again = await outbox.claim(limit=5, lease=timedelta(seconds=60))
    await outbox.retry_later(claimed[0].id, "mail_unavailable: test", timedelta(0))
    retried = await outbox.claim(limit=5, lease=timedelta(seconds=60))

    assert [(n.status, n.attempts) for n in claimed] == [
        (NotificationStatus.SENDING, 1)
    ]
    assert again == []
    assert [(n.id, n.attempts, n.last_error) for n in retried] == [
        (claimed[0].id, 2, "mail_unavailable: test")
    ]
