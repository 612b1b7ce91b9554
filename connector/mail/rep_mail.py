"""The mail a sales rep gets when a link waits for them, and what it shows.

The link's candidates name the accounts; the ERP is asked for each account's post
code and salesperson when the mail is built, so that a rep change in the ERP since
the decision sends the mail to today's rep. Each rep gets one mail about the link:
every candidate is shown as evidence, and a Confirm button stands beside the
accounts that are theirs (a rep decides only on their own accounts).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from connector.linking.model import Account
from connector.mail.rendering import render
from connector.mail.tokens import Action, TokenSigner
from connector.settings import Settings
from connector.store.links import Link
from erp_adapters.base import ErpAdapter

REASONS = {
    "ambiguous_domain": "The e-mail domain belongs to more than one account.",
    "strategy_needs_rep": "The match is by e-mail domain only; a rep confirms those.",
    "claim_without_second_factor": (
        "The customer typed an account number, and nothing else proves it."
    ),
    "claim_rate_limited": "The customer typed too many account numbers.",
    "conflicting_evidence": "Two kinds of evidence point at different accounts.",
}

STRATEGIES = {
    "contact_email": "ERP contact e-mail",
    "account_number": "account number typed by the customer",
    "email_domain": "e-mail domain",
    "invite": "invite",
    "manual": "chosen by a person",
}


@dataclass(frozen=True, slots=True)
class CandidateView:
    """One candidate account as a rep sees it.

    Attributes:
        confirm_url: the one-click link that confirms this account, or "" when
            another rep owns it.
    """

    number: str
    name: str
    post_code: str
    strategy: str
    matched: tuple[str, ...]
    rep_code: str
    confirm_url: str = ""


@dataclass(frozen=True, slots=True)
class RepRequest:
    """One mail to one rep about one link version."""

    rep_code: str
    address: str
    link: Link
    candidates: tuple[CandidateView, ...]
    reject_url: str


def review_url(public_url: str, token: str) -> str:
    """Where a one-click link points."""
    return f"{public_url.rstrip('/')}/review/{token}"


async def candidate_accounts(
    link: Link, adapter: ErpAdapter
) -> list[tuple[dict[str, Any], Account | None]]:
    """Each stored candidate with the ERP's current account, if it still exists."""
    entries = link.candidates or _claimed_only(link)
    return [(e, await adapter.account_by_number(str(e["account"]))) for e in entries]


def candidate_view(
    entry: dict[str, Any], account: Account | None, confirm_url: str = ""
) -> CandidateView:
    """The evidence about one candidate, from the link and the ERP."""
    return CandidateView(
        number=str(entry["account"]),
        name=account.name if account else str(entry.get("name", "")),
        post_code=account.post_code if account else "",
        strategy=str(entry.get("strategy", "")),
        matched=tuple(str(m) for m in entry.get("matched", [])),
        rep_code=account.salesperson if account else "",
        confirm_url=confirm_url,
    )


async def rep_requests(
    link: Link, adapter: ErpAdapter, signer: TokenSigner, public_url: str
) -> list[RepRequest]:
    """One request per rep who owns a candidate and has an e-mail in the ERP.

    Raises:
        ErpError: the ERP could not be asked (the outbox retries later).
    """
    found = await candidate_accounts(link, adapter)
    reps = {
        a.salesperson: a.salesperson_email
        for _, a in found
        if a is not None and a.salesperson_email
    }
    return [
        _request(link, found, code, address, signer, public_url)
        for code, address in sorted(reps.items())
    ]


def rep_message(request: RepRequest, settings: Settings) -> EmailMessage:
    """The rep's mail: text and HTML parts with the evidence and the buttons."""
    link = request.link
    days = settings.review_link_ttl_s / 86400
    context = {
        "link": link,
        "reason": REASONS.get(link.reason, link.reason),
        "strategy": matched_by(link, request.candidates),
        "candidates": request.candidates,
        "reject_url": request.reject_url,
        "ttl_days": int(days) if days.is_integer() else round(days, 1),
    }
    message = EmailMessage()
    message["Subject"] = f"Please review a new web account ({_domain(link.email)})"
    message["From"] = settings.mail_from
    message["To"] = request.address
    message.set_content(render("rep_request.txt", **context))
    message.add_alternative(render("rep_request.html", **context), subtype="html")
    return message


def _request(
    link: Link,
    found: list[tuple[dict[str, Any], Account | None]],
    code: str,
    address: str,
    signer: TokenSigner,
    url: str,
) -> RepRequest:
    views = tuple(
        candidate_view(entry, account, _confirm_url(link, account, code, signer, url))
        for entry, account in found
    )
    reject = signer.issue(link.id, link.version, Action.REJECT, rep_code=code)
    return RepRequest(code, address, link, views, review_url(url, reject))


def _confirm_url(
    link: Link, account: Account | None, code: str, signer: TokenSigner, url: str
) -> str:
    """The Confirm link for a rep's own account, "" for someone else's."""
    if account is None or account.salesperson != code:
        return ""
    token = signer.issue(
        link.id, link.version, Action.CONFIRM, rep_code=code, account=account.number
    )
    return review_url(url, token)


def matched_by(link: Link, candidates: tuple[CandidateView, ...]) -> str:
    """How the match was found, in words: the link's strategy or its candidates'."""
    codes = (
        [link.strategy] if link.strategy else sorted({c.strategy for c in candidates})
    )
    return ", ".join(STRATEGIES.get(code, code) for code in codes if code) or "-"


def _claimed_only(link: Link) -> list[dict[str, Any]]:
    if not link.account_number:
        return []
    return [{"account": link.account_number, "strategy": link.strategy, "matched": []}]


def _domain(email: str) -> str:
    return email.rpartition("@")[2] or "unknown domain"
