"""A customer delivery taken in one step: its signature checked, its payload read,
its inbox row stored.

On the embedded SQLite store that step runs in a helper process of erplink's
(connector/helper_process.py), in batches: the RS256 check, the JSON parse and the
write are most of what a delivery costs, and the event loop, which also speaks HTTP
to every connection, is the busiest part of `erplink serve` (BENCHMARKS.md,
"Webhook intake"). The helper answers each delivery with `Stored` or `Refused`; the
receiver turns that into the reply. Elsewhere (PostgreSQL, or the helper off or
down) the same `check` runs here and the row goes through the inbox.

A check fails on a JWKS that no longer fits (Saleor changed its key); the receiver
then asks the verifier for the JWKS again and takes the delivery once more with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.errors import SignatureError
from connector.helper_process import HelperProcess
from connector.store import sqlite_inbox
from connector.store.clock import now
from connector.store.inbox import Inbox, InboxStatus, inbox_row, sqlite_writer
from webhooks.signatures import verify_signature


class Delivery(NamedTuple):
    """A customer webhook as it arrived, with what its installation knows."""

    installation_id: int
    app_id: str  # erplink's app in that Saleor: what it caused itself is skipped
    jwks: str
    event: str
    signature: str
    body: bytes


class Stored(NamedTuple):
    """The delivery is in the inbox."""

    new: bool  # False: the same bytes were stored before (a redelivery)
    own: bool  # erplink caused it: stored as ignored, no worker needed


class Refused(NamedTuple):
    """The delivery is answered with an error and stored nowhere."""

    status: int
    code: str
    message: str


Outcome = Stored | Refused


class _Accepted(NamedTuple):
    subject: str
    own: bool


def check(delivery: Delivery) -> _Accepted | Refused:
    """The signature first (401), then the payload (400): a forged body is never
    told whether it parsed."""
    try:
        verify_signature(delivery.signature, delivery.body, delivery.jwks)
    except SignatureError as exc:
        return Refused(401, exc.code.upper(), str(exc))
    payload = customer_payload(delivery.body)
    if payload is None:
        return Refused(400, "INVALID_PAYLOAD", "the body is not a customer event")
    own = issued_by(payload) == delivery.app_id
    return _Accepted(str(payload["user"]["id"]), own)


def customer_payload(body: bytes) -> dict[str, Any] | None:
    """The payload of a customer event: a JSON object with a `user` that has an id.

    orjson reads it in a quarter of the standard library's time; it takes UTF-8
    only, which is what Saleor sends.
    """
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict):
        return None
    user = payload.get("user")
    if not isinstance(user, dict) or not user.get("id"):
        return None
    return payload


def issued_by(payload: dict[str, Any]) -> str | None:
    """The id of the app that caused the event, if an app did."""
    principal = payload.get("issuingPrincipal") or {}
    if principal.get("__typename") == "App":
        return str(principal.get("id"))
    return None


def _row(delivery: Delivery, accepted: _Accepted, moment: datetime) -> dict[str, Any]:
    status = InboxStatus.IGNORED if accepted.own else InboxStatus.PENDING
    return inbox_row(
        delivery.installation_id,
        delivery.event,
        delivery.body,
        subject=accepted.subject,
        status=status,
        moment=moment,
    )


class Intake:
    """Takes customer deliveries into the inbox.

    Args:
        inbox: where rows go when the helper does not write them.
        sessions: erplink's database; on an SQLite file with `helper_process`,
            deliveries are taken in a helper process.
    """

    def __init__(
        self,
        inbox: Inbox,
        sessions: async_sessionmaker[AsyncSession],
        *,
        helper_process: bool = False,
    ) -> None:
        self._inbox = inbox
        database = _sqlite_file(sessions) if helper_process else None
        self._helper: HelperProcess[Delivery, Outcome] | None = None
        if database is not None:
            args = [database, str(sqlite_inbox.LOCK_TIMEOUT_S)]
            self._helper = HelperProcess(
                "intake", "webhooks.intake:sqlite_intake", args, self._take_batch
            )

    async def take(self, delivery: Delivery) -> Outcome:
        """Check and store one delivery, in a batch with those arriving with it.

        Raises:
            StoreUnavailableError: the database did not take the row.
        """
        if self._helper is not None:
            return await self._helper.submit(delivery)
        return await self._take_here(delivery)

    @property
    def helper_pid(self) -> int | None:
        """The helper process's id once it is ready."""
        return self._helper.pid if self._helper is not None else None

    @property
    def mode(self) -> str:
        """Where deliveries are taken now: `helper`, `here, helper starting` or
        `here`."""
        state = self._helper.state if self._helper is not None else "off"
        return {"ready": "helper", "starting": "here, helper starting"}.get(
            state, "here"
        )

    def start(self) -> None:
        """Start the helper process in the background, if there is one to start;
        until it is ready, deliveries are taken here. Without this call (tests,
        one-off commands) they are always taken here."""
        if self._helper is not None:
            self._helper.start()

    async def ready(self) -> bool:
        """Start the helper and wait until it takes deliveries; False when there is
        none (not SQLite, or it could not start)."""
        return self._helper is not None and await self._helper.ready()

    async def close(self) -> None:
        """Stop the helper process, if there is one."""
        if self._helper is not None:
            await self._helper.close()

    async def _take_here(self, delivery: Delivery) -> Outcome:
        checked = check(delivery)
        if isinstance(checked, Refused):
            return checked
        new = await self._inbox.add_row(_row(delivery, checked, now()))
        return Stored(new, checked.own)

    async def _take_batch(self, batch: Sequence[Delivery]) -> list[Outcome]:
        """A batch the helper did not answer, taken here: its rows go in one
        transaction, skipping those the helper may have stored before it died."""
        return list(await asyncio.gather(*map(self._take_here, batch)))


def _sqlite_file(sessions: async_sessionmaker[AsyncSession]) -> str | None:
    url = getattr(sessions.kw.get("bind"), "url", None)
    if url is None or url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        return None
    return str(url.database)


def sqlite_intake(
    database: str, lock_timeout_s: str
) -> Callable[[Sequence[Delivery]], list[Outcome]]:
    """The helper's batch handler: check each delivery, store the accepted ones in
    one transaction on `database`."""
    write = sqlite_writer(database, lock_timeout_s)

    def take(batch: Sequence[Delivery]) -> list[Outcome]:
        checked = [check(delivery) for delivery in batch]
        moment = now()  # one transaction: its rows arrive together
        rows = [
            _row(delivery, verdict, moment)
            for delivery, verdict in zip(batch, checked, strict=True)
            if isinstance(verdict, _Accepted)
        ]
        new = iter(write(rows) if rows else [])
        return [
            Stored(next(new), verdict.own)
            if isinstance(verdict, _Accepted)
            else verdict
            for verdict in checked
        ]

    return take
