"""Asking the ERP adapter what it knows about one customer, in one round.

Time limits, retries and the circuit breaker are the adapter guard's
(`erp_adapters/resilience.py`), which bounds every single call.
"""

from __future__ import annotations

import asyncio

from connector.linking.domains import DomainClassifier
from connector.linking.model import Account, Customer, Evidence
from erp_adapters.base import ErpAdapter


async def gather_evidence(
    adapter: ErpAdapter, customer: Customer, domains: DomainClassifier
) -> Evidence:
    """Contact, claimed account and domain accounts, looked up concurrently.

    Free-mail and disposable domains are never looked up (safety rule 3).

    Raises:
        ErpError: the adapter failed; transient ones mean "ask again later".
    """
    domain = domains.classify(customer.email)
    contact, claimed, by_domain = await asyncio.gather(
        adapter.contact_by_email(customer.email.lower()),
        _claimed(adapter, customer.claimed_account),
        adapter.accounts_by_domain(domain.domain) if domain.usable else _none(),
    )

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
