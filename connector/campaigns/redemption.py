"""Checking the invite a registering customer presents, before the engine decides.

The token itself is verified without I/O (`connector.campaigns.tokens`); this module
adds what only the store and the ERP know: whether the invite was issued and not
used by someone else, and the account it names. The result goes into the engine's
`Evidence`, either as a usable `Invite` or as the reason it counts for nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import structlog

from connector.campaigns.invites import InviteStore
from connector.campaigns.tokens import (
    InviteClaims,
    InviteTokenError,
    installation_tag,
    verify,
)
from connector.linking.model import Customer, Evidence, Invite, Reason
from connector.store.clock import now
from connector.store.installations import Installation
from erp_adapters.base import ErpAdapter

log = structlog.get_logger(__name__)


@dataclass
class InviteChecker:
    """Turns a presented token into evidence, and uses invites up once they link."""

    invites: InviteStore
    key: bytes
    adapter: ErpAdapter

    async def attach(
        self, installation: Installation, customer: Customer, evidence: Evidence
    ) -> Evidence:
        """`evidence` with the customer's invite, or with why it was rejected."""
        if not customer.invite_token:
            return evidence
        try:
            invite = await self._check(installation, customer)
        except InviteTokenError as exc:
            log.info("invite.rejected", user=customer.user_id, reason=exc.code)
            return dataclasses.replace(evidence, invite_rejected=exc.code)

        await self.invites.record_registration(invite.token_id, customer.user_id)
        log.info("invite.presented", user=customer.user_id, invite=invite.token_id)
        return dataclasses.replace(evidence, invite=invite)

    async def redeem(self, invite: Invite, user_id: str) -> bool:
        """Record the invite as used by `user_id`; False if another user was first."""
        redeemed = await self.invites.redeem(invite.token_id, user_id)
        if not redeemed:
            log.warning("invite.race_lost", user=user_id, invite=invite.token_id)
        return redeemed

    async def _check(self, installation: Installation, customer: Customer) -> Invite:
        claims = verify(
            customer.invite_token,
            self.key,
            installation=installation_tag(installation.api_url),
            today=now().date(),
        )
        stored = await self.invites.get(claims.token_id)
        if stored is None or stored.installation_id != installation.id:
            raise InviteTokenError(
                "the invite was never issued here", code=Reason.INVITE_UNKNOWN
            )
        if stored.redeemed_user_id not in ("", customer.user_id):
            raise InviteTokenError(
                "the invite was already used", code=Reason.INVITE_USED
            )

        return await self._invite(claims)

    async def _invite(self, claims: InviteClaims) -> Invite:
        account = await self.adapter.account_by_number(claims.account)
        if account is None:
            raise InviteTokenError(
                "the invited account is gone from the ERP",
                code=Reason.INVITE_ACCOUNT_UNKNOWN,
            )

        return Invite(
            token_id=claims.token_id,
            account=account,
            email=claims.email,
            campaign=claims.campaign,
            source=claims.source.value,
            rep=claims.rep,
        )
