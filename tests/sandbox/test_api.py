"""The GraphQL endpoint: validation, permissions, queries."""

from __future__ import annotations

import httpx
import pytest

from connector.sandbox import App, SandboxSaleor

from .conftest import FakeApp, graphql

USER_QUERY = """
query Customer($id: ID!) {
  user(id: $id) {
    id email firstName lastName isActive isConfirmed lastLogin dateJoined updatedAt
    externalReference note
    metadata { key value }
    privateMetadata { key value }
    defaultBillingAddress { companyName postalCode country { code } }
    customerType { id name slug isDefault }
  }
}
"""


@pytest.mark.asyncio
async def test_unknown_field_is_refused_with_graphql_errors(
    sandbox: SandboxSaleor,
) -> None:
    response = await graphql(sandbox, "{ app { id zzz } }")

    assert response.status_code == 200
    assert response.json() == {
        "errors": [
            {
                "message": "Cannot query field 'zzz' on type 'App'.",
                "locations": [{"line": 1, "column": 12}],
                "extensions": {"exception": {"code": "GraphQLError"}},
            }
        ]
    }


@pytest.mark.asyncio
async def test_unparsable_json_is_a_400(sandbox: SandboxSaleor) -> None:
    async with httpx.AsyncClient(verify=False) as client:
        response = await client.post(sandbox.api_url, content=b"{not json")

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": "Unable to parse query."}]}


@pytest.mark.asyncio
async def test_path_without_trailing_slash_is_served(sandbox: SandboxSaleor) -> None:
    async with httpx.AsyncClient(verify=False) as client:
        response = await client.post(
            f"{sandbox.base_url}/graphql", json={"query": "{ app { id } }"}
        )

    assert response.json() == {"data": {"app": None}}


@pytest.mark.asyncio
async def test_missing_permission_is_a_top_level_error_and_changes_nothing(
    sandbox: SandboxSaleor, fake_app: FakeApp
) -> None:
    fake_app.permissions = []
    await sandbox.install_app(fake_app.manifest_url)
    user_id = await sandbox.create_customer("p@acme.example")
    query = """mutation Note($id: ID!) {
      customerUpdate(id: $id, input: {note: "x"}) { errors { code } }
    }"""

    response = await graphql(sandbox, query, {"id": user_id}, token=fake_app.token)

    assert response.json() == {
        "errors": [
            {
                "message": "To access this path, you need one of the following "
                "permissions: MANAGE_USERS",
                "locations": [{"line": 2, "column": 7}],
                "path": ["customerUpdate"],
                "extensions": {"exception": {"code": "PermissionDenied"}},
            }
        ],
        "data": {"customerUpdate": None},
    }
    assert sandbox.user(user_id)["note"] is None


@pytest.mark.asyncio
async def test_anonymous_customer_list_is_denied(sandbox: SandboxSaleor) -> None:
    response = await graphql(sandbox, "{ customers(first: 5) { totalCount } }")

    (error,) = response.json()["errors"]
    assert error["extensions"] == {"exception": {"code": "PermissionDenied"}}
    assert response.json()["data"] == {"customers": None}


@pytest.mark.asyncio
async def test_user_query_returns_every_field(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    user_id = await sandbox.create_customer(
        "q@acme.example",
        first_name="Quinn",
        billing_post_code="1010",
        billing_country="AT",
        metadata={"claim": "A-1"},
    )
    stored = sandbox.store.users[2]

    response = await graphql(sandbox, USER_QUERY, {"id": user_id}, fake_app.token)

    assert response.json() == {
        "data": {
            "user": {
                "id": user_id,
                "email": "q@acme.example",
                "firstName": "Quinn",
                "lastName": "",
                "isActive": True,
                "isConfirmed": True,
                "lastLogin": None,
                "dateJoined": stored.date_joined.isoformat(),
                "updatedAt": stored.updated_at.isoformat(),
                "externalReference": None,
                "note": None,
                "metadata": [{"key": "claim", "value": "A-1"}],
                "privateMetadata": [],
                "defaultBillingAddress": {
                    "companyName": "",
                    "postalCode": "1010",
                    "country": {"code": "AT"},
                },
                "customerType": {
                    "id": "Q3VzdG9tZXJUeXBlOjE=",
                    "name": "No pricing",
                    "slug": "no-pricing",
                    "isDefault": True,
                },
            }
        }
    }


@pytest.mark.asyncio
async def test_customers_search_and_pagination(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    ids = [await sandbox.create_customer(f"c{n}@acme.example") for n in range(3)]
    await sandbox.create_customer("other@beta.example")
    query = """
    query Page($after: String) {
      customers(first: 2, after: $after, filter: {search: "acme"}) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { id } }
      }
    }
    """

    first = (await graphql(sandbox, query, {}, fake_app.token)).json()
    cursor = first["data"]["customers"]["pageInfo"]["endCursor"]
    second = (await graphql(sandbox, query, {"after": cursor}, fake_app.token)).json()

    page_one = first["data"]["customers"]
    page_two = second["data"]["customers"]
    assert [e["node"]["id"] for e in page_one["edges"]] == ids[:2]
    assert page_one["pageInfo"]["hasNextPage"] is True
    assert page_one["totalCount"] == 3
    assert [e["node"]["id"] for e in page_two["edges"]] == ids[2:]
    assert page_two["pageInfo"]["hasNextPage"] is False


@pytest.mark.asyncio
async def test_customer_types_are_listed_for_an_app(
    sandbox: SandboxSaleor, fake_app: FakeApp, installed: App
) -> None:
    query = "{ customerTypes(first: 10) { edges { node { name slug isDefault } } } }"

    response = await graphql(sandbox, query, token=fake_app.token)

    nodes = [e["node"] for e in response.json()["data"]["customerTypes"]["edges"]]
    assert nodes == [
        {"name": "No pricing", "slug": "no-pricing", "isDefault": True},
        {"name": "Wholesale", "slug": "price-wholesale", "isDefault": False},
        {"name": "Retail", "slug": "price-retail", "isDefault": False},
    ]
