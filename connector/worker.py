"""The worker: claims due inbox rows and processes them.

Failures that may pass (ERP or Saleor down, a concurrent change) are retried with
exponential backoff and jitter; after `max_attempts`, or on an error a person must
fix, the row becomes a dead letter (`erplink inbox`). Events of one customer are
processed one after another; different customers concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
from collections import defaultdict
from collections.abc import Awaitable
from datetime import timedelta

import structlog

from connector.errors import ErplinkError
from connector.services import Services
from connector.store.inbox import InboxItem

log = structlog.get_logger(__name__)


def backoff_delay(attempts: int, base_s: float, max_s: float) -> timedelta:
    """Exponential backoff with full-range jitter (0.5x to 1.5x)."""
    delay = min(max_s, base_s * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay * random.uniform(0.5, 1.5))


class Worker:
    """Drains the inbox until asked to stop."""

    def __init__(self, services: Services, name: str | None = None) -> None:
        self.services = services
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._limit = asyncio.Semaphore(services.settings.worker_concurrency)

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and process until `stop` is set."""
        settings = self.services.settings
        log.info("worker.started", worker=self.name)
        while not stop.is_set():
            processed = await self.run_once()
            if processed:
                continue
            self.services.wakeup.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(settings.worker_poll_s):
                    await _first(stop.wait(), self.services.wakeup.wait())
        log.info("worker.stopped", worker=self.name)

    async def run_once(self) -> int:
        """Claim one batch and process it; how many rows it held."""
        settings = self.services.settings
        items = await self.services.inbox.claim(
            self.name,
            limit=settings.worker_batch,
            lease=timedelta(seconds=settings.lease_s),
        )
        groups: dict[tuple[int, str], list[InboxItem]] = defaultdict(list)
        for item in items:
            groups[(item.installation_id, item.subject)].append(item)
        await asyncio.gather(*(self._process_group(g) for g in groups.values()))
        return len(items)

    async def _process_group(self, items: list[InboxItem]) -> None:
        async with self._limit:
            for item in items:
                await self.process(item)

    async def process(self, item: InboxItem) -> None:
        """Process one row and record how it went."""
        inbox = self.services.inbox
        try:
            await self.services.processor.handle(item)
        except ErplinkError as exc:
            await self._failed(item, f"{exc.code}: {exc}", transient=exc.transient)
        except Exception as exc:  # an unexpected bug must not lose the event
            log.exception("worker.unexpected_error", item=item.id)
            await self._failed(
                item, f"unexpected: {type(exc).__name__}", transient=True
            )
        else:
            await inbox.finish(item.id)

    async def _failed(self, item: InboxItem, error: str, *, transient: bool) -> None:
        settings = self.services.settings
        if not transient or item.attempts >= settings.max_attempts:
            await self.services.inbox.bury(item.id, error)
            log.error(
                "worker.dead_letter", item=item.id, attempts=item.attempts, error=error
            )
            return

        delay = backoff_delay(
            item.attempts, settings.backoff_base_s, settings.backoff_max_s
        )
        await self.services.inbox.retry_later(item.id, error, delay)
        log.warning(
            "worker.retry_later",
            item=item.id,
            attempts=item.attempts,
            delay_s=round(delay.total_seconds(), 2),
            error=error,
        )


async def _first(*waits: Awaitable[object]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
