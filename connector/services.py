"""Everything a running erplink shares: store, adapter, policy, clients.

Built once at start-up (`open_services`), handed to the HTTP app and the workers, and
closed at shutdown. Nothing else holds state between requests.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from connector.adapter_config import open_adapter
from connector.apikeys import ApiKeyStore
from connector.campaigns.activity import ActivityStore
from connector.campaigns.invites import InviteStore
from connector.campaigns.redemption import InviteChecker
from connector.campaigns.tokens import invite_key
from connector.dashboard_tokens import DashboardTokens, RepDirectory
from connector.errors import ErplinkError
from connector.linking.domains import DomainClassifier
from connector.linking.policy import Policy, load_policy
from connector.mail.outbox import Outbox
from connector.processing import LinkProcessor
from connector.review import ReviewService
from connector.saleor.pool import SaleorPool
from connector.settings import Settings
from connector.store.database import create_engine, migrate, sessionmaker
from connector.store.inbox import Inbox
from connector.store.installations import InstallationStore
from connector.store.jobs import JobStore
from connector.store.links import LinkStore
from connector.store.policies import PolicyStore
from connector.store.reviews import ReviewStore
from erp_adapters.base import ErpError
from erp_adapters.resilience import ResilientAdapter
from webhooks.intake import Intake
from webhooks.jwks import fetch_jwks
from webhooks.signatures import WebhookVerifier

log = structlog.get_logger(__name__)


@dataclass
class Services:
    """The shared parts of one erplink process."""

    settings: Settings
    engine: AsyncEngine
    inbox: Inbox
    intake: Intake
    links: LinkStore
    installations: InstallationStore
    verifier: WebhookVerifier
    adapter: ResilientAdapter
    policy: Policy
    saleor: SaleorPool
    processor: LinkProcessor
    outbox: Outbox
    review: ReviewService
    api_keys: ApiKeyStore
    dashboard_tokens: DashboardTokens
    policies: PolicyStore
    jobs: JobStore
    activity: ActivityStore
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    missing_types: dict[str, list[str]] = field(default_factory=dict)

    async def check_customer_types(self) -> dict[str, list[str]]:
        """Per installation, the mapped customer types its store lacks (logged).

        A store that cannot be asked right now is skipped: linking checks again.
        """
        if self.policy.metadata_only:
            return {}
        wanted = set(self.policy.customer_types)
        for installation in await self.installations.all():
            try:
                missing = await self.saleor.missing_types(installation, wanted)
            except ErplinkError as exc:
                log.warning("startup.customer_types_unchecked", error=exc.code)
                continue
            self.missing_types[installation.api_url] = missing
            if missing:
                log.warning(
                    "startup.customer_types_missing",
                    api_url=installation.api_url,
                    missing=missing,
                )
        return self.missing_types

    async def aclose(self) -> None:
        """Close the adapter, the Saleor clients, the intake's helper process and
        the database pool."""
        await self.adapter.close()
        await self.saleor.aclose()
        await self.intake.close()
        await self.engine.dispose()


async def _first_health(adapter: ResilientAdapter) -> None:
    """A misconfigured adapter (a missing or malformed ERP file, refused
    credentials) fails start-up here; an ERP that is merely down does not, because
    events wait in the inbox until it is back."""
    try:
        await adapter.health()
    except ErpError as exc:
        if not exc.transient:
            raise
        log.warning("startup.erp_unavailable", adapter=adapter.name, error=exc.code)


async def open_services(
    settings: Settings, *, run_migrations: bool | None = None
) -> Services:
    """Connect everything; migrations run by default on SQLite only.

    Raises:
        ConfigurationError: the policy, the adapter or its data cannot be used.
    """
    policy = load_policy(settings.policy_file)
    adapter = open_adapter(settings)
    await _first_health(adapter)
    engine = create_engine(settings.resolved_database_url())
    if (
        run_migrations
        if run_migrations is not None
        else engine.dialect.name == "sqlite"
    ):
        await migrate(engine)

    sessions = sessionmaker(engine)
    inbox = Inbox(sessions)
    installations = InstallationStore(sessions, settings.resolved_secret())
    links = LinkStore(sessions)
    saleor = SaleorPool(timeout_s=settings.saleor_timeout_s)
    outbox = Outbox(sessions)
    processor = LinkProcessor(
        installations=installations,
        links=links,
        adapter=adapter,
        policy=policy,
        domains=DomainClassifier(policy.extra_free_mail_domains),
        saleor=saleor,
        on_awaiting_rep=outbox.link_awaiting_rep,
        invites=InviteChecker(
            InviteStore(sessions), invite_key(settings.resolved_secret()), adapter
        ),
    )
    verifier = WebhookVerifier(
        installations, fetch_jwks, refetch_interval_s=settings.jwks_refetch_interval_s
    )
    return Services(
        settings=settings,
        engine=engine,
        inbox=inbox,
        intake=Intake(inbox, sessions, helper_process=settings.intake_helper),
        links=links,
        installations=installations,
        verifier=verifier,
        adapter=adapter,
        policy=policy,
        saleor=saleor,
        processor=processor,
        outbox=outbox,
        review=ReviewService(processor, installations, ReviewStore(sessions)),
        api_keys=ApiKeyStore(sessions, settings.resolved_secret()),
        dashboard_tokens=DashboardTokens(
            installations, verifier, RepDirectory(adapter)
        ),
        policies=PolicyStore(sessions),
        jobs=JobStore(sessions),
        activity=ActivityStore(sessions),
    )
