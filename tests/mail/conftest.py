"""Fixtures of the mail tests: a real SMTP server and the demo stack sending to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connector.demo import CUSTOMERS, Demo, start_demo
from connector.linking.model import LinkState
from connector.settings import Settings
from connector.store.links import Link
from tests.mail.smtp_sink import SmtpSink

HANSEN = "buyer@hansen-gruppe.de"
ADMINS = ["admins@erplink-demo.example"]
SETTLED_TIMEOUT_S = 15.0
_WAITING = {LinkState.RECEIVED, LinkState.ON_HOLD, LinkState.MATCHING}


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpSink]:
    """An SMTP server on a free loopback port."""
    sink = SmtpSink()
    await sink.start()
    yield sink
    await sink.stop()


def mail_settings(database_url: str, tmp_path: Path, smtp_port: int) -> Settings:
    """The demo's settings with mail going to `smtp_port` and quick rounds."""
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        worker_poll_s=0.05,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        mail_from="erplink <erplink@erplink-demo.example>",
        mail_poll_s=0.05,
        mail_retry_base_s=0.05,
        mail_retry_max_s=0.2,
        admin_emails=ADMINS,
    )


@pytest.fixture
async def mail_demo(
    database_url: str, tmp_path: Path, smtp: SmtpSink
) -> AsyncIterator[Demo]:
    """erplink and the sandbox Saleor on loopback, mailing to the test's server."""
    settings = mail_settings(database_url, tmp_path, smtp.port)
    running = await start_demo(settings, port=0, sandbox_port=0)
    yield running
    await running.stop()


async def register(demo: Demo, email: str) -> Link:
    """Register one of the demo's customers and wait until its event is processed.

    Processing ends after the link is stored and the outbox hook ran, so a test
    sees the queued mail as soon as this returns.
    """
    customer = next(c for c in CUSTOMERS if c.email == email)
    user_id = await customer.register(demo.sandbox, email)
    demo.user_ids[email] = user_id
    installation = (await demo.services.installations.all())[0]
    async with asyncio.timeout(SETTLED_TIMEOUT_S):
        while True:
            link = await demo.services.links.get(installation.id, user_id)
            counts = await demo.services.inbox.counts()
            busy = counts.get("pending", 0) + counts.get("processing", 0)
            if link is not None and link.state not in _WAITING and not busy:
                return link
            await asyncio.sleep(0.05)
