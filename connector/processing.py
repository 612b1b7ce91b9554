"""Processing one inbox delivery: the path of a registration after the webhook.

For a customer event: read the customer from the payload, gather the ERP's evidence,
let the engine decide, write the result to Saleor (customer type and private
metadata in one `customerUpdate`), then record it in erplink's store with its audit
entry. Saleor is written before the store so that a failed write leaves the link
where it was and the retried event decides again; every write is idempotent.

A customer is never released without a decision: until one links them they carry
the "no pricing" customer type, written together with their waiting state.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog

from connector.evidence import gather_evidence
from connector.linking.domains import DomainClassifier
from connector.linking.engine import Approval, decide, judge
from connector.linking.model import Customer, Decision, Evidence, LinkState, Reason
from connector.linking.payload import customer_from_user
from connector.linking.policy import Policy
from connector.saleor.errors import SaleorMutationError, StaleCustomerTypesError
from connector.saleor.pool import SaleorPool
from connector.store.clock import now
from connector.store.inbox import InboxItem
from connector.store.installations import Installation, InstallationStore
from connector.store.links import SYSTEM, Actor, Link, LinkStore
from erp_adapters.base import ErpAdapter

log = structlog.get_logger(__name__)

# States a new customer event may move on from; a link that is linked, or rejected
# by a person, changes only through support's resync or relink.
_OPEN_STATES = frozenset(
    {
        LinkState.RECEIVED,
        LinkState.ON_HOLD,
        LinkState.MATCHING,
        LinkState.AWAITING_EMAIL_CONFIRMATION,
        LinkState.AWAITING_REP,
        LinkState.AWAITING_ADMIN,
        LinkState.UNMATCHED,
    }
)
STATUS_KEY = "erp.link_status"
# Audit actor kinds of people whose confirmation the engine honours (see Role).
_PEOPLE = frozenset({"admin", "sales_rep", "support"})
_LINK_KEYS = ("erp.account", "erp.price_list", "erp.strategy", "erp.linked_at")


@dataclass
class LinkProcessor:
    """Turns customer events into link decisions written to Saleor and the store."""

    installations: InstallationStore
    links: LinkStore
    adapter: ErpAdapter
    policy: Policy
    domains: DomainClassifier
    saleor: SaleorPool
    # Called with a link that has just entered awaiting_rep (the rep mail's outbox).
    on_awaiting_rep: Callable[[Link], Awaitable[None]] | None = None

    async def handle(self, item: InboxItem) -> Link | None:
        """Process one delivery; None when it concerns no customer."""
        user = json.loads(item.payload).get("user")
        installation = await self.installations.by_id(item.installation_id)
        if not user or installation is None:
            return None

        customer = customer_from_user(user)
        link = await self.links.get_or_create(
            installation.id, customer.user_id, customer.email
        )
        if link.state not in _OPEN_STATES:
            return link

        return await self.relink(installation, link, customer, inbox_id=item.id)

    async def relink(
        self,
        installation: Installation,
        link: Link,
        customer: Customer,
        *,
        inbox_id: int | None = None,
        actor: Actor = SYSTEM,
    ) -> Link:
        """Decide again for a customer and write the outcome everywhere."""
        new_claim = customer.claimed_account not in ("", link.claimed_account)
        attempts = link.claim_attempts + int(new_claim)
        evidence = await gather_evidence(self.adapter, customer, self.domains)
        decision = decide(customer, evidence, self.policy, claim_attempts=attempts)
        decision = await self._keep_persons_choice(link, customer, decision)
        decision = await self._ensure_type_exists(installation, decision)
        updated = _apply(link, customer, decision, attempts)
        record = _evidence_record(decision, evidence)
        return await self.commit(
            installation, link, updated, record, inbox_id=inbox_id, actor=actor
        )

    async def apply_decision(
        self,
        installation: Installation,
        link: Link,
        customer: Customer,
        decision: Decision,
        *,
        actor: Actor,
        evidence: dict[str, Any],
    ) -> Link:
        """Write a decision made outside the engine's own run (a person's review)."""
        decision = await self._ensure_type_exists(installation, decision)
        updated = _apply(link, customer, decision, link.claim_attempts)
        record = _evidence_record(decision, Evidence()) | evidence
        return await self.commit(installation, link, updated, record, actor=actor)

    async def commit(
        self,
        installation: Installation,
        link: Link,
        updated: Link,
        evidence: dict[str, Any],
        *,
        actor: Actor = SYSTEM,
        inbox_id: int | None = None,
    ) -> Link:
        """Write `updated` to Saleor (when its view changed), then to the store."""
        if _saleor_view(updated) != _saleor_view(link):
            clear = link.state is LinkState.LINKED
            await self._write_to_saleor(installation, updated, clear=clear)
        saved = await self.links.save(
            link, updated, actor=actor, evidence=evidence, inbox_id=inbox_id
        )
        if saved.state is not link.state:
            log.info(
                "link.transition",
                link=saved.id,
                from_state=link.state.value,
                to_state=saved.state.value,
                reason=saved.reason,
                strategy=saved.strategy,
                account=saved.account_number,
            )
        if self.on_awaiting_rep and _entered_awaiting_rep(link, saved):
            await self.on_awaiting_rep(saved)
        return saved

    async def _keep_persons_choice(
        self, link: Link, customer: Customer, decision: Decision
    ) -> Decision:
        """A rep or admin already chose this account and only the mailbox was
        missing: once it is proven, their choice stands instead of asking again."""
        if (
            link.state is not LinkState.AWAITING_EMAIL_CONFIRMATION
            or decision.state is not LinkState.AWAITING_REP
        ):
            return decision
        chosen = [
            c for c in decision.candidates if c.account.number == link.account_number
        ]
        history = await self.links.history(link.id) if chosen else []
        if not history or history[-1].actor.kind not in _PEOPLE:
            return decision

        approvals = frozenset({Approval.REP})
        if history[-1].actor.kind == "admin":
            approvals |= {Approval.ADMIN}
        return judge(chosen[0], customer, self.policy, approvals=approvals)

    async def _ensure_type_exists(
        self, installation: Installation, decision: Decision
    ) -> Decision:
        """A link whose customer type the store lacks waits for an admin instead."""
        if decision.state is not LinkState.LINKED or self.policy.metadata_only:
            return decision
        if await self.saleor.has_customer_type(installation, decision.customer_type):
            return decision

        log.warning("link.customer_type_missing", customer_type=decision.customer_type)
        return dataclasses.replace(
            decision,
            state=LinkState.AWAITING_ADMIN,
            reason=Reason.CUSTOMER_TYPE_MISSING,
        )

    async def write_link(
        self, installation: Installation, link: Link, *, clear: bool = True
    ) -> None:
        """Write the link's state to Saleor as stored (a repair after drift).

        With `clear`, the account keys an earlier link wrote are blanked too.
        """
        await self._write_to_saleor(installation, link, clear=clear)

    async def _write_to_saleor(
        self, installation: Installation, link: Link, *, clear: bool = False
    ) -> None:
        client = self.saleor.client(installation)
        metadata = {STATUS_KEY: link.state.value}
        if clear:
            # customerUpdate merges metadata: blank values overwrite what an earlier
            # link left, so a withdrawn link never keeps showing its old account.
            metadata |= dict.fromkeys(_LINK_KEYS, "")
        slug = self.policy.no_pricing_customer_type
        if link.state is LinkState.LINKED:
            metadata |= {
                "erp.account": link.account_number,
                "erp.price_list": link.price_list,
                "erp.strategy": link.strategy,
                "erp.linked_at": now().isoformat(timespec="seconds"),
            }
            slug = link.customer_type
        type_id = None
        if not self.policy.metadata_only:
            type_id = await self.saleor.customer_type_id(installation, slug)
        try:
            await client.update_customer(
                link.user_id, private_metadata=metadata, customer_type_id=type_id
            )
        except SaleorMutationError as exc:
            if not any(e.get("field") == "customerType" for e in exc.errors):
                raise
            self.saleor.forget_types(installation.api_url)
            raise StaleCustomerTypesError(
                f"customer type {slug!r} vanished from the store; deciding again"
            ) from exc


def _apply(link: Link, customer: Customer, decision: Decision, attempts: int) -> Link:
    chosen = decision.account
    return dataclasses.replace(
        link,
        email=customer.email,
        state=decision.state,
        reason=decision.reason.value,
        strategy=decision.strategy.value if decision.strategy else "",
        account_number=chosen.number if chosen else "",
        price_list=decision.price_list,
        customer_type=decision.customer_type
        if decision.state is LinkState.LINKED
        else "",
        candidates=[
            {
                "account": c.account.number,
                "name": c.account.name,
                "strategy": c.strategy.value,
                "matched": list(c.matched),
            }
            for c in decision.candidates
        ],
        claimed_account=customer.claimed_account,
        claim_attempts=attempts,
    )


def _entered_awaiting_rep(old: Link, saved: Link) -> bool:
    """A new version awaiting a rep: a new decision, so a new mail."""
    return saved.state is LinkState.AWAITING_REP and saved.version != old.version


def _saleor_view(link: Link) -> tuple[str, str, str]:
    """What erplink writes to Saleor for a link: it is written only when it changes."""
    return (link.state.value, link.account_number, link.customer_type)


def _evidence_record(decision: Decision, evidence: Evidence) -> dict[str, Any]:
    record: dict[str, Any] = {
        "strategy": decision.strategy.value if decision.strategy else None,
        "domain": evidence.domain or None,
        "domain_excluded": evidence.domain_excluded or None,
        "contact": evidence.contact.number if evidence.contact else None,
        "claimed_account": evidence.claimed_account.number
        if evidence.claimed_account
        else None,
        "price_list": decision.price_list or None,
        "customer_type": decision.customer_type or None,
        "candidates": [c.account.number for c in decision.candidates],
        "matched": sorted({m for c in decision.candidates for m in c.matched}),
    }
    return {k: v for k, v in record.items() if v not in (None, [])}
