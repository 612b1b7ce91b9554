"""The HTTP connections of one page service, as several small pools.

httpcore walks every connection of a pool, with a `poll()` of each idle socket,
whenever a request enters or leaves the pool; with C connections in one pool that
is O(C) per request and was the largest part of the adapter's CPU at C=16. So a
page's `max_connections` are split into pools of at most `POOL_CONNECTIONS`, and
each request goes to the pool with the fewest requests in flight. The sum of the
pools' sizes is exactly `max_connections`, which still bounds the calls in flight.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from connector.tls import client_tls

POOL_CONNECTIONS = 4


class Pools:
    """httpx clients sharing one page's connections, the least busy used first.

    Args:
        auth: HTTP Basic credentials, or None (WS-Security sends them in the
            envelope).
        timeout: per request.
        max_connections: all the pools' connections together.

    Attributes:
        sizes: each pool's connections, as even as can be.
        clients: the pools, as httpx clients.
    """

    def __init__(
        self,
        *,
        auth: httpx.Auth | None,
        timeout: httpx.Timeout,
        max_connections: int,
    ) -> None:
        count = -(-max_connections // POOL_CONNECTIONS)
        self.sizes = [
            max_connections // count + (1 if index < max_connections % count else 0)
            for index in range(count)
        ]
        self.clients = [
            httpx.AsyncClient(
                auth=auth, timeout=timeout, limits=_limits(size), verify=client_tls()
            )
            for size in self.sizes
        ]
        self._busy = [0] * count

    @property
    def timeout(self) -> httpx.Timeout:
        """The timeouts every request has."""
        return self.clients[0].timeout

    def use_headers(self, headers: Mapping[str, str]) -> None:
        """Sends these headers with every request of every pool."""
        for client in self.clients:
            client.headers.update(headers)

    async def post(
        self, url: str, *, content: bytes, headers: Mapping[str, str]
    ) -> httpx.Response:
        """POSTs on the pool with the fewest requests in flight."""
        index = self._busy.index(min(self._busy))
        self._busy[index] += 1
        try:
            return await self.clients[index].post(url, content=content, headers=headers)
        finally:
            self._busy[index] -= 1

    async def aclose(self) -> None:
        """Closes every pool's connections."""
        for client in self.clients:
            await client.aclose()


def _limits(size: int) -> httpx.Limits:
    """`size` connections, all kept alive between calls."""
    return httpx.Limits(max_connections=size, max_keepalive_connections=size)
