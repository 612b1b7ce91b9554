"""Work batched to a helper process: answers in order, failures answered here."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from connector import helper_process
from connector.errors import StoreUnavailableError
from connector.helper_process import HelperProcess


class Here:
    """Answers batches in this process, and keeps them to show which it got."""

    def __init__(self) -> None:
        self.batches: list[list[object]] = []

    async def __call__(self, items: Sequence[object]) -> list[object]:
        self.batches.append(list(items))
        return [("here", item) for item in items]


@pytest.fixture
def here() -> Here:
    return Here()


@pytest.fixture
async def helper(here: Here) -> AsyncIterator[HelperProcess[object, object]]:
    helper: HelperProcess[object, object] = HelperProcess(
        "test", "tests.helper_handlers:doubling", ["3"], here
    )
    assert await helper.ready()
    yield helper
    await helper.close()


async def test_items_submitted_together_are_answered_in_order_by_the_helper(
    helper: HelperProcess[object, object], here: Here
) -> None:
    answers = await asyncio.gather(*(helper.submit(n) for n in range(500)))

    assert answers == [n * 3 for n in range(500)]
    assert helper.pid is not None
    assert helper.pid != os.getpid()
    assert here.batches == []


async def test_what_a_handler_prints_does_not_garble_the_answers(
    helper: HelperProcess[object, object], here: Here
) -> None:
    assert await helper.submit("print") == 3
    assert here.batches == []


async def test_a_failed_batch_fails_each_of_its_items_and_the_helper_goes_on(
    helper: HelperProcess[object, object],
) -> None:
    assert await helper.submit(1) == 3
    pid = helper.pid

    failed = await asyncio.gather(
        helper.submit("fail"), helper.submit(2), return_exceptions=True
    )

    assert [type(result) for result in failed] == [StoreUnavailableError] * 2
    assert str(failed[0]) == "the store could not store the event"
    assert await helper.submit(4) == 12
    assert helper.pid == pid


@pytest.mark.parametrize("trouble", ["exit", "garbage", "hang"])
async def test_a_helper_that_dies_hangs_or_garbles_is_replaced_and_nothing_is_lost(
    helper: HelperProcess[object, object],
    here: Here,
    monkeypatch: pytest.MonkeyPatch,
    trouble: str,
) -> None:
    monkeypatch.setattr(helper_process, "BATCH_TIMEOUT_S", 0.5)
    monkeypatch.setattr(helper_process, "RESTART_DELAY_S", 0.3)
    assert await helper.submit(1) == 3
    first = helper.pid

    answers = list(await asyncio.gather(helper.submit(trouble), helper.submit(2)))
    while_down = await helper.submit(5)
    await asyncio.sleep(0.3)
    assert await helper.submit(6) == ("here", 6)  # starts the new helper
    assert await helper.ready()
    after = await helper.submit(6)

    assert answers == [("here", trouble), ("here", 2)]
    assert while_down == ("here", 5)
    assert here.batches == [[trouble, 2], [5], [6]]
    assert after == 18
    assert helper.pid not in (None, first)


async def test_closing_lets_the_helper_answer_its_batch_and_later_items_come_here(
    helper: HelperProcess[object, object],
) -> None:
    assert await helper.submit(1) == 3
    pid = helper.pid
    in_helper = asyncio.gather(helper.submit("slow"), helper.submit(2))
    await asyncio.sleep(0.1)  # the helper is in the middle of that batch

    await helper.close()

    assert list(await in_helper) == [3, 6]
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert await helper.submit(7) == ("here", 7)


async def test_items_are_answered_here_while_the_helper_starts(here: Here) -> None:
    helper: HelperProcess[object, object] = HelperProcess(
        "test", "tests.helper_handlers:doubling", ["3"], here
    )
    helper.start()
    try:
        answer = await helper.submit(1)  # its imports take far longer than this
        assert await helper.ready()
        assert await helper.submit(2) == 6
    finally:
        await helper.close()

    assert answer == ("here", 1)
    assert here.batches == [[1]]


async def test_a_helper_closed_while_it_starts_is_killed(here: Here) -> None:
    helper: HelperProcess[object, object] = HelperProcess(
        "test", "tests.helper_handlers:doubling", ["3"], here
    )
    helper.start()
    await asyncio.sleep(0.05)  # spawned, not ready
    children = _children()

    await helper.close()

    assert children, "the helper was spawned"
    assert _children() == set()
    assert helper.pid is None
    assert await helper.submit(1) == ("here", 1)


async def test_without_start_no_helper_runs(here: Here) -> None:
    helper: HelperProcess[object, object] = HelperProcess(
        "test", "tests.helper_handlers:doubling", ["3"], here
    )

    assert await helper.submit(1) == ("here", 1)
    assert helper.pid is None
    assert _children() == set()


def _children() -> set[int]:
    """This process's live children (zombies, already reaped or not, excluded)."""
    listing = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    pids = {int(pid) for pid in listing.read_text().split()}
    return {pid for pid in pids if _state(pid) not in ("Z", "X", None)}


def _state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return stat.rpartition(")")[2].split()[0]
