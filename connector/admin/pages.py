"""Relay-style pages of the admin API: connections, edges, opaque cursors."""

from __future__ import annotations

import base64
from typing import Generic, TypeVar

import strawberry

from connector.errors import ErplinkError

Node = TypeVar("Node")
MAX_PAGE = 100


@strawberry.type
class PageInfo:
    """Relay page info: whether more follows, and the cursor to ask after."""

    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    """One node of a page, with its cursor."""

    cursor: str
    node: Node


@strawberry.type
class Connection(Generic[Node]):
    """A Relay connection: one page of nodes."""

    edges: list[Edge[Node]]
    page_info: PageInfo


def encode_cursor(kind: str, key: int) -> str:
    """An opaque cursor for the row `key` of a listing of `kind`."""
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    """The row key in a cursor of `kind`; None for no cursor.

    Raises:
        ErplinkError: code `bad_cursor`, the cursor is not one of this listing.
    """
    if cursor is None:
        return None
    try:
        found, _, key = base64.urlsafe_b64decode(cursor).decode().partition(":")
        if found == kind:
            return int(key)
    except (ValueError, UnicodeDecodeError):
        pass
    raise ErplinkError(f"the cursor is not one of {kind}", code="bad_cursor")


def page_size(first: int) -> int:
    """`first`, checked against the page limit.

    Raises:
        ErplinkError: code `bad_page_size`, not between 1 and MAX_PAGE.
    """
    if not 1 <= first <= MAX_PAGE:
        raise ErplinkError(
            f"first must be between 1 and {MAX_PAGE}", code="bad_page_size"
        )
    return first


def connection(
    kind: str, nodes: list[Node], keys: list[int], more: bool
) -> Connection[Node]:
    """A page of `nodes` whose row keys are `keys`."""
    edges = [
        Edge(cursor=encode_cursor(kind, k), node=n)
        for n, k in zip(nodes, keys, strict=True)
    ]
    end = edges[-1].cursor if edges else None
    return Connection(
        edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=end)
    )
