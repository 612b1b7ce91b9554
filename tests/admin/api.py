"""Calling the admin API over real HTTP, as a client would."""

from __future__ import annotations

from typing import Any

import httpx

from connector.demo import Demo
from connector.reviewer import Role

TIMEOUT_S = 10.0


async def call(
    demo: Demo,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
) -> dict[str, Any]:
    """POST one operation to /graphql; the JSON body of the answer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
        response = await http.post(
            f"{demo.server.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    """The `extensions.code` of each error in an answer."""
    return [e["extensions"]["code"] for e in body.get("errors") or []]


async def key_for(demo: Demo, role: Role, name: str, rep: str = "") -> str:
    """A fresh API key."""
    return await demo.services.api_keys.create(role, name, rep)
