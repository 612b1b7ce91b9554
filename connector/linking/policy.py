"""The merchant's linking policy and price list mapping.

A policy is data: which strategies may link without a person, the credit limit above
which an admin approves, extra free-mail domains, and which Saleor customer type
stands for each ERP price list. It is read from the `[policy]` and `[price_lists]`
tables of the settings file (see `erplink.toml`).
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from connector.errors import ConfigurationError
from connector.linking.model import Strategy

DEFAULT_AUTO_LINK = frozenset(
    {Strategy.INVITE, Strategy.CONTACT_EMAIL, Strategy.ACCOUNT_NUMBER}
)


class Policy(BaseModel):
    """What may link on its own, and what needs a person.

    Attributes:
        auto_link: strategies whose match links without a rep; a match by any other
            strategy waits for the account's sales rep.
        credit_limit_threshold: accounts with a higher credit limit wait for an admin;
            None disables the check.
        extra_free_mail_domains: merchant additions to the free-mail list.
        max_claim_attempts: typed account numbers a customer may try before claims
            are ignored and a rep decides.
        no_pricing_customer_type: slug of the customer type that shows no prices.
        price_lists: ERP price list (price group) -> Saleor customer type slug.
        metadata_only: stores before Saleor 3.23.26 have no customer types: write
            private metadata only.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    auto_link: frozenset[Strategy] = DEFAULT_AUTO_LINK
    credit_limit_threshold: Decimal | None = Decimal(100_000)
    extra_free_mail_domains: frozenset[str] = frozenset()
    max_claim_attempts: int = Field(default=5, ge=1)
    no_pricing_customer_type: str = "no-pricing"
    price_lists: dict[str, str] = Field(default_factory=dict)
    metadata_only: bool = False

    @field_validator("extra_free_mail_domains")
    @classmethod
    def _lower_domains(cls, domains: frozenset[str]) -> frozenset[str]:
        return frozenset(d.strip().lower() for d in domains)

    def customer_type_for(self, price_list: str) -> str | None:
        """The customer type slug mapped to an ERP price list, or None."""
        return self.price_lists.get(price_list)

    @property
    def customer_types(self) -> frozenset[str]:
        """Every customer type slug the policy needs to exist in Saleor."""
        return frozenset({self.no_pricing_customer_type, *self.price_lists.values()})


def policy_from_mapping(data: dict[str, Any], *, source: str = "policy") -> Policy:
    """Build a policy from parsed settings: `policy` and `price_lists` tables.

    Raises:
        ConfigurationError: a value is of the wrong kind; the message names it.
    """
    fields = dict(data.get("policy", {}))
    fields["price_lists"] = data.get("price_lists", {})
    try:
        return Policy.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigurationError(f"{source}: {problems}") from exc


def load_policy(path: Path) -> Policy:
    """Read the policy from a TOML settings file.

    Raises:
        ConfigurationError: the file is missing, not TOML, or holds bad values.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read policy file {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(
            f"policy file {path} is not valid TOML: {exc}"
        ) from exc

    return policy_from_mapping(data, source=str(path))
