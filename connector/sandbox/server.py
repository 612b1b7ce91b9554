"""The HTTP edge: Starlette routes and an embeddable uvicorn server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connector.sandbox.schema import RequestContext, execute_request

ContextFactory = Callable[[str | None], RequestContext]

TICK_S = 0.1
TICKS_PER_DAY = 864_000


def bearer_token(request: Request) -> str | None:
    """Return the token of an ``Authorization: Bearer`` header, if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _bad_request(message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message}]}, status_code=400)


def _read_operation(raw: bytes) -> dict[str, Any] | str:
    try:
        body = json.loads(raw)
    except ValueError:
        return "Unable to parse query."
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return "Must provide a query string."
    if not isinstance(body.get("variables") or {}, dict):
        return "Variables are invalid JSON."
    return body


def build_app(
    jwks: Callable[[], dict[str, Any]], make_context: ContextFactory
) -> Starlette:
    """Build the Starlette app serving the JWKS and the GraphQL API.

    Args:
        jwks: Returns the current JWKS document.
        make_context: Builds a request context from the bearer token (or None).
    """

    async def jwks_endpoint(_request: Request) -> JSONResponse:
        return JSONResponse(jwks())

    async def graphql_endpoint(request: Request) -> JSONResponse:
        operation = _read_operation(await request.body())
        if isinstance(operation, str):
            return _bad_request(operation)

        context = make_context(bearer_token(request))
        body = await execute_request(
            operation["query"],
            operation.get("variables"),
            operation.get("operationName"),
            context,
        )
        return JSONResponse(body)

    routes = [
        Route("/.well-known/jwks.json", jwks_endpoint, methods=["GET"]),
        Route("/graphql/", graphql_endpoint, methods=["POST"]),
        Route("/graphql", graphql_endpoint, methods=["POST"]),
    ]
    return Starlette(routes=routes)


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server for embedding: no signal handling, prompt exit.

    uvicorn polls ``should_exit`` every 0.1 s; :meth:`request_exit` wakes the
    loop at once instead, which keeps test teardown fast.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._exit_requested = asyncio.Event()

    def request_exit(self) -> None:
        """Ask the server to shut down now."""
        self.should_exit = True
        self._exit_requested.set()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Do not capture signals: the embedding program owns them."""
        yield

    async def main_loop(self) -> None:
        """Tick like uvicorn (Date header, limits) but wake on :meth:`request_exit`."""
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % TICKS_PER_DAY
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_requested.wait(), TICK_S)
            should_exit = await self.on_tick(counter)


def request_exit(server: uvicorn.Server) -> None:
    """Ask any uvicorn server to shut down, promptly when it is embedded."""
    if isinstance(server, EmbeddedServer):
        server.request_exit()
    else:
        server.should_exit = True


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind a listening TCP socket; port 0 picks a free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def serve_in_background(
    app: Starlette, sock: socket.socket, *, embedded: bool
) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    """Start uvicorn on ``sock`` in the running loop and wait until it listens.

    Raises:
        RuntimeError: uvicorn stopped before it started listening.
    """
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    server = EmbeddedServer(config) if embedded else uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("uvicorn exited before listening")
        await asyncio.sleep(0.01)
    return server, task
