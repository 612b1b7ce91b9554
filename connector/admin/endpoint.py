"""Serving the admin API at `/graphql` over Starlette."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from connector.admin.context import AdminContext, context_for
from connector.admin.schema import schema


class AdminGraphQL(GraphQL[AdminContext, None]):
    """Strawberry's ASGI app with erplink's request context."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> AdminContext:
        """Each request's services and credentials."""
        if not isinstance(request, Request):
            raise TypeError("the admin API answers HTTP only")
        return context_for(request)


def admin_api(**options: Any) -> AdminGraphQL:
    """The ASGI app: POST for operations, no subscriptions, no IDE by default."""
    return AdminGraphQL(
        schema, graphql_ide=None, allow_queries_via_get=False, **options
    )
