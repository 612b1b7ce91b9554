"""The mail dispatcher: a periodic task beside the inbox worker that drains the outbox.

It never runs inside a webhook request or a link transaction: the link is stored
first, the mail goes out afterwards. Each round it queues what is due (rep mails the
hook missed, this period's digest), claims due rows and sends them. An SMTP or ERP
failure puts the row back with backoff and leaves every link as it is; after
`mail_max_attempts` the row is `dead` and logged.

Each rep's mail is recorded on the row right after the SMTP server took it, so a
retry skips the reps who have theirs. A process that dies between the two sends
that one mail again when the lease runs out: SMTP cannot be asked whether it took
a mail, so the choice is between a rare second mail and a rare lost one, and a rep
who never hears of a link is the worse outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import structlog

from connector.errors import ErplinkError
from connector.linking.model import LinkState
from connector.mail.digest import digest_message, digest_period, waiting_for_admin
from connector.mail.outbox import (
    Notification,
    NotificationKind,
    NotificationStatus,
    digest_key,
)
from connector.mail.rep_mail import rep_message, rep_requests
from connector.mail.smtp import mail_enabled, send_mail
from connector.mail.tokens import signer_for
from connector.services import Services
from connector.store.clock import now
from connector.waiting import backoff_delay, first_of

log = structlog.get_logger(__name__)

BATCH = 20


async def run_mail(services: Services, stop: asyncio.Event) -> None:
    """The mail task of a process that runs workers; returns at once without mail."""
    if services.settings.run_worker and mail_enabled(services.settings):
        await MailDispatcher(services).run(stop)


class MailDispatcher:
    """Sends what the outbox holds until asked to stop."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def run(self, stop: asyncio.Event) -> None:
        """Send due mail every `mail_poll_s`, or as soon as a link awaits a rep."""
        outbox = self.services.outbox
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # a database hiccup must not end the dispatcher
                log.exception("mail.round_failed")
            outbox.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.services.settings.mail_poll_s):
                    await first_of(stop.wait(), outbox.wakeup.wait())

    async def run_once(self) -> int:
        """Queue what is due, then send one batch; how many rows it held."""
        await self.queue_due()
        lease = timedelta(seconds=self.services.settings.lease_s)
        items = await self.services.outbox.claim(limit=BATCH, lease=lease)
        for item in items:
            await self.deliver(item)
        return len(items)

    async def queue_due(self) -> None:
        """Rep mails for link versions without one, and this period's digest."""
        settings = self.services.settings
        await self.services.outbox.add_waiting_reps()
        # A period's digest is queued once something waits, so that a quiet start
        # of the period does not use it up.
        if settings.admin_emails and await waiting_for_admin(self.services.links, 1):
            period = digest_period(now(), settings.digest_interval_s)
            await self.services.outbox.add(digest_key(period), NotificationKind.DIGEST)

    async def deliver(self, item: Notification) -> None:
        """Send one row and record how it went."""
        try:
            if item.kind is NotificationKind.REP:
                await self._send_rep_mails(item)
            else:
                await self._send_digest(item)
        except ErplinkError as exc:
            await self._failed(item, exc)

    async def _send_rep_mails(self, item: Notification) -> None:
        services, settings = self.services, self.services.settings
        link = await services.links.by_id(item.link_id or 0)
        if (
            link is None
            or link.version != item.link_version
            or link.state is not LinkState.AWAITING_REP
        ):
            await self._skip(item, "the link was decided before its mail went out")
            return

        signer = signer_for(settings)
        requests = await rep_requests(
            link, services.adapter, signer, settings.public_url
        )
        if not requests:
            await self._skip(item, "no candidate account has a salesperson e-mail")
            return

        sent = list(item.sent_to)
        for request in requests:
            if request.rep_code in sent:
                continue  # a retry after a partial failure: this rep has it
            await send_mail(rep_message(request, settings), settings)
            sent.append(request.rep_code)
            await services.outbox.progress(item.id, sent)
            log.info(
                "mail.rep_sent",
                link=link.id,
                version=link.version,
                rep=request.rep_code,
            )
        await services.outbox.finish(item.id, NotificationStatus.SENT)

    async def _send_digest(self, item: Notification) -> None:
        services, settings = self.services, self.services.settings
        waiting = await waiting_for_admin(services.links)
        if not waiting or not settings.admin_emails:
            await self._skip(item, "nothing waits for an admin")
            return

        await send_mail(digest_message(waiting, settings), settings)
        await services.outbox.finish(item.id, NotificationStatus.SENT)
        log.info(
            "mail.digest_sent", links=len(waiting), admins=len(settings.admin_emails)
        )

    async def _skip(self, item: Notification, why: str) -> None:
        await self.services.outbox.finish(item.id, NotificationStatus.SKIPPED, why)
        log.info("mail.skipped", notification=item.key, why=why)

    async def _failed(self, item: Notification, exc: ErplinkError) -> None:
        settings = self.services.settings
        error = f"{exc.code}: {exc}"
        if not exc.transient or item.attempts >= settings.mail_max_attempts:
            await self.services.outbox.finish(item.id, NotificationStatus.DEAD, error)
            log.error(
                "mail.dead", notification=item.key, attempts=item.attempts, error=error
            )
            return

        delay = backoff_delay(
            item.attempts, settings.mail_retry_base_s, settings.mail_retry_max_s
        )
        await self.services.outbox.retry_later(item.id, error, delay)
        log.warning(
            "mail.retry_later",
            notification=item.key,
            attempts=item.attempts,
            delay_s=round(delay.total_seconds(), 2),
            error=exc.code,
        )
