"""The admin API's schema, with its limits.

Limits: queries nest at most `MAX_DEPTH` levels, hold at most `MAX_TOKENS` tokens
and `MAX_ALIASES` aliases (the token count bounds the cost of a document: every
field, argument and alias is a token), and pages hold at most 100 nodes.
"""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from connector.admin.errors import CodedErrors
from connector.admin.mutations import Mutation
from connector.admin.queries import Query

MAX_DEPTH = 8
MAX_TOKENS = 2000
MAX_ALIASES = 20


def build_schema() -> strawberry.Schema:
    """The admin API schema."""
    return strawberry.Schema(
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
