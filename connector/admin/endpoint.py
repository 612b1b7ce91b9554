"""Serving the admin API at `/graphql` over Starlette."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from connector.admin.context import AdminContext, context_for
from connector.admin.schema import schema


class AdminGraphQL(GraphQL[AdminContext, None]):
    """Strawberry's ASGI app with erplink's request context.

    A body longer than the settings' `max_body_bytes` is refused with 413 before
    it is read; the token limit then bounds what parsing a document may cost.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse oversized bodies, then serve as strawberry does."""
        if scope["type"] == "http" and _too_long(scope):
            response = PlainTextResponse(
                "request body too large, or sent without Content-Length",
                status_code=413,
            )
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> AdminContext:
        """Each request's services and credentials."""
        if not isinstance(request, Request):
            raise TypeError("the admin API answers HTTP only")
        return context_for(request)


def _too_long(scope: Scope) -> bool:
    """A body over the limit, or a POST whose length is not declared (chunked)."""
    limit = scope["app"].state.services.settings.max_body_bytes
    default = "" if scope["method"] == "POST" else "0"
    length = Headers(scope=scope).get("content-length", default)
    return not length.isdigit() or int(length) > limit


def admin_api(**options: Any) -> AdminGraphQL:
    """The ASGI app: POST for operations, no subscriptions, no IDE by default."""
    return AdminGraphQL(
        schema, graphql_ide=None, allow_queries_via_get=False, **options
    )
