"""The running processes follow the newest stored policy version.

An admin's policy change is stored (`PolicyStore`) and applied at once in the
process that took it; every other `erplink serve` or `erplink worker` process
picks it up within `POLICY_POLL_S`, polled by `follow_policy`.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from sqlalchemy.exc import SQLAlchemyError

from connector.errors import ErplinkError
from connector.linking.domains import DomainClassifier
from connector.linking.policy import Policy
from connector.reviewer import Reviewer
from connector.services import Services
from connector.store.links import Actor
from connector.store.policies import PolicyVersion

log = structlog.get_logger(__name__)

POLICY_POLL_S = 5.0


def use_policy(services: Services, policy: Policy) -> None:
    """Make `policy` the one this process links by, from the next decision on."""
    services.policy = policy
    services.processor.policy = policy
    services.processor.domains = DomainClassifier(policy.extra_free_mail_domains)


async def adopt_latest(services: Services) -> PolicyVersion | None:
    """Use the newest stored version, if there is one and it is not in use yet."""
    latest = await services.policies.latest()
    if latest is not None and latest.policy != services.policy:
        use_policy(services, latest.policy)
        log.info("policy.adopted", version=latest.version)
    return latest


async def save_policy(
    services: Services, policy: Policy, reviewer: Reviewer
) -> PolicyVersion:
    """Store an admin's policy as the newest version and use it here at once."""
    version = await services.policies.save(
        policy, Actor(reviewer.role.value, reviewer.name)
    )
    use_policy(services, policy)
    log.info("policy.updated", version=version.version, role=reviewer.role.value)
    return version


async def follow_policy(
    services: Services, stop: asyncio.Event, interval_s: float = POLICY_POLL_S
) -> None:
    """Adopt newer stored versions until `stop` is set (first check at once)."""
    while not stop.is_set():
        await adopt_safely(services)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s)


async def adopt_safely(services: Services) -> None:
    """`adopt_latest`, logging instead of failing while the store does not answer."""
    try:
        await adopt_latest(services)
    except (ErplinkError, SQLAlchemyError) as exc:
        log.warning("policy.poll_failed", error=type(exc).__name__)
