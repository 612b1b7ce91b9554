"""Reading a customer out of Saleor's `User` JSON (webhook payload or query).

Public metadata is the customer's own: the keys below are claims they may make at
registration (`accountRegister(input: {metadata: [...]})`), never link state.
"""

from __future__ import annotations

from typing import Any

from connector.linking.model import Customer

CLAIMED_ACCOUNT_KEY = "erp.claimed_account"
INVITE_TOKEN_KEY = "erp.invite"


def metadata_dict(items: list[dict[str, str]] | None) -> dict[str, str]:
    """Saleor's `[{key, value}]` as a dict."""
    return {item["key"]: item["value"] for item in items or []}


def customer_from_user(user: dict[str, Any]) -> Customer:
    """A `Customer` from the `LinkCustomer` fragment's fields."""
    public = metadata_dict(user.get("metadata"))
    address = user.get("defaultBillingAddress") or {}
    return Customer(
        user_id=str(user["id"]),
        email=str(user.get("email") or ""),
        is_confirmed=bool(user.get("isConfirmed")),
        is_active=bool(user.get("isActive", True)),
        claimed_account=public.get(CLAIMED_ACCOUNT_KEY, "").strip(),
        billing_post_code=str(address.get("postalCode") or ""),
        invite_token=public.get(INVITE_TOKEN_KEY, "").strip(),
    )
