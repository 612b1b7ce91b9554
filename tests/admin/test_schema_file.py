"""The exported admin schema is the one the code serves."""

from __future__ import annotations

from connector.admin.schema import schema
from connector.cli_admin import SCHEMA_FILE


def test_graphql_admin_graphql_matches_the_code() -> None:
    exported = SCHEMA_FILE.read_text(encoding="utf-8")

    assert exported == schema.as_str() + "\n", (
        "graphql/admin.graphql is stale: run `erplink admin-schema`"
    )
