"""The worker: claims due inbox rows and processes them.

Failures that may pass (ERP or Saleor down, a concurrent change) are retried with
exponential backoff and jitter; after `max_attempts`, or on an error a person must
fix, the row becomes a dead letter (`erplink inbox`). While the ERP's circuit
breaker is open (`erp_adapters/resilience.py`) events are deferred until its next
probe instead, without using up attempts: an outage of any length delays links and
makes no dead letters. Events of one customer are processed one after another;
different customers concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import socket
from collections import defaultdict
from datetime import timedelta

import structlog

from connector.errors import ErplinkError
from connector.services import Services
from connector.store.inbox import InboxItem
from connector.waiting import backoff_delay, first_of
from erp_adapters.resilience import ErpCircuitOpenError

log = structlog.get_logger(__name__)


class Worker:
    """Drains the inbox until asked to stop."""

    def __init__(self, services: Services, name: str | None = None) -> None:
        self.services = services
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._limit = asyncio.Semaphore(services.settings.worker_concurrency)
        self._running: set[asyncio.Task[None]] = set()
        self._tails: dict[tuple[int, str], asyncio.Task[None]] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and process until `stop` is set, then finish what was claimed.

        A pipeline, not batch by batch: a row is claimed as soon as one of the
        `worker_concurrency` slots is free, so one slow Saleor or ERP call holds
        up its own customer only.
        """
        settings = self.services.settings
        log.info("worker.started", worker=self.name)
        while not stop.is_set():
            free = settings.worker_concurrency - len(self._running)
            if free > 0 and self._start(await self._claim(free)):
                continue
            self.services.wakeup.clear()
            waits = [stop.wait(), *self._running]
            if free > 0:
                waits.append(self.services.wakeup.wait())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(settings.worker_poll_s):
                    await first_of(*waits)
        await asyncio.gather(*self._running)
        log.info("worker.stopped", worker=self.name)

    async def run_once(self) -> int:
        """Claim one batch, process it to the end; how many rows it held."""
        items = await self._claim(self.services.settings.worker_batch)
        self._start(items)
        await asyncio.gather(*self._running)
        return len(items)

    async def _claim(self, limit: int) -> list[InboxItem]:
        settings = self.services.settings
        return await self.services.inbox.claim(
            self.name,
            limit=min(limit, settings.worker_batch),
            lease=timedelta(seconds=settings.lease_s),
        )

    def _start(self, items: list[InboxItem]) -> int:
        """Start processing `items`; each customer's after their earlier ones."""
        groups: dict[tuple[int, str], list[InboxItem]] = defaultdict(list)
        for item in items:
            groups[(item.installation_id, item.subject)].append(item)
        for key, group in groups.items():
            task = asyncio.create_task(self._process_group(group, self._tails.get(key)))
            self._tails[key] = task
            self._running.add(task)
            task.add_done_callback(functools.partial(self._done, key))
        return len(items)

    def _done(self, key: tuple[int, str], task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if self._tails.get(key) is task:
            del self._tails[key]

    async def _process_group(
        self, items: list[InboxItem], after: asyncio.Task[None] | None
    ) -> None:
        if after is not None:
            await asyncio.wait([after])  # the same customer's earlier events first
        async with self._limit:
            for item in items:
                await self.process(item)

    async def process(self, item: InboxItem) -> None:
        """Process one row and record how it went."""
        inbox = self.services.inbox
        try:
            await self.services.processor.handle(item)
        except ErpCircuitOpenError as exc:
            await self._deferred(item, exc)
        except ErplinkError as exc:
            await self._failed(item, f"{exc.code}: {exc}", transient=exc.transient)
        except Exception as exc:  # an unexpected bug must not lose the event
            log.exception("worker.unexpected_error", item=item.id)
            await self._failed(
                item, f"unexpected: {type(exc).__name__}", transient=True
            )
        else:
            await inbox.finish(item.id)

    async def _deferred(self, item: InboxItem, exc: ErpCircuitOpenError) -> None:
        await self.services.inbox.defer(item.id, f"{exc.code}: {exc}", exc.retry_at)
        log.info(
            "worker.deferred",
            item=item.id,
            attempts=item.attempts - 1,
            until=exc.retry_at.isoformat(timespec="seconds"),
            error=exc.code,
        )

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
