"""Asking the ERP adapter what it knows about one customer, in one round."""

from __future__ import annotations

import asyncio

from connector.linking.domains import DomainClassifier
from connector.linking.model import Account, Customer, Evidence
from erp_adapters.base import ErpAdapter, ErpUnavailableError

ERP_TIMEOUT_S = 10.0


async def gather_evidence(
    adapter: ErpAdapter,
    customer: Customer,
    domains: DomainClassifier,
    *,
    timeout_s: float = ERP_TIMEOUT_S,
) -> Evidence:
    """Contact, claimed account and domain accounts, looked up concurrently.

    Free-mail and disposable domains are never looked up (safety rule 3).

    Raises:
        ErpUnavailableError: the ERP did not answer within `timeout_s`.
    """
    domain = domains.classify(customer.email)
    try:
        async with asyncio.timeout(timeout_s):
            contact, claimed, by_domain = await asyncio.gather(
                adapter.contact_by_email(customer.email.lower()),
                _claimed(adapter, customer.claimed_account),
                adapter.accounts_by_domain(domain.domain) if domain.usable else _none(),
            )
    except TimeoutError as exc:
        raise ErpUnavailableError(
            f"the {adapter.name} ERP adapter did not answer within {timeout_s:g} s"
        ) from exc

    return Evidence(
        contact=contact[0] if contact else None,
        contact_account=contact[1] if contact else None,
        claimed_account=claimed,
        domain_accounts=tuple(by_domain),
        domain=domain.domain if domain.usable else "",
        domain_excluded="" if domain.usable else domain.verdict.value,
    )


async def _claimed(adapter: ErpAdapter, number: str) -> Account | None:
    return await adapter.account_by_number(number) if number else None


async def _none() -> list[Account]:
    return []
