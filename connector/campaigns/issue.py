"""`invites create`: from the ERP's accounts and contacts to stored, signed invites.

One invite per contact (the e-mail campaign's personal links) and one account-wide
invite per account (the QR code printed on the invoice, which proves no mailbox).
Ids are derived from (installation, campaign, account, contact) and stored with an
upsert, so a rerun after an interruption writes the same tokens and no duplicates.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from connector.campaigns.invites import InviteStore, IssuedInvite
from connector.campaigns.mailmerge import MailMergeRow, write_mail_merge
from connector.campaigns.periods import Period
from connector.campaigns.qrcodes import write_qr_codes
from connector.campaigns.tokens import (
    InviteClaims,
    InviteSource,
    installation_tag,
    sign,
    token_id,
)
from connector.errors import ConfigurationError
from connector.linking.model import Account, Contact
from connector.store.installations import Installation
from erp_adapters.base import ErpAdapter, contacts_of

MAX_CAMPAIGN_CHARS = 100
_STORE_BATCH = 5000


class Progress(Protocol):
    """Where a long run reports how far it is (a progress bar, or nothing)."""

    def __call__(self, stage: str, total: int) -> Callable[[int], None]:
        """Start a stage of `total` steps; the result is called with steps done."""
        ...


def no_progress(stage: str, total: int) -> Callable[[int], None]:
    """A `Progress` that shows nothing."""
    return lambda _: None


@dataclass(frozen=True, slots=True)
class CampaignRequest:
    """What `invites create` was asked for."""

    name: str
    out: Path
    link_template: str
    source: InviteSource = InviteSource.EMAIL
    rep: str = ""
    active_within: Period | None = None
    expires: Period = field(default_factory=lambda: Period(90, "d"))
    workers: int | None = None


@dataclass(frozen=True, slots=True)
class CampaignResult:
    """What a run produced."""

    accounts: int
    contacts: int
    invites: int
    qr_written: int
    mail_merge: Path
    qr_folder: Path


async def create_campaign(
    request: CampaignRequest,
    *,
    installation: Installation,
    adapter: ErpAdapter,
    store: InviteStore,
    key: bytes,
    today: date,
    progress: Progress = no_progress,
) -> CampaignResult:
    """Issue a campaign's invites and write its mail-merge file and QR codes.

    Raises:
        ConfigurationError: a bad campaign name or link template, or an activity
            filter the ERP's data cannot answer.
    """
    _validate(request)
    accounts = await _selected_accounts(adapter, request, today)
    contacts = await _contacts_by_account(adapter, accounts)
    planned = _plan(request, installation, accounts, contacts, today)
    account_wide = [i for i in planned if not i.contact_email]
    personal = [i for i in planned if i.contact_email]
    sign_link = _link_signer(request, installation, key)

    # The QR codes (account-wide invites) are stored first, so that worker
    # processes draw them while this process stores the personal invites.
    stored = await _store(store, account_wide, progress("accounts", len(account_wide)))
    codes = [(i.account_number, sign_link(i)) for i in stored]
    qr_folder = request.out / "qr"
    drawing = asyncio.create_task(
        write_qr_codes(
            qr_folder,
            codes,
            workers=request.workers,
            progress=progress("QR codes", len(codes)),
        )
    )
    try:
        stored += await _store(store, personal, progress("contacts", len(personal)))
        links = {i.id: sign_link(i) for i in stored}
        rows = _mail_merge_rows(accounts, contacts, stored, links)
        mail_merge = write_mail_merge(request.out / "invites.csv", rows)
    finally:
        written = await drawing

    return CampaignResult(
        accounts=len(accounts),
        contacts=sum(len(c) for c in contacts.values()),
        invites=len(stored),
        qr_written=written,
        mail_merge=mail_merge,
        qr_folder=qr_folder,
    )


def _validate(request: CampaignRequest) -> None:
    name = request.name
    if not name.strip() or len(name) > MAX_CAMPAIGN_CHARS or "\x1f" in name:
        raise ConfigurationError(
            f"--campaign: give a name of 1 to {MAX_CAMPAIGN_CHARS} characters"
        )
    if "{token}" not in request.link_template:
        raise ConfigurationError(
            "the invite link template must contain {token}, for example "
            "https://shop.example.com/register?invite={token}"
        )


async def _selected_accounts(
    adapter: ErpAdapter, request: CampaignRequest, today: date
) -> list[Account]:
    """Unblocked accounts of the rep (if one is given) that ordered recently enough."""
    accounts = [a async for a in adapter.accounts_changed_since(None)]
    chosen = [a for a in accounts if not a.is_blocked]
    if request.rep:
        rep = request.rep.casefold()
        chosen = [a for a in chosen if a.salesperson.casefold() == rep]
    if request.active_within is None:
        return chosen

    if not any(a.last_order for a in accounts):
        raise ConfigurationError(
            f"--active-within: the {adapter.name} ERP adapter gives no last order "
            "dates, so activity cannot be judged; leave the option out to invite "
            "every account"
        )
    cutoff = request.active_within.before(today)
    return [a for a in chosen if a.last_order is not None and a.last_order >= cutoff]


async def _contacts_by_account(
    adapter: ErpAdapter, accounts: Sequence[Account]
) -> dict[str, list[Contact]]:
    """Each chosen account's contacts, each address once, a named contact before the
    account's own entry; an address listed for two accounts goes to neither, as
    nobody can tell which account the person works for."""
    wanted = {a.number for a in accounts}
    owners: dict[str, str] = {}
    chosen: dict[str, Contact] = {}
    shared: set[str] = set()
    async for contact in contacts_of(adapter):
        key = contact.email.lower()
        owner = owners.setdefault(key, contact.account_number)
        if owner != contact.account_number:
            shared.add(key)
        elif contact.account_number in wanted:
            known = chosen.get(key)
            if known is None or (contact.number and not known.number):
                chosen[key] = contact
    found: dict[str, list[Contact]] = defaultdict(list)
    for key, contact in chosen.items():
        if key not in shared:
            found[contact.account_number].append(contact)
    return dict(found)


def _plan(
    request: CampaignRequest,
    installation: Installation,
    accounts: Sequence[Account],
    contacts: dict[str, list[Contact]],
    today: date,
) -> list[IssuedInvite]:
    tag = installation_tag(installation.api_url)
    expires = request.expires.after(today)
    planned: dict[str, IssuedInvite] = {}
    for account in accounts:
        rep = request.rep or account.salesperson
        people = [("", InviteSource.INVOICE_QR)] + [
            (c.email.lower(), request.source) for c in contacts.get(account.number, [])
        ]
        for email, source in people:
            invite_id = token_id(tag, request.name, account.number, email)
            planned.setdefault(
                invite_id,
                IssuedInvite(
                    invite_id,
                    installation.id,
                    request.name,
                    account.number,
                    email,
                    rep,
                    source.value,
                    expires,
                ),
            )
    return list(planned.values())


async def _store(
    store: InviteStore, planned: list[IssuedInvite], advance: Callable[[int], None]
) -> list[IssuedInvite]:
    stored: list[IssuedInvite] = []
    for start in range(0, len(planned), _STORE_BATCH):
        batch = planned[start : start + _STORE_BATCH]
        stored.extend(await store.issue(batch))
        advance(len(batch))
    return stored


def _link_signer(
    request: CampaignRequest, installation: Installation, key: bytes
) -> Callable[[IssuedInvite], str]:
    tag = installation_tag(installation.api_url)
    return lambda invite: _link(request, sign(_claims(invite, tag), key))


def _claims(invite: IssuedInvite, tag: str) -> InviteClaims:
    return InviteClaims(
        token_id=invite.id,
        installation=tag,
        campaign=invite.campaign,
        account=invite.account_number,
        email=invite.contact_email,
        rep=invite.rep,
        source=InviteSource(invite.source),
        expires=invite.expires_on,
    )


def _link(request: CampaignRequest, token: str) -> str:
    return request.link_template.replace("{token}", token)


def _mail_merge_rows(
    accounts: Sequence[Account],
    contacts: dict[str, list[Contact]],
    stored: Sequence[IssuedInvite],
    links: dict[str, str],
) -> list[MailMergeRow]:
    """A row per contact; an account without contacts gets its account-wide link."""
    by_key = {(i.account_number, i.contact_email): i for i in stored}
    rows: list[MailMergeRow] = []
    for account in accounts:
        people = contacts.get(account.number) or [Contact("", account.number, "", "")]
        for person in people:
            invite = by_key[(account.number, person.email.lower())]
            rows.append(
                MailMergeRow(
                    account=account.number,
                    name=account.name,
                    contact=person.name if person.number else "",
                    email=person.email,
                    rep=invite.rep,
                    link=links[invite.id],
                )
            )
    return rows
