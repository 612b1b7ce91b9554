"""Applying an admin's `PolicyInput` to the policy in use."""

from __future__ import annotations

from typing import Any

from connector.admin.config_types import PolicyInput
from connector.linking.policy import Policy, policy_from_mapping


def changed_policy(current: Policy, changes: PolicyInput) -> Policy:
    """The current policy with the given fields replaced, validated as a whole.

    Raises:
        ConfigurationError: a value is not acceptable; the message names it.
    """
    fields: dict[str, Any] = current.model_dump()
    updates = {
        "auto_link": changes.auto_link,
        "credit_limit_threshold": changes.credit_limit_threshold,
        "extra_free_mail_domains": changes.extra_free_mail_domains,
        "max_claim_attempts": changes.max_claim_attempts,
        "no_pricing_customer_type": changes.no_pricing_customer_type,
        "metadata_only": changes.metadata_only,
    }
    fields |= {k: v for k, v in updates.items() if v is not None}
    if changes.clear_credit_limit_threshold:
        fields["credit_limit_threshold"] = None
    price_lists = fields.pop("price_lists")
    if changes.price_lists is not None:
        price_lists = {m.price_list: m.customer_type for m in changes.price_lists}
    return policy_from_mapping(
        {"policy": fields, "price_lists": price_lists}, source="policy update"
    )
