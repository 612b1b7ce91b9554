"""The admin API's schema, with its limits.

Limits: queries nest at most `MAX_DEPTH` levels, hold at most `MAX_TOKENS` tokens
and `MAX_ALIASES` aliases (the token count bounds the cost of a document: every
field, argument and alias is a token), and pages hold at most 100 nodes.
"""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import ExecutionContext

from connector.admin.errors import CodedErrors
from connector.admin.mutations import Mutation
from connector.admin.queries import Query

MAX_DEPTH = 8
MAX_TOKENS = 2000
MAX_ALIASES = 20


class AdminSchema(strawberry.Schema):
    """Strawberry's schema without its own error log.

    Strawberry logs every error with a traceback; a refused request is expected
    and already recorded (`access_denied`), and `CodedErrors` logs the unexpected
    ones, once, without their message.
    """

    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        """Leave the logging to `CodedErrors`."""


def build_schema() -> strawberry.Schema:
    """The admin API schema."""
    return AdminSchema(
        query=Query,
        mutation=Mutation,
        # Factories: strawberry builds fresh extensions for every request.
        extensions=[
            CodedErrors,
            lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        ],
    )


schema = build_schema()
