"""Mail delivery when the SMTP server is down: retried later, links untouched."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connector.demo import Demo, start_demo
from connector.linking.model import LinkState
from connector.mail.outbox import Notification, NotificationStatus
from tests.mail.conftest import HANSEN, mail_settings, register
from tests.mail.smtp_sink import SmtpSink


@pytest.fixture
async def smtp_down(
    database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[Demo, SmtpSink]]:
    """The demo mailing to a loopback port where no SMTP server listens (yet)."""
    sink = SmtpSink()
    await sink.start()
    await sink.stop()  # the port is free again: connections are refused
    settings = mail_settings(database_url, tmp_path, sink.port)
    running = await start_demo(settings, port=0, sandbox_port=0)
    yield running, sink
    await running.stop()
    await sink.stop()


async def rep_rows(demo: Demo) -> list[Notification]:
    return [n for n in await demo.services.outbox.all() if n.kind == "rep"]


async def wait_for_attempts(
    demo: Demo, attempts: int, status: NotificationStatus | None = None
) -> Notification:
    async with asyncio.timeout(10):
        while True:
            rows = await rep_rows(demo)
            if (
                rows
                and rows[0].attempts >= attempts
                and status in (None, rows[0].status)
            ):
                return rows[0]
            await asyncio.sleep(0.05)


async def test_smtp_down_retries_the_mail_and_leaves_the_link_alone(
    smtp_down: tuple[Demo, SmtpSink],
) -> None:
    demo, sink = smtp_down
    # given a link that waits for its reps while the SMTP server is down
    link = await register(demo, HANSEN)

    # when the dispatcher has tried more than once
    row = await wait_for_attempts(demo, 2)

    # then the mail waits in the outbox and the link and Saleor are as decided
    assert row.status in (NotificationStatus.PENDING, NotificationStatus.SENDING)
    assert row.sent_to == []
    assert row.last_error.startswith("mail_unavailable: the SMTP server 127.0.0.1:")
    stored = await demo.services.links.by_id(link.id)
    assert stored == link
    assert stored.state is LinkState.AWAITING_REP
    saleor = demo.sandbox.user(demo.user_ids[HANSEN])
    assert saleor["customerType"]["slug"] == "no-pricing"
    assert saleor["privateMetadata"]["erp.link_status"] == "awaiting_rep"
    assert sink.received == []


async def test_the_mail_goes_out_once_the_smtp_server_is_back(
    smtp_down: tuple[Demo, SmtpSink],
) -> None:
    demo, sink = smtp_down
    link = await register(demo, HANSEN)
    await wait_for_attempts(demo, 1)

    # when the server comes back on the same port
    await sink.start(sink.port)
    mails = await sink.wait_for(2)

    # then each rep got the mail once and the row is closed as sent
    assert sorted(m.recipients[0] for m in mails) == [
        "a.becker@erplink-demo.example",
        "m.hansen@erplink-demo.example",
    ]
    row = await wait_for_attempts(demo, 1, status=NotificationStatus.SENT)
    assert row.sent_to == ["AB", "MH"]
    await asyncio.sleep(0.3)  # a few more dispatcher rounds
    assert len(sink.received) == 2
    assert await demo.services.links.by_id(link.id) == link
