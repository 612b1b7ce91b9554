"""Resolvers of the sandbox's ``Query`` type."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from connector.sandbox.schema import (
    PermissionDenied,
    Resolver,
    context_of,
    require_app,
    require_permission,
)
from connector.sandbox.state import User, from_global_id
from connector.sandbox.views import View, app_view, customer_type_view, user_view

MAX_PAGE_SIZE = 100


def encode_cursor(node_id: str) -> str:
    """Return the opaque cursor of the node with global ID ``node_id``."""
    return base64.b64encode(json.dumps([node_id]).encode()).decode("ascii")


def _decode_cursor(cursor: str) -> str:
    try:
        return str(json.loads(base64.b64decode(cursor, validate=True))[0])
    except (binascii.Error, ValueError, IndexError, TypeError) as exc:
        raise GraphQLError(f"Received cursor ({cursor}) is invalid.") from exc


def _index_of(ids: list[str], cursor: str | None) -> int | None:
    if cursor is None:
        return None
    node_id = _decode_cursor(cursor)
    return ids.index(node_id) if node_id in ids else None


def _window(
    nodes: list[View], after: str | None, before: str | None
) -> tuple[list[View], bool, bool]:
    ids = [node["id"] for node in nodes]
    after_index = _index_of(ids, after)
    before_index = _index_of(ids, before)
    start = after_index + 1 if after_index is not None else 0
    end = before_index if before_index is not None else len(ids)
    return nodes[start:end], start > 0, end < len(ids)


def paginate(
    nodes: list[View],
    name: str,
    *,
    first: int | None,
    last: int | None,
    after: str | None = None,
    before: str | None = None,
) -> View:
    """Cut ``nodes`` into a Relay connection the way Saleor's connections do.

    Raises:
        GraphQLError: Neither ``first`` nor ``last`` given, or more than 100 asked.
    """
    if first is None and last is None:
        raise GraphQLError(
            f"You must provide a `first` or `last` value to properly paginate "
            f"the `{name}` connection."
        )
    for limit_name, limit in (("first", first), ("last", last)):
        if limit is not None and limit > MAX_PAGE_SIZE:
            raise GraphQLError(
                f"Requesting {limit} records on the `{name}` connection exceeds "
                f"the `{limit_name}` limit of {MAX_PAGE_SIZE} records."
            )

    window, has_previous, has_next = _window(nodes, after, before)
    if first is not None:
        has_next = has_next or len(window) > first
        window = window[:first]
    if last is not None:
        has_previous = has_previous or len(window) > last
        window = window[-last:] if last else []

    edges = [{"node": node, "cursor": encode_cursor(node["id"])} for node in window]
    page_info = {
        "hasNextPage": has_next,
        "hasPreviousPage": has_previous,
        "startCursor": edges[0]["cursor"] if edges else None,
        "endCursor": edges[-1]["cursor"] if edges else None,
    }
    return {"pageInfo": page_info, "edges": edges, "totalCount": len(nodes)}


def resolve_app(
    _root: None, info: GraphQLResolveInfo, id: str | None = None
) -> View | None:
    """Return the calling app (or, with MANAGE_APPS, the app with ``id``)."""
    app = context_of(info).app
    if app is None:
        return None
    if id is None or id == app.global_id:
        return app_view(app)
    if not app.has_permission("MANAGE_APPS"):
        raise PermissionDenied(["MANAGE_APPS"])

    decoded = from_global_id(id)
    store = context_of(info).store
    return (
        app_view(store.apps.get(decoded[1]))
        if decoded and decoded[0] == "App"
        else None
    )


def resolve_user(
    _root: None,
    info: GraphQLResolveInfo,
    id: str | None = None,
    email: str | None = None,
    externalReference: str | None = None,
) -> View | None:
    """Look a user up by ID, e-mail or external reference (MANAGE_USERS)."""
    require_permission(info, "MANAGE_USERS")
    store = context_of(info).store
    user: User | None = None
    if id is not None:
        user = store.user_by_global_id(id)
    elif email is not None:
        user = store.user_by_email(email)
    elif externalReference is not None:
        user = store.user_by_external_reference(externalReference)
    return user_view(user) if user is not None else None


def _matches_search(user: User, search: str | None) -> bool:
    if not search:
        return True
    haystack = " ".join((user.email, user.first_name, user.last_name)).lower()
    return search.lower() in haystack


def resolve_customers(
    _root: None,
    info: GraphQLResolveInfo,
    filter: dict[str, Any] | None = None,
    search: str | None = None,
    **page: Any,
) -> View:
    """List non-staff users, filtered by search text or IDs (MANAGE_USERS)."""
    require_permission(info, "MANAGE_USERS")
    criteria = filter or {}
    ids = criteria.get("ids")
    users = [
        user
        for user in sorted(context_of(info).store.users.values(), key=lambda u: u.pk)
        if not user.is_staff
        and _matches_search(user, search or criteria.get("search"))
        and (ids is None or user.global_id in ids)
    ]
    return paginate([user_view(u) for u in users], "customers", **_page_args(page))


def _page_args(page: dict[str, Any]) -> dict[str, Any]:
    return {key: page.get(key) for key in ("first", "last", "after", "before")}


def resolve_customer_type(
    _root: None, info: GraphQLResolveInfo, id: str
) -> View | None:
    """Look a customer type up by ID (any authenticated app)."""
    require_app(info)
    return customer_type_view(context_of(info).store.customer_type_by_global_id(id))


def resolve_customer_types(
    _root: None, info: GraphQLResolveInfo, search: str | None = None, **page: Any
) -> View:
    """List customer types, optionally filtered by name or slug text."""
    require_app(info)
    types = sorted(context_of(info).store.customer_types.values(), key=lambda t: t.pk)
    needle = (search or "").lower()
    views = [
        customer_type_view(t)
        for t in types
        if needle in t.name.lower() or needle in t.slug.lower()
    ]
    return paginate([v for v in views if v], "customerTypes", **_page_args(page))


RESOLVERS: dict[str, Resolver] = {
    "app": resolve_app,
    "user": resolve_user,
    "customers": resolve_customers,
    "customerType": resolve_customer_type,
    "customerTypes": resolve_customer_types,
}
