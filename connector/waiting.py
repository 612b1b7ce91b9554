"""Waiting in the background loops (inbox worker, mail dispatcher)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable
from datetime import timedelta


def backoff_delay(attempts: int, base_s: float, max_s: float) -> timedelta:
    """Exponential backoff with full-range jitter (0.5x to 1.5x), capped at `max_s`."""
    delay = min(max_s, base_s * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=delay * random.uniform(0.5, 1.5))


async def first_of(*waits: Awaitable[object]) -> None:
    """Return once one of `waits` is done; cancel the waits wrapped here, only.

    Tasks passed in (a worker's own processing) are watched, never cancelled.
    """
    tasks = [asyncio.ensure_future(w) for w in waits]
    wrapped = [
        task for task, wait in zip(tasks, waits, strict=True) if task is not wait
    ]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in wrapped:
            task.cancel()
