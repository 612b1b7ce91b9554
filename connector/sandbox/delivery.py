"""Webhook delivery: signed POSTs in background tasks, retries and a log.

Saleor retries 5xx answers, timeouts and connection errors after 10, 20, 40, 80
and 160 seconds (6 attempts in all); 3xx and 4xx are final. Every attempt is
re-signed with the key current at that moment.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog

from connector.sandbox.http import new_client

logger = structlog.get_logger(__name__)

DEFAULT_RETRY_SCHEDULE_S: tuple[float, ...] = (10, 20, 40, 80, 160)
USER_AGENT = "Saleor/3.24"


@dataclass
class Attempt:
    """One HTTP attempt of a delivery.

    Attributes:
        number: 1 for the first attempt, counting on through manual redeliveries.
        status_code: The HTTP status, or None on a timeout or connection error.
        error: The transport error class name, or None.
        signature: The ``Saleor-Signature`` value sent.
    """

    number: int
    status_code: int | None
    error: str | None
    signature: str


@dataclass
class Delivery:
    """One event sent to one webhook, with every attempt made.

    Attributes:
        status: ``pending``, ``success`` or ``failed``.
    """

    pk: int
    event_type: str
    app_id: str
    webhook_name: str
    target_url: str
    body: bytes
    attempts: list[Attempt] = field(default_factory=list)
    status: str = "pending"

    @property
    def payload(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)

    @property
    def status_codes(self) -> list[int | None]:
        """The status code of each attempt, in order."""
        return [attempt.status_code for attempt in self.attempts]


def _is_retryable(status_code: int | None) -> bool:
    return status_code is None or status_code >= 500


class WebhookDispatcher:
    """Sends deliveries in background tasks and keeps the delivery log.

    Args:
        sign: Returns the signature of a body with the current key.
        retry_schedule_s: Pauses before each retry; its length + 1 is the
            number of attempts.

    Attributes:
        domain: The ``Saleor-Domain`` value (``host:port``); set when serving.
        api_url: The ``Saleor-Api-Url`` value; set when serving.
        deliveries: Every delivery ever enqueued, oldest first.
    """

    def __init__(
        self,
        sign: Callable[[bytes], str],
        retry_schedule_s: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE_S,
    ) -> None:
        self._sign = sign
        self.retry_schedule_s = retry_schedule_s
        self.domain = ""
        self.api_url = ""
        self.deliveries: list[Delivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def enqueue(
        self, event_type: str, app_id: str, webhook_name: str, url: str, body: bytes
    ) -> Delivery:
        """Record a delivery and start sending it in the background."""
        delivery = Delivery(
            pk=len(self.deliveries) + 1,
            event_type=event_type,
            app_id=app_id,
            webhook_name=webhook_name,
            target_url=url,
            body=body,
        )
        self.deliveries.append(delivery)
        self._spawn(self._deliver(delivery, self.retry_schedule_s))
        return delivery

    def redeliver(self, delivery: Delivery) -> None:
        """Send the same bytes once more, like a manual redelivery in Saleor."""
        delivery.status = "pending"
        self._spawn(self._deliver(delivery, ()))

    @property
    def pending(self) -> int:
        """Number of deliveries still being sent or waiting for a retry."""
        return len(self._tasks)

    # A plain deadline argument is what test code wants; asyncio.timeout does the work.
    async def wait_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until no delivery is pending.

        Raises:
            TimeoutError: Deliveries are still pending after ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.wait(set(self._tasks))

    async def aclose(self) -> None:
        """Cancel pending deliveries and close the HTTP client."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = new_client()
        return self._client

    async def _deliver(self, delivery: Delivery, pauses_s: tuple[float, ...]) -> None:
        for pause_s in (*pauses_s, None):
            attempt = await self._attempt(delivery)
            if not _is_retryable(attempt.status_code):
                break
            if pause_s is None:
                break
            logger.info(
                "sandbox.webhook.retry_scheduled",
                delivery=delivery.pk,
                attempt=attempt.number,
                delay_s=pause_s,
            )
            await asyncio.sleep(pause_s)
        self._finish(delivery)

    def _finish(self, delivery: Delivery) -> None:
        last = delivery.attempts[-1].status_code
        delivery.status = "success" if last is not None and last < 300 else "failed"
        event = "sandbox.webhook.delivered"
        if delivery.status != "success":
            event = "sandbox.webhook.failed"
        logger.info(
            event,
            delivery=delivery.pk,
            event_type=delivery.event_type,
            webhook=delivery.webhook_name,
            attempts=len(delivery.attempts),
            status_code=last,
        )

    def headers(self, event_type: str, signature: str) -> dict[str, str]:
        """Return the headers Saleor sends with a webhook."""
        event = event_type.lower()
        return {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Saleor-Event": event,
            "Saleor-Domain": self.domain,
            "Saleor-Signature": signature,
            "Saleor-Api-Url": self.api_url,
            "X-Saleor-Event": event,
            "X-Saleor-Domain": self.domain,
            "X-Saleor-Signature": signature,
        }

    async def _attempt(self, delivery: Delivery) -> Attempt:
        signature = self._sign(delivery.body)
        headers = self.headers(delivery.event_type, signature)
        status_code: int | None = None
        error: str | None = None
        try:
            response = await self._http().post(
                delivery.target_url, content=delivery.body, headers=headers
            )
            status_code = response.status_code
        except httpx.TransportError as exc:
            error = type(exc).__name__
        attempt = Attempt(len(delivery.attempts) + 1, status_code, error, signature)
        delivery.attempts.append(attempt)
        return attempt
