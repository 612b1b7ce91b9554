"""The servers under load, each in a process of its own, and their handles.

Run as `python -m bench.servers {bare,erplink} --fd N ...` by `start_server_process`.
Both kinds go through one uvicorn set-up, the one `erplink serve` uses: one process,
`loop="auto"` and `http="auto"` (uvloop and httptools when installed), access log
off, log level warning. The parent binds the socket and hands its descriptor over,
so the port is known before the child starts and no other process can take it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from connector.app import create_app
from connector.logs import configure_logging
from connector.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
POLL_S = 0.05


@dataclass
class ServerProcess:
    """A running server process started by `start_server_process`."""

    kind: str
    url: str
    process: asyncio.subprocess.Process

    async def stop(self) -> None:
        """Ask the server to shut down (SIGTERM); kill it if it does not."""
        if self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            async with asyncio.timeout(STOP_TIMEOUT_S):
                await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def start_server_process(
    kind: str, log_path: Path, *, data_dir: Path | None = None, worker: bool = False
) -> ServerProcess:
    """Start a `bare` or `erplink` server and wait until it answers `/healthz`.

    Args:
        kind: `bare` (Starlette, 200 to every POST) or `erplink`.
        log_path: file for the child's stdout and stderr.
        data_dir: erplink's data directory (its SQLite file and secret).
        worker: run erplink's in-process worker.

    Raises:
        RuntimeError: the server exited or did not answer in time.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    url = f"http://{HOST}:{sock.getsockname()[1]}"
    command = [sys.executable, "-m", "bench.servers", kind, "--fd", str(sock.fileno())]
    command += ["--url", url, "--data-dir", str(data_dir or "")]
    command += ["--worker"] if worker else []
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=ROOT,
            stdout=log,
            stderr=log,
            stdin=asyncio.subprocess.DEVNULL,
            pass_fds=(sock.fileno(),),
        )
    sock.close()
    server = ServerProcess(kind, url, process)
    await _wait_ready(server, log_path)
    return server


async def _wait_ready(server: ServerProcess, log_path: Path) -> None:
    async with httpx.AsyncClient(timeout=2.0) as client:
        async with asyncio.timeout(READY_TIMEOUT_S):
            while server.process.returncode is None:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{server.url}/healthz")).status_code == 200:
                        return
                await asyncio.sleep(POLL_S)
    raise RuntimeError(f"the {server.kind} server exited; see {log_path}")


# The child side ------------------------------------------------------------


async def _take(request: Request) -> Response:
    await request.body()
    return JSONResponse({"success": True})


async def _healthz(_: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def bare_app() -> Starlette:
    """A Starlette app answering 200 to any webhook POST after reading its body."""
    routes = [
        Route("/api/webhooks/{event}", _take, methods=["POST"]),
        Route("/healthz", _healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes)


def erplink_app(url: str, data_dir: Path, *, worker: bool) -> Starlette:
    """erplink with embedded defaults (SQLite in `data_dir`), serving at `url`."""
    settings = Settings(
        data_dir=data_dir, database_url="", public_url=url, run_worker=worker
    )
    return create_app(settings, serving=True)


def serve(app: Starlette, fd: int) -> None:
    """Serve `app` on an inherited, bound socket until SIGTERM or SIGINT."""
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])


def main(argv: list[str] | None = None) -> None:
    """Entry point of the server process."""
    parser = argparse.ArgumentParser(prog="python -m bench.servers")
    parser.add_argument("kind", choices=["bare", "erplink"])
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--data-dir", default="")
    parser.add_argument("--worker", action="store_true")
    args = parser.parse_args(argv)
    configure_logging(json=True, level=logging.WARNING)
    if args.kind == "bare":
        app = bare_app()
    else:
        app = erplink_app(args.url, Path(args.data_dir), worker=args.worker)
    serve(app, args.fd)


if __name__ == "__main__":
    main()
