"""Group commit: concurrent submissions share transactions and keep their results."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from connector.store.batching import GroupCommit


class Recorder:
    """A batch writer that records each batch and doubles every item."""

    def __init__(self, *, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.fail_on = fail_on

    async def write(self, items: Sequence[int]) -> list[int]:
        self.batches.append(list(items))
        await asyncio.sleep(0)  # a commit takes a while: others arrive meanwhile
        if self.fail_on is not None and self.fail_on in items:
            raise RuntimeError("disk full")
        return [item * 2 for item in items]


async def test_submissions_that_arrive_together_share_one_batch() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write, max_batch=100)

    results = await asyncio.gather(*(commit.submit(n) for n in range(10)))

    assert results == [n * 2 for n in range(10)]
    assert recorder.batches == [list(range(10))]


async def test_a_batch_never_exceeds_its_limit() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write, max_batch=4)

    results = await asyncio.gather(*(commit.submit(n) for n in range(10)))

    assert results == [n * 2 for n in range(10)]
    assert [len(b) for b in recorder.batches] == [4, 4, 2]


async def test_a_failed_batch_fails_its_own_items_only() -> None:
    recorder = Recorder(fail_on=1)
    commit = GroupCommit(recorder.write, max_batch=2)

    outcomes = await asyncio.gather(
        *(commit.submit(n) for n in range(4)), return_exceptions=True
    )

    assert [type(o) for o in outcomes[:2]] == [RuntimeError, RuntimeError]
    assert outcomes[2:] == [4, 6]


async def test_a_lone_submission_is_written_at_once() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write, max_batch=100)

    first = await commit.submit(1)
    second = await commit.submit(2)

    assert (first, second) == (2, 4)
    assert recorder.batches == [[1], [2]]


async def test_a_caller_that_gives_up_does_not_stop_the_write() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write, max_batch=100)

    waiter = asyncio.ensure_future(commit.submit(7))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    after = await commit.submit(8)

    assert after == 16
    assert [7] in recorder.batches
