"""A storefront-like GraphQL client for the sandbox's own public mutations."""

from __future__ import annotations

from typing import Any

from connector.sandbox.errors import SandboxRequestError
from connector.sandbox.http import new_client

REGISTER_MUTATION = """
mutation Register($input: AccountRegisterInput!) {
  accountRegister(input: $input) {
    requiresConfirmation
    errors { field code message }
  }
}
"""

CONFIRM_MUTATION = """
mutation Confirm($email: String!, $token: String!) {
  confirmAccount(email: $email, token: $token) {
    errors { field code message }
  }
}
"""


def metadata_input(values: dict[str, str] | None) -> list[dict[str, str]]:
    """Turn a plain dict into a ``[MetadataInput!]`` value."""
    return [{"key": key, "value": value} for key, value in (values or {}).items()]


async def run_mutation(
    api_url: str, query: str, variables: dict[str, Any], field: str
) -> dict[str, Any]:
    """POST a mutation anonymously and return its payload.

    Raises:
        SandboxRequestError: Top-level errors, or errors in the payload.
    """
    async with new_client() as client:
        response = await client.post(
            api_url, json={"query": query, "variables": variables}
        )
    body = response.json()
    if body.get("errors"):
        raise SandboxRequestError(field, body["errors"])

    result: dict[str, Any] = body["data"][field]
    if result["errors"]:
        raise SandboxRequestError(field, result["errors"])
    return result


async def account_register(api_url: str, input_value: dict[str, Any]) -> dict[str, Any]:
    """Run ``accountRegister`` with ``input_value`` as a storefront would."""
    variables = {"input": input_value}
    return await run_mutation(api_url, REGISTER_MUTATION, variables, "accountRegister")


async def confirm_account(api_url: str, email: str, token: str) -> dict[str, Any]:
    """Run ``confirmAccount`` as the customer's confirmation link would."""
    variables = {"email": email, "token": token}
    return await run_mutation(api_url, CONFIRM_MUTATION, variables, "confirmAccount")
