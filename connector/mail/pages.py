"""The pages behind a rep's one-click links: GET shows, one button's POST acts.

`GET /review/{token}` never changes anything: mail scanners and link previews
open links, so it only shows the evidence and one button. The button POSTs the
token in the form body to `/review`; the token is the capability (no login, no
cookie), so there is no session a forged cross-site request could ride on. The
decision itself is `connector.review`'s, with the link version of the token as the
expected version: a second use, or the loser of two clicks at once, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from connector.errors import ErplinkError
from connector.linking.model import LinkState
from connector.mail.rendering import render
from connector.mail.rep_mail import (
    REASONS,
    candidate_accounts,
    candidate_view,
    matched_by,
)
from connector.mail.tokens import (
    Action,
    ReviewToken,
    TokenExpiredError,
    TokenInvalidError,
    signer_for,
)
from connector.review import (
    AlreadyDecidedError,
    NotAllowedError,
    RefusedError,
    Reviewer,
    ReviewError,
)
from connector.reviewer import Role
from connector.services import Services
from connector.store.links import Link, LinkConflictError

log = structlog.get_logger(__name__)

MAX_REASON_CHARS = 200
# The token is in the URL: keep it out of caches, other sites' Referer headers and
# frames (a framed page could trick a rep into the one click).
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """A result page: its title, what it says, and its HTTP status."""

    title: str
    message: str
    status: int


INVALID = Outcome(
    "Link not valid",
    "This review link is not valid: it may have been cut off or altered. "
    "Open it again from the e-mail, or ask an admin.",
    400,
)
EXPIRED = Outcome(
    "Link expired",
    "This review link has expired. An admin can decide the link, or have a new "
    "e-mail sent.",
    410,
)
CONFLICT = Outcome(
    "Decided by someone else",
    "Someone decided this web account at the same moment; their decision stands "
    "and yours changed nothing.",
    409,
)
UNAVAILABLE = Outcome(
    "Please try again",
    "The store or the ERP did not answer; nothing was changed. Try the button "
    "again in a few minutes.",
    503,
)
REJECTED = Outcome(
    "Rejected",
    "The web account stays without prices; support can see your decision.",
    200,
)
NOT_POSSIBLE = Outcome(
    "Not possible",
    "This decision cannot be made from the e-mail; nothing was changed. An admin "
    "can decide the link.",
    422,
)


def confirmed(link: Link) -> Outcome:
    """The page after a confirmation: linked, or still waiting (for an admin)."""
    if link.state is LinkState.LINKED:
        message = (
            f"The web account is linked to account {link.account_number}; the "
            "customer sees their prices now."
        )
    else:
        # The engine keeps the last word: above the credit limit, or with a price
        # list without a customer type, an admin still has to approve.
        state = link.state.value.replace("_", " ")
        message = f"Your confirmation is recorded; the link is now {state}."
    return Outcome("Confirmed", message, 200)


def already_decided(link: Link) -> Outcome:
    """The page for a link that moved on since the mail."""
    if link.state is LinkState.AWAITING_REP:
        return Outcome(
            "Link out of date",
            "The evidence changed since this e-mail was sent, and a newer e-mail "
            "went out; please use that one. Nothing was changed.",
            409,
        )
    where = f"it is now {link.state.value.replace('_', ' ')}"
    if link.state is LinkState.LINKED:
        where += f" to account {link.account_number}"
    return Outcome(
        "Already decided",
        f"This web account was already decided ({where}). Nothing was changed.",
        409,
    )


async def show(request: Request) -> HTMLResponse:
    """GET: the evidence and one button; changes nothing."""
    services: Services = request.app.state.services
    token = request.path_params["token"]
    checked = await _check(services, token)
    if isinstance(checked, Outcome):
        return _page(checked)

    review, link = checked
    try:
        found = await candidate_accounts(link, services.adapter)
    except ErplinkError as exc:  # the ERP is down: say so, the link stays as it is
        log.warning("review.page_unavailable", link=link.id, error=exc.code)
        return _page(UNAVAILABLE)
    shown = "Confirm this account" if review.action is Action.CONFIRM else "Reject"
    candidates = tuple(candidate_view(entry, account) for entry, account in found)
    body = render(
        "review_form.html",
        title=shown,
        link=link,
        reason=REASONS.get(link.reason, link.reason),
        strategy=matched_by(link, candidates),
        candidates=candidates,
        account=review.account,
        action=review.action.value,
        token=token,
        action_url=f"{services.settings.public_url.rstrip('/')}/review",
    )
    return HTMLResponse(body, headers=_HEADERS)


async def act(request: Request) -> HTMLResponse:
    """POST: the one button; confirms or rejects through the review actions."""
    services: Services = request.app.state.services
    form = await request.form()
    token = str(form.get("token") or "")
    reason = str(form.get("reason") or "").strip()[:MAX_REASON_CHARS]
    checked = await _check(services, token)
    if isinstance(checked, Outcome):
        return _page(checked)

    review, _ = checked
    outcome = await _decide(services, review, reason)
    log.info(
        "review.mail_action",
        link=review.link_id,
        action=review.action.value,
        rep=review.rep_code,
        status=outcome.status,
    )
    return _page(outcome)


async def _check(services: Services, token: str) -> tuple[ReviewToken, Link] | Outcome:
    """The token's content and its link, or the page that says why not."""
    try:
        review = signer_for(services.settings).verify(token)
    except TokenExpiredError:
        return EXPIRED
    except TokenInvalidError:
        return INVALID
    try:
        link = await services.review.get_link(review.link_id)
    except ReviewError:
        return INVALID
    if link.version != review.version or link.state is not LinkState.AWAITING_REP:
        return already_decided(link)
    return review, link


async def _decide(services: Services, review: ReviewToken, reason: str) -> Outcome:
    """Act, and turn what the review actions said into a page."""
    try:
        return await _act_on(services, review, reason)
    except (LinkConflictError, AlreadyDecidedError):
        # The link was open at this version a moment ago (`_check`): whoever
        # decided in between clicked at the same time.
        return CONFLICT
    except (NotAllowedError, RefusedError) as exc:
        return Outcome("Not possible", str(exc), 403)
    except ErplinkError as exc:
        log.warning("review.mail_action_failed", link=review.link_id, error=exc.code)
        return UNAVAILABLE if exc.transient else NOT_POSSIBLE


async def _act_on(services: Services, review: ReviewToken, reason: str) -> Outcome:
    reviewer = Reviewer(
        role=Role.SALES_REP,
        name=f"rep {review.rep_code} (e-mail link)",
        rep_code=review.rep_code,
    )
    if review.action is Action.CONFIRM:
        link = await services.review.confirm(
            review.link_id,
            reviewer,
            account=review.account,
            expected_version=review.version,
        )
        return confirmed(link)

    await services.review.reject(
        review.link_id,
        reviewer,
        reason=reason or "rejected from the rep e-mail",
        expected_version=review.version,
    )
    return REJECTED


def _page(outcome: Outcome) -> HTMLResponse:
    body = render("page.html", title=outcome.title, message=outcome.message)
    return HTMLResponse(body, status_code=outcome.status, headers=_HEADERS)


routes = [
    Route("/review/{token}", show, methods=["GET"], name="review_show"),
    Route("/review", act, methods=["POST"], name="review_act"),
]
