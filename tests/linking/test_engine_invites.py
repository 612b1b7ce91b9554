"""The engine with invites: a table of scenarios, rejected invites included."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from connector.linking.engine import decide
from connector.linking.model import (
    Account,
    Blocked,
    Contact,
    Customer,
    Evidence,
    Invite,
    LinkState,
    Reason,
    Strategy,
)
from connector.linking.policy import Policy

POLICY = Policy(
    credit_limit_threshold=Decimal(100_000),
    price_lists={"WHOLESALE": "price-wholesale"},
)
ACME = Account("10000", "Acme", email="info@acme.de", price_list="WHOLESALE")
BRANDT = Account("10010", "Brandt", email="info@brandt.de", price_list="WHOLESALE")
ANNA_AT_ACME = Invite("tok1", ACME, "anna@acme.de", "spring", "email", "R1")
ACME_QR = Invite("tok2", ACME, "", "spring", "invoice_qr", "R1")


def customer(email: str = "anna@acme.de", *, confirmed: bool = False) -> Customer:
    return Customer("VXNlcjox", email, is_confirmed=confirmed, invite_token="t")


def at(domain: str, **changes: object) -> Evidence:
    return replace(Evidence(domain=domain), **changes)  # type: ignore[arg-type]


SCENARIOS = [
    # (name, customer, evidence, state, reason, strategy, account)
    (
        "invited address registers, unconfirmed: mailbox proven by the invite",
        customer(),
        at("acme.de", invite=ANNA_AT_ACME),
        LinkState.LINKED,
        Reason.MATCHED,
        Strategy.INVITE,
        "10000",
    ),
    (
        "invited address in other letter case",
        customer("Anna@ACME.de"),
        at("acme.de", invite=ANNA_AT_ACME),
        LinkState.LINKED,
        Reason.MATCHED,
        Strategy.INVITE,
        "10000",
    ),
    (
        "colleague at the account's domain, unconfirmed: waits for the mailbox",
        customer("bert@acme.de"),
        at("acme.de", invite=ANNA_AT_ACME),
        LinkState.AWAITING_EMAIL_CONFIRMATION,
        Reason.EMAIL_NOT_CONFIRMED,
        Strategy.INVITE,
        "10000",
    ),
    (
        "colleague at the account's domain, confirmed",
        customer("bert@acme.de", confirmed=True),
        at("acme.de", invite=ANNA_AT_ACME),
        LinkState.LINKED,
        Reason.MATCHED,
        Strategy.INVITE,
        "10000",
    ),
    (
        "invited e-mail differs, free mail, confirmed: needs a rep",
        customer("anna.private@gmail.com", confirmed=True),
        at("", domain_excluded="free_mail", invite=ANNA_AT_ACME),
        LinkState.AWAITING_REP,
        Reason.INVITE_EMAIL_MISMATCH,
        Strategy.INVITE,
        "10000",
    ),
    (
        "invited e-mail differs, other company's domain: needs a rep",
        customer("anna@elsewhere.de", confirmed=True),
        at("elsewhere.de", invite=ANNA_AT_ACME),
        LinkState.AWAITING_REP,
        Reason.INVITE_EMAIL_MISMATCH,
        Strategy.INVITE,
        "10000",
    ),
    (
        "account-wide QR invite, own domain, confirmed",
        customer("bert@acme.de", confirmed=True),
        at("acme.de", invite=ACME_QR),
        LinkState.LINKED,
        Reason.MATCHED,
        Strategy.INVITE,
        "10000",
    ),
    (
        "account-wide QR invite, free mail: needs a rep",
        customer("bert@gmail.com", confirmed=True),
        at("", domain_excluded="free_mail", invite=ACME_QR),
        LinkState.AWAITING_REP,
        Reason.INVITE_UNPROVEN,
        Strategy.INVITE,
        "10000",
    ),
    (
        "invite for one account, contact e-mail of another: a person chooses",
        customer(confirmed=True),
        at(
            "acme.de",
            invite=replace(ANNA_AT_ACME, account=BRANDT),
            contact=Contact("C1", "10000", "Anna", "anna@acme.de"),
            contact_account=ACME,
        ),
        LinkState.AWAITING_REP,
        Reason.CONFLICTING_EVIDENCE,
        None,
        "",
    ),
    (
        "mismatched invite does not hide the contact e-mail of the same account",
        customer("anna@acme.de", confirmed=True),
        at(
            "acme.de",
            invite=replace(ANNA_AT_ACME, email="someone@acme.de"),
            contact=Contact("C1", "10000", "Anna", "anna@acme.de"),
            contact_account=ACME,
        ),
        LinkState.LINKED,
        Reason.MATCHED,
        Strategy.INVITE,
        "10000",
    ),
]


@pytest.mark.parametrize(
    ("given", "evidence", "state", "reason", "strategy", "account"),
    [s[1:] for s in SCENARIOS],
    ids=[s[0] for s in SCENARIOS],
)
def test_invite_scenarios(
    given: Customer,
    evidence: Evidence,
    state: LinkState,
    reason: Reason,
    strategy: Strategy | None,
    account: str,
) -> None:
    decision = decide(given, evidence, POLICY)

    assert (decision.state, decision.reason, decision.strategy) == (
        state,
        reason,
        strategy,
    )
    assert (decision.account.number if decision.account else "") == account
    assert decision.details == {}


REJECTED = [
    Reason.INVITE_TAMPERED,
    Reason.INVITE_EXPIRED,
    Reason.INVITE_USED,
    Reason.INVITE_OTHER_INSTALLATION,
    Reason.INVITE_UNKNOWN,
    Reason.INVITE_ACCOUNT_UNKNOWN,
]


@pytest.mark.parametrize("rejected", REJECTED)
def test_a_rejected_invite_links_nothing_and_says_why(rejected: Reason) -> None:
    evidence = at("acme.de", invite_rejected=rejected.value)

    decision = decide(customer(), evidence, POLICY)

    assert decision.state is LinkState.UNMATCHED
    assert decision.reason is rejected
    assert decision.account is None
    assert decision.details == {"invite": rejected.value}


@pytest.mark.parametrize("rejected", REJECTED)
def test_a_rejected_invite_leaves_the_other_strategies_running(
    rejected: Reason,
) -> None:
    evidence = at(
        "acme.de",
        invite_rejected=rejected.value,
        contact=Contact("C1", "10000", "Anna", "anna@acme.de"),
        contact_account=ACME,
    )

    unconfirmed = decide(customer(), evidence, POLICY)
    confirmed = decide(customer(confirmed=True), evidence, POLICY)

    assert (unconfirmed.state, unconfirmed.strategy) == (
        LinkState.AWAITING_EMAIL_CONFIRMATION,
        Strategy.CONTACT_EMAIL,
    )
    assert (confirmed.state, confirmed.strategy) == (
        LinkState.LINKED,
        Strategy.CONTACT_EMAIL,
    )
    assert confirmed.details == {"invite": rejected.value}


def test_an_invite_to_a_blocked_account_is_still_rejected() -> None:
    blocked = replace(ACME, blocked=Blocked.ALL)
    evidence = at("acme.de", invite=replace(ANNA_AT_ACME, account=blocked))

    decision = decide(customer(), evidence, POLICY)

    assert (decision.state, decision.reason) == (
        LinkState.REJECTED,
        Reason.ACCOUNT_BLOCKED,
    )
