"""Outgoing HTTP clients configured the way Saleor calls apps."""

from __future__ import annotations

import httpx

from connector.tls import client_tls

CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 18.0


def new_client() -> httpx.AsyncClient:
    """Return a client with Saleor's limits: 2 s connect, 18 s read, no redirects."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        follow_redirects=False,
        verify=client_tls(),
    )
