"""Errors of the Saleor client, translated from gql and httpx at the boundary.

::

    SaleorError                    (connector.errors.ErplinkError)
    ├── SaleorUnavailableError     network error, timeout or 5xx after the retries
    ├── SaleorGraphQLError         top-level GraphQL errors (a missing permission)
    ├── StaleCustomerTypesError    a cached customer type no longer exists
    └── SaleorMutationError        the mutation's own `errors` list
"""

from __future__ import annotations

from typing import Any

from connector.errors import ErplinkError


class SaleorError(ErplinkError):
    """Root of the errors talking to Saleor."""

    code = "saleor_error"


class SaleorUnavailableError(SaleorError):
    """Saleor did not answer usefully; the same call may succeed later."""

    code = "saleor_unavailable"
    transient = True


class SaleorGraphQLError(SaleorError):
    """Saleor refused the operation as a whole."""

    code = "saleor_graphql_error"


class StaleCustomerTypesError(SaleorError):
    """A customer type erplink knew is gone from the store; decide again."""

    code = "stale_customer_types"
    transient = True


class SaleorMutationError(SaleorError):
    """The mutation ran and reported errors on its input."""

    code = "saleor_mutation_error"

    def __init__(self, operation: str, errors: list[dict[str, Any]]) -> None:
        described = "; ".join(
            f"{e.get('field') or '-'}: {e.get('code')} {e.get('message') or ''}".strip()
            for e in errors
        )
        super().__init__(f"{operation} failed: {described}")
        self.errors = errors
