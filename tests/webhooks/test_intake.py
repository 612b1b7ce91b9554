"""The intake: deliveries checked and stored in its helper process on SQLite, or here,
with the same answers; a write lock held elsewhere waited for without blocking the
loop, and a helper that dies losing nothing."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector import helper_process
from connector.errors import StoreUnavailableError
from connector.store import sqlite_inbox
from connector.store.inbox import Inbox, InboxStatus
from connector.store.installations import Installation, InstallationStore
from tests.signer import TestSigner
from tests.store.test_sqlite_inbox import held_write_lock
from webhooks.intake import Delivery, Intake, Refused, Stored

EVENT = "CUSTOMER_CREATED"
APP_ID = "QXBwOjE="
SIGNER = TestSigner()
Sessions = async_sessionmaker[AsyncSession]
LATIN_1 = '{"user": {"id": "M\xfcller"}}'.encode("latin-1")


def customer(n: int, *, principal: dict[str, str] | None = None) -> bytes:
    user = {"id": f"VXNlcjo{n}", "email": f"buyer-{n}@acme.example"}
    return json.dumps({"issuingPrincipal": principal, "user": user}).encode()


def delivery(
    installation: Installation, body: bytes, *, signature: str | None = None
) -> Delivery:
    return Delivery(
        installation.id,
        installation.app_id,
        installation.jwks,
        EVENT,
        SIGNER.sign(body) if signature is None else signature,
        body,
    )


# The suite's own database fixtures, on SQLite: the writer needs a file.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def database(database_url: str) -> Path:
    return Path(str(make_url(database_url).database))


@pytest.fixture
async def installation(sessions: Sessions) -> Installation:
    store = InstallationStore(sessions, "test-secret")
    return await store.save(
        "http://saleor.test/graphql/", APP_ID, "saleor.test", "tok", SIGNER.jwks()
    )


@pytest.fixture(params=[True, False], ids=["helper", "here"])
async def intake(
    request: pytest.FixtureRequest, sessions: Sessions
) -> AsyncIterator[Intake]:
    intake = Intake(Inbox(sessions), sessions, helper_process=request.param)
    assert await intake.ready() is request.param
    yield intake
    await intake.close()


@pytest.fixture
async def helped(sessions: Sessions) -> AsyncIterator[Intake]:
    intake = Intake(Inbox(sessions), sessions, helper_process=True)
    assert await intake.ready()
    yield intake
    await intake.close()


async def test_a_signed_delivery_reads_back_through_sqlalchemy_as_it_arrived(
    intake: Intake,
    installation: Installation,
    sessions: Sessions,
) -> None:
    before = datetime.now(UTC)
    body = customer(7)
    own = customer(8, principal={"__typename": "App", "id": APP_ID})

    answers = [await intake.take(delivery(installation, b)) for b in (body, own)]

    assert answers == [Stored(new=True, own=False), Stored(new=True, own=True)]
    pending, ignored = sorted(await Inbox(sessions).list(), key=lambda item: item.id)
    assert (pending.payload, pending.subject, pending.event) == (
        body,
        "VXNlcjo7",
        EVENT,
    )
    assert pending.status is InboxStatus.PENDING
    assert before <= pending.received_at <= datetime.now(UTC)
    assert pending.due_at == pending.received_at
    assert (ignored.subject, ignored.status) == ("VXNlcjo8", InboxStatus.IGNORED)


@pytest.mark.parametrize(
    ("body", "signature", "answer"),
    [
        (customer(1), "", (401, "INVALID_SIGNATURE")),
        (customer(1), SIGNER.sign(customer(2)), (401, "INVALID_SIGNATURE")),
        (customer(1), TestSigner().sign(customer(1)), (401, "INVALID_SIGNATURE")),
        (b"not json", SIGNER.sign(b"not json"), (400, "INVALID_PAYLOAD")),
        (b'{"user": {}}', SIGNER.sign(b'{"user": {}}'), (400, "INVALID_PAYLOAD")),
        (b"[1]", SIGNER.sign(b"[1]"), (400, "INVALID_PAYLOAD")),
        (LATIN_1, SIGNER.sign(LATIN_1), (400, "INVALID_PAYLOAD")),
        (b"not json", SIGNER.sign(b"forged"), (401, "INVALID_SIGNATURE")),
    ],
    ids=[
        "unsigned",
        "another-body",
        "another-key",
        "not-json",
        "no-user-id",
        "not-an-object",
        "not-utf8",
        "forged-before-unreadable",
    ],
)
async def test_a_refused_delivery_is_answered_with_its_reason_and_stores_nothing(
    intake: Intake,
    installation: Installation,
    sessions: Sessions,
    body: bytes,
    signature: str,
    answer: tuple[int, str],
) -> None:
    outcome = await intake.take(delivery(installation, body, signature=signature))

    assert isinstance(outcome, Refused)
    assert (outcome.status, outcome.code) == answer
    assert await Inbox(sessions).counts() == {}


async def test_a_batch_over_the_largest_insert_is_stored_whole(
    helped: Intake,
    installation: Installation,
    sessions: Sessions,
) -> None:
    deliveries = [delivery(installation, customer(n)) for n in range(450)]

    answers = await asyncio.gather(*map(helped.take, deliveries + deliveries[:50]))

    assert [answer.new for answer in answers if isinstance(answer, Stored)] == (
        [True] * 450 + [False] * 50
    )
    assert await Inbox(sessions).counts() == {"pending": 450}


async def test_a_write_lock_held_elsewhere_is_waited_for_without_blocking_the_loop(
    helped: Intake,
    installation: Installation,
    sessions: Sessions,
    database: Path,
) -> None:
    other = held_write_lock(database)
    taking = asyncio.create_task(helped.take(delivery(installation, customer(1))))

    ticks = 0
    for _ in range(20):  # the loop keeps turning while the delivery waits
        await asyncio.sleep(0.01)
        ticks += 1
    assert not taking.done()
    other.execute("COMMIT")
    other.close()

    assert ticks == 20
    assert await asyncio.wait_for(taking, 5) == Stored(new=True, own=False)
    assert await Inbox(sessions).counts() == {"pending": 1}


async def test_a_lock_never_released_is_an_outage_and_loses_nothing(
    installation: Installation,
    sessions: Sessions,
    database: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sqlite_inbox, "LOCK_TIMEOUT_S", 0.2)
    short = Intake(Inbox(sessions), sessions, helper_process=True)  # waits 0.2 s
    assert await short.ready()
    other = held_write_lock(database)
    retried = delivery(installation, customer(1))

    with pytest.raises(StoreUnavailableError):
        await short.take(retried)
    other.execute("ROLLBACK")
    other.close()

    assert await Inbox(sessions).counts() == {}
    assert await short.take(retried) == Stored(new=True, own=False)
    await short.close()


async def test_a_caller_that_gives_up_leaves_its_batch_stored(
    helped: Intake,
    installation: Installation,
    sessions: Sessions,
) -> None:
    deliveries = [delivery(installation, customer(n)) for n in range(20)]
    takes = [asyncio.create_task(helped.take(d)) for d in deliveries]
    await asyncio.sleep(0)  # all submitted, the batch on its way
    takes[3].cancel()

    answers = await asyncio.gather(*takes, return_exceptions=True)

    assert isinstance(answers[3], asyncio.CancelledError)
    assert answers[:3] + answers[4:] == [Stored(new=True, own=False)] * 19
    assert await Inbox(sessions).counts() == {"pending": 20}
    assert await helped.take(deliveries[3]) == Stored(new=False, own=False)


async def test_a_helper_killed_under_load_loses_nothing_and_comes_back(
    helped: Intake,
    installation: Installation,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(helper_process, "RESTART_DELAY_S", 0.0)
    deliveries = [delivery(installation, customer(n)) for n in range(601)]
    assert await helped.take(deliveries[600]) == Stored(new=True, own=False)
    first_helper = helped.helper_pid
    assert first_helper is not None

    taking = [asyncio.create_task(helped.take(d)) for d in deliveries[:300]]
    await asyncio.sleep(0)
    os.kill(first_helper, signal.SIGKILL)
    answers = await asyncio.gather(*taking, *map(helped.take, deliveries[300:600]))

    # Each answered by the helper or, once it died, here: a batch the helper had
    # committed before it died is found stored (new=False), never stored twice.
    assert all(isinstance(answer, Stored) for answer in answers)
    assert await Inbox(sessions).counts() == {"pending": 601}
    assert await helped.take(deliveries[0]) == Stored(new=False, own=False)
    assert await helped.ready()
    assert helped.helper_pid not in (None, first_helper)
