"""Group commit: concurrent writes of one kind gathered into one transaction.

Every webhook delivery must be committed before Saleor gets its 200, and a
transaction costs the same few round trips to the database whether it holds one
row or two hundred. `GroupCommit` lets each caller await its own row while the
rows that arrive during one commit go together in the next: no caller waits for
a timer, and under load the cost per row falls with the batch size.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

WriteMany = Callable[[Sequence[Item]], Awaitable[Sequence[Result]]]


class GroupCommit(Generic[Item, Result]):
    """Runs `write_many` over batches of submitted items, one batch at a time.

    Args:
        write_many: writes a batch in one transaction and returns one result per
            item, in order. An exception fails every item of that batch alone.
        max_batch: the most items one transaction takes.
    """

    def __init__(self, write_many: WriteMany[Item, Result], *, max_batch: int) -> None:
        self._write_many = write_many
        self._max_batch = max_batch
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """Write `item` with whatever else is waiting; its result once committed."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._draining is None:
            self._draining = asyncio.create_task(self._drain())
        # A caller that gives up cancels only its own future: the draining task
        # writes the batch anyway, and skips results nobody waits for.
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                await self._commit(batch)
        finally:
            self._draining = None

    async def _commit(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        try:
            results = await self._write_many([item for item, _ in batch])
        except Exception as exc:  # each caller gets the batch's failure as its own
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return

        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
