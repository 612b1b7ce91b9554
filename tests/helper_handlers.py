"""Batch handlers for the helper-process tests, run in the helper."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from connector.errors import StoreUnavailableError

Handler = Callable[[list[object]], list[object]]


def doubling(scale: str) -> Handler:
    """Each item times `scale`. Of the words: "exit" ends the helper, "hang" stops
    it answering, "fail" fails the batch, "garbage" answers too few, and "slow"
    (after 0.3 s) and "print" (printing to stdout) count as 1."""

    def handle(items: list[object]) -> list[object]:
        if "exit" in items:
            os._exit(3)
        if "hang" in items:
            time.sleep(3600)
        if "print" in items:
            print("a stray print", flush=True)  # noqa: T201
            items = [1 if item == "print" else item for item in items]
        if "slow" in items:
            time.sleep(0.3)
            items = [1 if item == "slow" else item for item in items]
        if "fail" in items:
            raise StoreUnavailableError("the store could not store the event")
        if "garbage" in items:
            return []
        return [item * int(scale) for item in items]  # type: ignore[operator]

    return handle
