"""Fetching a Saleor store's JWKS from the `/.well-known/jwks.json` of its origin."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx

from connector.tls import client_tls

JWKS_TIMEOUT_S = 5.0


def jwks_url(api_url: str) -> str:
    """`https://shop.example/graphql/` -> `https://shop.example/.well-known/jwks.json`."""
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}/.well-known/jwks.json"


async def fetch_jwks(api_url: str) -> str:
    """The store's JWKS as a JSON string.

    Raises:
        httpx.HTTPError: the store did not serve it.
        ValueError: what it served is not a JWKS.
    """
    async with httpx.AsyncClient(
        timeout=JWKS_TIMEOUT_S, follow_redirects=False, verify=client_tls()
    ) as http:
        response = await http.get(jwks_url(api_url))
        response.raise_for_status()
    document = response.json()
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("the JWKS has no list of keys")
    return json.dumps(document, sort_keys=True)
