"""The linking engine: from a customer and the ERP's evidence to one decision.

Pure and synchronous. The strategies find candidate accounts; the policy then decides
whether the best candidate links now or waits for the mailbox, a rep or an admin.
Every rule of DESIGN.md's "Safety rules" that concerns a single decision lives here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from connector.linking.domains import registrable_domain
from connector.linking.model import (
    Account,
    Candidate,
    Customer,
    Decision,
    Evidence,
    Invite,
    LinkState,
    Reason,
    Strategy,
)
from connector.linking.policy import Policy

_EXCLUDED_DOMAIN_REASONS = {
    "free_mail": Reason.FREE_MAIL_DOMAIN,
    "disposable": Reason.DISPOSABLE_DOMAIN,
    "merchant_excluded": Reason.FREE_MAIL_DOMAIN,
}


class Approval:
    """Who has already vouched for a match, beyond the evidence itself."""

    REP = "rep"
    ADMIN = "admin"
    MAILBOX = "mailbox"


@dataclass(frozen=True, slots=True)
class _Finding:
    """What one strategy found: candidates, and why a person must look if so."""

    candidates: tuple[Candidate, ...]
    needs_rep: Reason | None = None


def decide(
    customer: Customer,
    evidence: Evidence,
    policy: Policy,
    *,
    claim_attempts: int = 0,
    approvals: frozenset[str] = frozenset(),
) -> Decision:
    """Decide what happens to one customer's link.

    Args:
        customer: the web account as Saleor describes it.
        evidence: what the ERP adapter found for it.
        policy: the merchant's linking policy.
        claim_attempts: account numbers this customer has typed so far, this one
            included; past the policy's limit the claim is ignored.
        approvals: people or proofs that already vouched ("rep", "admin",
            "mailbox" for an invite that reached the address).

    An invite sent to the very address that registers proves the mailbox; a
    rejected invite counts for nothing, its reason goes to `details["invite"]`
    and the other strategies decide as if it had not been presented.
    """
    approvals = approvals | _invite_proofs(customer, evidence.invite)
    decision = _decide(customer, evidence, policy, claim_attempts, approvals)
    if evidence.invite_rejected:
        details = decision.details | {"invite": evidence.invite_rejected}
        return replace(decision, details=details)

    return decision


def _decide(
    customer: Customer,
    evidence: Evidence,
    policy: Policy,
    claim_attempts: int,
    approvals: frozenset[str],
) -> Decision:
    findings, notes = _run_strategies(customer, evidence, policy, claim_attempts)
    if not findings:
        return Decision(LinkState.UNMATCHED, _unmatched_reason(notes))

    finding = findings[0]
    if _conflicts(findings):
        candidates = tuple(c for f in findings for c in f.candidates)
        return Decision(
            LinkState.AWAITING_REP, Reason.CONFLICTING_EVIDENCE, candidates=candidates
        )
    if finding.needs_rep is not None and Approval.REP not in approvals:
        return _waiting_for_rep(finding, finding.needs_rep)

    return judge(finding.candidates[0], customer, policy, approvals=approvals)


def judge(
    candidate: Candidate,
    customer: Customer,
    policy: Policy,
    *,
    approvals: frozenset[str] = frozenset(),
) -> Decision:
    """Apply the policy to one chosen candidate: link, or say who must act first.

    Used by `decide`, and again when a rep or admin confirms a candidate.
    """
    account = candidate.account
    customer_type = policy.customer_type_for(account.price_list) or ""
    state, reason = _verdict(candidate, customer, policy, approvals, customer_type)

    return Decision(
        state,
        reason,
        strategy=candidate.strategy,
        account=account,
        price_list=account.price_list,
        customer_type=customer_type,
        candidates=(candidate,),
    )


def _verdict(
    candidate: Candidate,
    customer: Customer,
    policy: Policy,
    approvals: frozenset[str],
    customer_type: str,
) -> tuple[LinkState, Reason]:
    """The first rule that stops the link, in the order of DESIGN.md's safety rules.

    An unmapped price list stops even an admin's approval: there is no customer type
    to assign until the mapping names one.
    """
    account = candidate.account
    mailbox_proven = customer.is_confirmed or Approval.MAILBOX in approvals
    admin = Approval.ADMIN in approvals
    person = admin or Approval.REP in approvals
    threshold = policy.credit_limit_threshold

    if account.is_blocked:
        return LinkState.REJECTED, Reason.ACCOUNT_BLOCKED
    if candidate.needs_mailbox_proof and not mailbox_proven:
        return LinkState.AWAITING_EMAIL_CONFIRMATION, Reason.EMAIL_NOT_CONFIRMED
    if not customer_type:
        return LinkState.AWAITING_ADMIN, Reason.PRICE_LIST_UNMAPPED
    if threshold is not None and account.credit_limit > threshold and not admin:
        return LinkState.AWAITING_ADMIN, Reason.CREDIT_LIMIT_OVER_THRESHOLD
    if candidate.strategy not in policy.auto_link and not person:
        return LinkState.AWAITING_REP, Reason.STRATEGY_NEEDS_REP

    return LinkState.LINKED, Reason.MATCHED


def _run_strategies(
    customer: Customer, evidence: Evidence, policy: Policy, claim_attempts: int
) -> tuple[list[_Finding], list[Reason]]:
    """Every strategy's finding, strongest first, and notes on those that failed."""
    notes: list[Reason] = []
    invite = _by_invite(customer, evidence, notes)
    findings = [
        _by_contact_email(evidence),
        _by_claimed_account(customer, evidence, policy, claim_attempts, notes),
        _by_email_domain(evidence, notes),
    ]
    # A proven invite is the strongest evidence; one that still needs a person
    # must not hide a finding that can decide on its own.
    if invite is not None:
        findings.insert(0 if invite.needs_rep is None else len(findings), invite)

    return [f for f in findings if f is not None], notes


def _invite_proofs(customer: Customer, invite: Invite | None) -> frozenset[str]:
    """Safety rule 2: an invite sent to this very address proves the mailbox."""
    if invite is not None and _same_address(invite.email, customer.email):
        return frozenset({Approval.MAILBOX})
    return frozenset()


def _by_invite(
    customer: Customer, evidence: Evidence, notes: list[Reason]
) -> _Finding | None:
    """The invited account: at once for the invited address, else with a proof."""
    if evidence.invite_rejected:
        notes.append(Reason(evidence.invite_rejected))
        return None
    invite = evidence.invite
    if invite is None:
        return None

    account = invite.account
    if _same_address(invite.email, customer.email):
        matched = ("invite.token", "invite.email")
    elif _usable_domain(evidence) and evidence.domain in _account_domains(account):
        matched = ("invite.token", "email.domain")
    else:
        reason = (
            Reason.INVITE_EMAIL_MISMATCH if invite.email else Reason.INVITE_UNPROVEN
        )
        candidate = Candidate(account, Strategy.INVITE, ("invite.token",), False)
        return _Finding((candidate,), needs_rep=reason)

    return _Finding((Candidate(account, Strategy.INVITE, matched, True),))


def _same_address(invited: str, registering: str) -> bool:
    return bool(invited) and invited.strip().casefold() == registering.casefold()


def _usable_domain(evidence: Evidence) -> bool:
    return bool(evidence.domain) and not evidence.domain_excluded


def _by_contact_email(evidence: Evidence) -> _Finding | None:
    if evidence.contact_account is None:
        return None

    matched = (
        ("contact.email",)
        if evidence.contact and evidence.contact.number
        else ("account.email",)
    )
    candidate = Candidate(
        evidence.contact_account, Strategy.CONTACT_EMAIL, matched, True
    )
    return _Finding((candidate,))


def _by_claimed_account(
    customer: Customer,
    evidence: Evidence,
    policy: Policy,
    claim_attempts: int,
    notes: list[Reason],
) -> _Finding | None:
    """Safety rule 4: a typed account number links only with a second factor."""
    if not customer.claimed_account:
        return None
    if claim_attempts > policy.max_claim_attempts:
        notes.append(Reason.CLAIM_RATE_LIMITED)
        return None
    account = evidence.claimed_account
    if account is None:
        notes.append(Reason.CLAIM_UNKNOWN_ACCOUNT)
        return None

    if (
        evidence.domain
        and not evidence.domain_excluded
        and evidence.domain in (_account_domains(account))
    ):
        matched, mailbox = ("account.number", "email.domain"), True
    elif _same_post_code(customer.billing_post_code, account.post_code):
        matched, mailbox = ("account.number", "billing.post_code"), False
    else:
        candidate = Candidate(
            account, Strategy.ACCOUNT_NUMBER, ("account.number",), False
        )
        return _Finding((candidate,), needs_rep=Reason.CLAIM_WITHOUT_SECOND_FACTOR)

    return _Finding((Candidate(account, Strategy.ACCOUNT_NUMBER, matched, mailbox),))


def _by_email_domain(evidence: Evidence, notes: list[Reason]) -> _Finding | None:
    """Safety rule 3: free-mail and disposable domains never match."""
    if evidence.domain_excluded:
        notes.append(
            _EXCLUDED_DOMAIN_REASONS.get(evidence.domain_excluded, Reason.NO_MATCH)
        )
        return None
    if not evidence.domain_accounts:
        return None

    active = [a for a in evidence.domain_accounts if not a.is_blocked]
    pool = active or list(evidence.domain_accounts)
    candidates = tuple(
        Candidate(a, Strategy.EMAIL_DOMAIN, ("email.domain",), True) for a in pool
    )
    if len(candidates) > 1:
        return _Finding(candidates, needs_rep=Reason.AMBIGUOUS_DOMAIN)

    return _Finding(candidates)


def _conflicts(findings: list[_Finding]) -> bool:
    """Two decisive findings that name different accounts: a person must choose."""
    decisive = {
        f.candidates[0].account.number
        for f in findings
        if len(f.candidates) == 1
        and (f.needs_rep is None or f.candidates[0].strategy is Strategy.INVITE)
        and f.candidates[0].strategy is not Strategy.EMAIL_DOMAIN
    }
    return len(decisive) > 1


def _waiting_for_rep(finding: _Finding, reason: Reason) -> Decision:
    if len(finding.candidates) == 1:
        only = finding.candidates[0]
        return Decision(
            LinkState.AWAITING_REP,
            reason,
            strategy=only.strategy,
            account=only.account,
            price_list=only.account.price_list,
            candidates=finding.candidates,
        )

    return Decision(LinkState.AWAITING_REP, reason, candidates=finding.candidates)


def _unmatched_reason(notes: Iterable[Reason]) -> Reason:
    return next(iter(notes), Reason.NO_MATCH)


def _account_domains(account: Account) -> set[str]:
    addresses = account.email.replace(",", ";").split(";")
    return {
        registrable_domain(a.rpartition("@")[2].strip()) for a in addresses if "@" in a
    }


def _same_post_code(given: str, known: str) -> bool:
    def clean(code: str) -> str:
        return "".join(code.split()).upper()

    return bool(clean(given)) and clean(given) == clean(known)
