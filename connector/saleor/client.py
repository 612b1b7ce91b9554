"""The Saleor client: gql over httpx, one per installation.

Network errors, timeouts and 5xx answers are retried with exponential backoff and
jitter; what is still failing then becomes `SaleorUnavailableError`, which the worker
treats as "try the event again later". GraphQL errors are final.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
import structlog
from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.exceptions import (
    TransportError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.httpx import HTTPXAsyncTransport

from connector.saleor.documents import document
from connector.saleor.errors import (
    SaleorGraphQLError,
    SaleorMutationError,
    SaleorUnavailableError,
)
from connector.tls import client_tls

log = structlog.get_logger(__name__)

TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 3.0
RETRIES = 3
BACKOFF_BASE_S = 0.2


class SaleorClient:
    """Talks to one Saleor API as the installed app."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        timeout_s: float = TIMEOUT_S,
        retries: int = RETRIES,
        backoff_s: float = BACKOFF_BASE_S,
    ) -> None:
        self.api_url = api_url
        self._retries = retries
        self._backoff_s = backoff_s
        transport = HTTPXAsyncTransport(
            url=api_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S),
            follow_redirects=False,
            verify=client_tls(),
        )
        self._client = Client(transport=transport, fetch_schema_from_transport=False)
        self._session: AsyncClientSession | None = None
        self._lock = asyncio.Lock()

    async def execute(self, operation: str, **variables: Any) -> dict[str, Any]:
        """Run the named operation from graphql/ and return its `data`.

        Raises:
            SaleorUnavailableError: still failing after the retries.
            SaleorGraphQLError: Saleor answered with top-level errors.
        """
        request = GraphQLRequest(document(operation), variable_values=variables)
        for attempt in range(self._retries + 1):
            try:
                session = await self._connected()
                return await session.execute(request)
            except TransportQueryError as exc:
                raise SaleorGraphQLError(f"{operation}: {_messages(exc)}") from exc
            except (TransportServerError, TransportError, httpx.TransportError) as exc:
                if not _retryable(exc) or attempt == self._retries:
                    raise SaleorUnavailableError(
                        f"{operation}: Saleor at {self.api_url} did not answer: "
                        f"{type(exc).__name__}"
                    ) from exc
                log.warning(
                    "saleor.retry",
                    operation=operation,
                    attempt=attempt + 1,
                    error=type(exc).__name__,
                )
                await asyncio.sleep(
                    self._backoff_s * 2**attempt * random.uniform(0.5, 1.5)
                )
        raise AssertionError("unreachable")  # pragma: no cover

    async def app_id(self) -> str | None:
        """The id of the app this token belongs to; None for a token Saleor rejects."""
        try:
            data = await self.execute("AppId")
        except SaleorGraphQLError:
            return None
        app = data.get("app")
        return str(app["id"]) if app else None

    async def customer(self, user_id: str) -> dict[str, Any] | None:
        """The customer as erplink reads it (fragment LinkCustomer), or None."""
        data = await self.execute("Customer", id=user_id)
        user: dict[str, Any] | None = data.get("user")
        return user

    async def customer_types(self) -> dict[str, str]:
        """Every customer type of the store: slug -> id."""
        types: dict[str, str] = {}
        after: str | None = None
        while True:
            page = (await self.execute("CustomerTypes", after=after))["customerTypes"]
            types.update({e["node"]["slug"]: e["node"]["id"] for e in page["edges"]})
            if not page["pageInfo"]["hasNextPage"]:
                return types
            after = page["pageInfo"]["endCursor"]

    async def update_customer(
        self,
        user_id: str,
        *,
        private_metadata: dict[str, str],
        customer_type_id: str | None = None,
    ) -> None:
        """Set the customer type (when given) and private metadata in one call.

        Raises:
            SaleorMutationError: Saleor refused the input (unknown type, ...).
        """
        payload: dict[str, Any] = {
            "privateMetadata": [
                {"key": k, "value": v} for k, v in private_metadata.items()
            ]
        }
        if customer_type_id is not None:
            payload["customerType"] = customer_type_id
        data = await self.execute("UpdateCustomerLink", id=user_id, input=payload)
        errors = data["customerUpdate"]["errors"]
        if errors:
            raise SaleorMutationError("customerUpdate", errors)

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._session is not None:
            await self._client.close_async()
            self._session = None

    async def _connected(self) -> AsyncClientSession:
        if self._session is None:
            async with self._lock:
                if self._session is None:
                    self._session = await self._client.connect_async()
        return self._session


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, TransportServerError):
        return exc.code is None or exc.code >= 500
    return True


def _messages(exc: TransportQueryError) -> str:
    errors = exc.errors or []
    return "; ".join(str(e.get("message", e)) for e in errors) or str(exc)
