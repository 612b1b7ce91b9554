"""Errors of the admin API: always top-level GraphQL errors with `extensions.code`.

- erplink's own errors keep their message and their stable `code`;
- GraphQL syntax and validation errors (a malformed query, one over the depth or
  token limit) get `graphql_invalid`;
- anything else is masked as "Unexpected error." with `internal_error`, and logged
  with its type so that it can be found, but never shown to the caller.
"""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from connector.errors import ErplinkError

log = structlog.get_logger(__name__)

INVALID = "graphql_invalid"
INTERNAL = "internal_error"


def coded(error: GraphQLError) -> GraphQLError:
    """The error as the caller sees it, with its code in `extensions`."""
    original = error.original_error
    if isinstance(original, ErplinkError):
        return _with(error, original.message, original.code)
    if original is None:
        return _with(error, error.message, INVALID)

    log.error("admin_api.unexpected", error=type(original).__name__, path=error.path)
    return _with(error, "Unexpected error.", INTERNAL)


def _with(error: GraphQLError, message: str, code: str) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": code},
    )


class CodedErrors(SchemaExtension):
    """Rewrites every error of a result with `coded`."""

    def on_operation(self) -> Iterator[None]:
        """Rewrite the errors once the operation has run."""
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [coded(e) for e in errors]
