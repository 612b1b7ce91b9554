"""Batches of work done in a helper process of erplink's own.

Some work of the event loop's cannot go to a thread: an SQLite write releases the
GIL while SQLite works, but the thread must take the GIL back after each statement,
and a busy loop holds it, so each statement waits for the loop (BENCHMARKS.md,
"Webhook intake"). A helper process has a GIL of its own, and a core the loop does
not use. erplink takes its customer webhooks in one on SQLite: the signature check,
the payload and the inbox write (webhooks/intake.py), in the helper `erplink serve`
starts with the server.

Items go to the helper in batches, one batch at a time: those submitted while a
batch is out go together in the next (the same group commit as the inbox's on
PostgreSQL). Parent and helper talk over the helper's stdin and stdout in frames,
each a 4-byte length and a pickle: first the helper says it is ready, then each
batch is one frame of items and one frame back, `("ok", answers)` or
`("error", exc)` when the batch failed with an `ErplinkError`, which every item of
the batch then raises. Pickle is safe here: both ends are erplink, and the pipes
are the helper's own.

The helper starts in the background when `start` is called: until it says it is
ready (its imports take a second or two), batches are answered in this process by
`here`, so nothing waits for it. If it dies, hangs (no answer in `BATCH_TIMEOUT_S`)
or answers out of turn, it is killed, its batch is answered by `here`, and a new
helper is started `RESTART_DELAY_S` later. Work the helper did before it died is not
done twice if `here` is idempotent, as an INSERT that skips stored keys is.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import pickle
import signal
import struct
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, BinaryIO, Generic, TypeVar

import structlog

from connector.errors import ErplinkError
from connector.store.batching import GroupCommit

log = structlog.get_logger(__name__)

Item = TypeVar("Item")
Answer = TypeVar("Answer")

MAX_BATCH = 200
BATCH_TIMEOUT_S = 5.0
RESTART_DELAY_S = 5.0
STOP_TIMEOUT_S = 5.0
START_TIMEOUT_S = 60.0  # its imports, on a machine that may be busy
_FRAME = struct.Struct(">I")
_READY = "ready"


class HelperProtocolError(Exception):
    """The helper answered something other than one answer per item."""


class HelperProcess(Generic[Item, Answer]):
    """Submits items to a helper process in batches, or answers them here.

    Args:
        name: what the helper does, for logs (`inbox`).
        handler: `module:function` that the helper calls with `args` once, for the
            function it then answers each batch with (a list of items to a list of
            answers, in order).
        args: strings for `handler`.
        here: answers a batch in this process while there is no helper.
    """

    def __init__(
        self,
        name: str,
        handler: str,
        args: Sequence[str],
        here: Callable[[Sequence[Item]], Awaitable[Sequence[Answer]]],
    ) -> None:
        self.name = name
        self._command = [sys.executable, "-m", __name__, handler, *args]
        self._here = here
        self._batches: GroupCommit[Item, Answer] = GroupCommit(
            self._answer, max_batch=MAX_BATCH
        )
        self._process: asyncio.subprocess.Process | None = None  # once ready
        self._starting: asyncio.Task[None] | None = None
        self._wanted = False  # start() was called, close() was not
        self._retry_at = 0.0

    async def submit(self, item: Item) -> Answer:
        """The answer to `item`, from the helper or, while there is none, from here.

        Raises:
            ErplinkError: the batch of `item` failed.
        """
        return await self._batches.submit(item)

    def start(self) -> None:
        """Start the helper in the background, unless one runs or is starting;
        after a failure, not before `RESTART_DELAY_S` has passed."""
        self._wanted = True
        due = time.monotonic() >= self._retry_at
        if self._process is None and self._starting is None and due:
            self._starting = asyncio.create_task(self._start())

    async def ready(self) -> bool:
        """Start the helper if need be and wait until it is ready; False when it
        could not start."""
        self.start()
        if self._starting is not None:
            await asyncio.shield(self._starting)
        return self._process is not None

    @property
    def pid(self) -> int | None:
        """The ready helper's process id (None while there is none)."""
        return self._process.pid if self._process is not None else None

    @property
    def state(self) -> str:
        """`ready`, `starting` (or waiting to start again after a failure) or
        `off` (never started, or closed)."""
        if self._process is not None:
            return "ready"
        return "starting" if self._wanted else "off"

    async def close(self) -> None:
        """Stop the helper once it has answered its batch: it stops at the end of
        its input. A helper still starting is killed. Items submitted afterwards
        are answered here."""
        self._wanted = False
        if self._starting is not None:
            self._starting.cancel()
            await asyncio.wait([self._starting])
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()

    async def _answer(self, items: Sequence[Item]) -> Sequence[Answer]:
        process = self._process
        if process is None:
            if self._wanted:
                self.start()
            return await self._here(items)
        try:
            async with asyncio.timeout(BATCH_TIMEOUT_S):
                outcome = await _exchange(process, items)
        except (OSError, EOFError, TimeoutError, HelperProtocolError) as exc:
            await self._discard(process, exc)
            return await self._here(items)
        match outcome:
            case ("ok", list() as answers) if len(answers) == len(items):
                return answers
            case ("error", ErplinkError() as error):
                raise error
        await self._discard(process, HelperProtocolError())
        return await self._here(items)

    async def _start(self) -> None:
        try:  # close() cancels this task, and _started kills what it spawned
            self._process = await self._started()
        finally:
            self._starting = None

    async def _started(self) -> asyncio.subprocess.Process | None:
        """A new helper once it has said it is ready; None if it could not start."""
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            self._failed(exc)
            return None
        assert process.stdout is not None
        try:
            async with asyncio.timeout(START_TIMEOUT_S):
                ready = await _read_frame(process.stdout)
            if ready != _READY:
                raise HelperProtocolError
        except (OSError, EOFError, TimeoutError, HelperProtocolError) as exc:
            self._failed(exc)
            await _killed(process)
            return None
        except asyncio.CancelledError:  # closed while it started
            await _killed(process)
            raise
        return process

    async def _discard(
        self, process: asyncio.subprocess.Process, exc: BaseException
    ) -> None:
        self._failed(exc)
        if self._process is process:
            self._process = None
        await _killed(process)

    def _failed(self, exc: BaseException) -> None:
        log.warning("helper.failed", helper=self.name, error=type(exc).__name__)
        self._retry_at = time.monotonic() + RESTART_DELAY_S


async def _killed(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await process.wait()


async def _exchange(process: asyncio.subprocess.Process, items: Sequence[Any]) -> Any:
    """Send one batch and read its answer frame."""
    assert process.stdin is not None
    assert process.stdout is not None
    data = pickle.dumps(list(items), pickle.HIGHEST_PROTOCOL)
    process.stdin.write(_FRAME.pack(len(data)) + data)
    await process.stdin.drain()
    return await _read_frame(process.stdout)


async def _read_frame(stream: asyncio.StreamReader) -> Any:
    try:
        (size,) = _FRAME.unpack(await stream.readexactly(_FRAME.size))
        data = await stream.readexactly(size)
    except asyncio.IncompleteReadError as exc:
        raise EOFError("the helper exited") from exc
    try:
        return pickle.loads(data)
    except Exception as exc:  # whatever garbled bytes make pickle raise
        raise HelperProtocolError from exc


# The helper's end -----------------------------------------------------------

BatchHandler = Callable[[list[Any]], Sequence[Any]]


def serve(handler: BatchHandler, requests: BinaryIO, answers: BinaryIO) -> None:
    """Say it is ready, then answer each batch read from `requests` until it ends."""
    _write_frame(answers, _READY)
    while True:
        head = requests.read(_FRAME.size)
        if len(head) < _FRAME.size:
            return
        (size,) = _FRAME.unpack(head)
        items = pickle.loads(requests.read(size))
        try:
            outcome: tuple[str, object] = ("ok", list(handler(items)))
        except ErplinkError as exc:
            outcome = ("error", exc)
        _write_frame(answers, outcome)


def _write_frame(answers: BinaryIO, value: object) -> None:
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    answers.write(_FRAME.pack(len(data)) + data)
    answers.flush()


def main(argv: Sequence[str]) -> None:
    """`python -m connector.helper_process module:function [args...]`, as
    `HelperProcess` starts it."""
    # Ctrl-C reaches the whole process group; the helper stops when erplink
    # closes its input instead, after the batch in hand.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers, sys.stdout = sys.stdout.buffer, sys.stderr  # prints must not garble
    module, _, function = argv[0].partition(":")
    handler = getattr(importlib.import_module(module), function)(*argv[1:])
    gc.freeze()  # as erplink serve does: collections skip what start-up made
    serve(handler, sys.stdin.buffer, answers)


if __name__ == "__main__":
    main(sys.argv[1:])
