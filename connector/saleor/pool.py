"""One Saleor client per installation, and each store's customer type ids."""

from __future__ import annotations

from connector.errors import ConfigurationError
from connector.saleor.client import SaleorClient
from connector.store.installations import Installation


class SaleorPool:
    """Clients kept open per Saleor API URL; customer type ids cached per store."""

    def __init__(self, *, timeout_s: float = 10.0) -> None:
        self._timeout_s = timeout_s
        self._clients: dict[str, SaleorClient] = {}
        self._types: dict[str, dict[str, str]] = {}

    def client(self, installation: Installation) -> SaleorClient:
        """The client for this installation, created on first use."""
        client = self._clients.get(installation.api_url)
        if client is None:
            client = SaleorClient(
                installation.api_url, installation.token, timeout_s=self._timeout_s
            )
            self._clients[installation.api_url] = client
        return client

    async def customer_type_id(self, installation: Installation, slug: str) -> str:
        """The id of the customer type `slug`; the list is fetched again on a miss.

        Raises:
            ConfigurationError: the store has no customer type with that slug.
        """
        types = self._types.get(installation.api_url, {})
        if slug not in types:
            types = await self.client(installation).customer_types()
            self._types[installation.api_url] = types
        if slug not in types:
            raise ConfigurationError(
                f"the store {installation.api_url} has no customer type {slug!r}; "
                "create it in the dashboard or change the price list mapping"
            )
        return types[slug]

    async def has_customer_type(self, installation: Installation, slug: str) -> bool:
        """Whether the store has the customer type `slug` (fetched again on a miss)."""
        try:
            await self.customer_type_id(installation, slug)
        except ConfigurationError:
            return False
        return True

    async def missing_types(
        self, installation: Installation, slugs: set[str]
    ) -> list[str]:
        """The slugs among `slugs` that the store lacks, fetched fresh."""
        types = await self.client(installation).customer_types()
        self._types[installation.api_url] = types
        return sorted(slugs - types.keys())

    def forget_types(self, api_url: str) -> None:
        """Drop the cached customer types of a store: they are read again."""
        self._types.pop(api_url, None)

    def forget(self, api_url: str) -> None:
        """Drop a client whose token changed (reinstall)."""
        self._clients.pop(api_url, None)
        self._types.pop(api_url, None)

    async def aclose(self) -> None:
        """Close every client."""
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
