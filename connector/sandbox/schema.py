"""The sandbox's GraphQL schema: SDL loading, request context and execution."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_schema,
    execute,
    parse,
    validate,
)

from connector.sandbox.state import App, Principal, Store, User

SDL_RESOURCE = "schema.graphql"

Resolver = Callable[..., Any]
EventEmitter = Callable[[str, User, Principal | None], object]


@dataclass
class RequestContext:
    """What a resolver may use: the store, the caller and the event outlet.

    Attributes:
        store: The sandbox's data.
        app: The app authenticated by the bearer token, or None (anonymous).
        emit: Publishes an event such as ``CUSTOMER_CREATED`` for a user.
    """

    store: Store
    app: App | None
    emit: EventEmitter


class PermissionDenied(GraphQLError):
    """The caller lacks a permission; reported as a top-level GraphQL error."""

    def __init__(self, permissions: list[str]) -> None:
        super().__init__(
            "To access this path, you need one of the following permissions: "
            + ", ".join(permissions),
            extensions={"exception": {"code": "PermissionDenied"}},
        )


def context_of(info: GraphQLResolveInfo) -> RequestContext:
    """Return the typed request context of a resolver call."""
    context: RequestContext = info.context
    return context


def require_permission(info: GraphQLResolveInfo, permission: str) -> App:
    """Return the calling app if it holds ``permission``.

    Raises:
        PermissionDenied: Anonymous caller, or the app lacks ``permission``.
    """
    app = context_of(info).app
    if app is None or not app.has_permission(permission):
        raise PermissionDenied([permission])

    return app


def require_app(info: GraphQLResolveInfo) -> App:
    """Return the calling app.

    Raises:
        PermissionDenied: The caller is anonymous.
    """
    app = context_of(info).app
    if app is None:
        raise PermissionDenied(["AUTHENTICATED_APP", "AUTHENTICATED_STAFF_USER"])

    return app


def load_sdl() -> str:
    """Return the sandbox SDL text shipped beside this module."""
    package = resources.files("connector.sandbox")
    return package.joinpath(SDL_RESOURCE).read_text(encoding="utf-8")


def _bind(
    object_type: GraphQLObjectType | None, resolvers: Mapping[str, Resolver]
) -> None:
    if object_type is None:
        raise ValueError("the sandbox SDL lacks a root type")
    for field_name, resolver in resolvers.items():
        object_type.fields[field_name].resolve = resolver


@functools.cache
def sandbox_schema() -> GraphQLSchema:
    """Build the executable schema once: SDL plus the sandbox resolvers."""
    from connector.sandbox import accounts, customers, queries

    schema = build_schema(load_sdl())
    _bind(schema.query_type, queries.RESOLVERS)
    _bind(schema.mutation_type, {**accounts.RESOLVERS, **customers.RESOLVERS})
    return schema


def _format_errors(
    errors: list[GraphQLError], code: str | None
) -> list[dict[str, Any]]:
    formatted = []
    for error in errors:
        item: dict[str, Any] = dict(error.formatted)
        if code is not None and not error.extensions:
            item["extensions"] = {"exception": {"code": code}}
        formatted.append(item)
    return formatted


async def execute_request(
    query: str,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    context: RequestContext,
) -> dict[str, Any]:
    """Parse, validate and run one GraphQL request against the sandbox schema.

    Returns:
        The response body: ``{"data": ...}`` and/or ``{"errors": [...]}``.
    """
    schema = sandbox_schema()
    try:
        document = parse(query)
    except GraphQLError as error:
        return {"errors": _format_errors([error], "GraphQLError")}

    validation_errors = validate(schema, document)
    if validation_errors:
        return {"errors": _format_errors(validation_errors, "GraphQLError")}

    result = execute(
        schema,
        document,
        variable_values=variables,
        operation_name=operation_name,
        context_value=context,
    )
    if inspect.isawaitable(result):
        result = await result
    return _response_body(result)


def _response_body(result: ExecutionResult) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = _format_errors(result.errors, "GraphQLError")
    body["data"] = result.data
    return body
