"""Running an ASGI app on a real socket inside the current event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT_S = 30.0


@dataclass
class RunningServer:
    """A uvicorn server started by `start_server`; `stop()` ends it."""

    server: uvicorn.Server
    task: asyncio.Task[None]
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        """Finish open requests, run the app's shutdown, close the socket."""
        self.server.should_exit = True
        await self.task


async def start_server(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 0
) -> RunningServer:
    """Serve `app` on `host:port` (0 picks a free port) until `stop()`.

    Raises:
        RuntimeError: the server did not start (port taken, start-up failed).
    """
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(STARTUP_TIMEOUT_S):
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError(f"the server on {host}:{port} did not start")
            await asyncio.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return RunningServer(server, task, host, int(bound))
