"""The linking engine as a table of scenarios: every outcome, adversarial ones too."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from connector.linking.engine import Approval, decide, judge
from connector.linking.model import (
    Account,
    Blocked,
    Contact,
    Customer,
    Evidence,
    LinkState,
    Reason,
    Strategy,
)
from connector.linking.policy import Policy

POLICY = Policy(
    credit_limit_threshold=Decimal(100_000),
    price_lists={"WHOLESALE": "price-wholesale", "VIP": "price-vip"},
)
ACME = Account(
    "10000", "Acme", email="info@acme.de", post_code="10115", price_list="WHOLESALE"
)
ACME_SOUTH = Account("10001", "Acme Süd", email="sued@acme.de", price_list="WHOLESALE")
BIG = Account(
    "10030", "Big AG", email="z@big.de", price_list="VIP", credit_limit=Decimal(250_000)
)
BLOCKED = Account(
    "10040",
    "Blocked",
    email="i@blocked.de",
    price_list="WHOLESALE",
    blocked=Blocked.ALL,
)
ODD = Account("10050", "Odd", email="s@odd.dk", price_list="UNMAPPED")
ANNA = Contact("CT1", "10000", "Anna", "anna@acme.de")


def customer(email: str = "anna@acme.de", **changes: object) -> Customer:
    return replace(Customer("VXNlcjox", email, is_confirmed=True), **changes)  # type: ignore[arg-type]


def contact_of(account: Account) -> Evidence:
    return Evidence(contact=ANNA, contact_account=account, domain="acme.de")


SCENARIOS = [
    # (name, customer, evidence, state, reason, account)
    (
        "contact e-mail, confirmed",
        customer(),
        contact_of(ACME),
        LinkState.LINKED,
        Reason.MATCHED,
        "10000",
    ),
    (
        "contact e-mail, not confirmed",
        customer(is_confirmed=False),
        contact_of(ACME),
        LinkState.AWAITING_EMAIL_CONFIRMATION,
        Reason.EMAIL_NOT_CONFIRMED,
        "10000",
    ),
    (
        "one account on the domain, confirmed",
        customer("buyer@acme.de"),
        Evidence(domain="acme.de", domain_accounts=(ACME,)),
        LinkState.AWAITING_REP,
        Reason.STRATEGY_NEEDS_REP,
        "10000",
    ),
    (
        "two accounts on the domain",
        customer("buyer@acme.de"),
        Evidence(domain="acme.de", domain_accounts=(ACME, ACME_SOUTH)),
        LinkState.AWAITING_REP,
        Reason.AMBIGUOUS_DOMAIN,
        "",
    ),
    (
        "blocked second account leaves one on the domain",
        customer("buyer@acme.de"),
        Evidence(
            domain="acme.de",
            domain_accounts=(ACME, replace(ACME_SOUTH, blocked=Blocked.INVOICE)),
        ),
        LinkState.AWAITING_REP,
        Reason.STRATEGY_NEEDS_REP,
        "10000",
    ),
    (
        "free-mail address",
        customer("max@gmail.com"),
        Evidence(domain_excluded="free_mail"),
        LinkState.UNMATCHED,
        Reason.FREE_MAIL_DOMAIN,
        "",
    ),
    (
        "disposable address",
        customer("x@mailinator.com"),
        Evidence(domain_excluded="disposable"),
        LinkState.UNMATCHED,
        Reason.DISPOSABLE_DOMAIN,
        "",
    ),
    (
        "nothing known",
        customer("who@nowhere.de"),
        Evidence(domain="nowhere.de"),
        LinkState.UNMATCHED,
        Reason.NO_MATCH,
        "",
    ),
    (
        "claim with matching post code, unconfirmed mailbox",
        customer(
            "x@gmail.com",
            is_confirmed=False,
            claimed_account="10000",
            billing_post_code="10 115",
        ),
        Evidence(claimed_account=ACME, domain_excluded="free_mail"),
        LinkState.LINKED,
        Reason.MATCHED,
        "10000",
    ),
    (
        "claim with the account's domain, confirmed",
        customer("new@acme.de", claimed_account="10000"),
        Evidence(claimed_account=ACME, domain="acme.de", domain_accounts=(ACME,)),
        LinkState.LINKED,
        Reason.MATCHED,
        "10000",
    ),
    (
        "claim with the account's domain, unconfirmed",
        customer("new@acme.de", claimed_account="10000", is_confirmed=False),
        Evidence(claimed_account=ACME, domain="acme.de", domain_accounts=(ACME,)),
        LinkState.AWAITING_EMAIL_CONFIRMATION,
        Reason.EMAIL_NOT_CONFIRMED,
        "10000",
    ),
    (
        "claim without second factor",
        customer("x@gmail.com", claimed_account="10000"),
        Evidence(claimed_account=ACME, domain_excluded="free_mail"),
        LinkState.AWAITING_REP,
        Reason.CLAIM_WITHOUT_SECOND_FACTOR,
        "10000",
    ),
    (
        "claim with a wrong post code",
        customer("x@gmail.com", claimed_account="10000", billing_post_code="99999"),
        Evidence(claimed_account=ACME, domain_excluded="free_mail"),
        LinkState.AWAITING_REP,
        Reason.CLAIM_WITHOUT_SECOND_FACTOR,
        "10000",
    ),
    (
        "claim of an unknown account",
        customer("x@gmail.com", claimed_account="' OR 1=1 --"),
        Evidence(domain_excluded="free_mail"),
        LinkState.UNMATCHED,
        Reason.CLAIM_UNKNOWN_ACCOUNT,
        "",
    ),
    (
        "claim with an empty post code on both sides",
        customer("x@gmail.com", claimed_account="10001", billing_post_code=""),
        Evidence(claimed_account=ACME_SOUTH, domain_excluded="free_mail"),
        LinkState.AWAITING_REP,
        Reason.CLAIM_WITHOUT_SECOND_FACTOR,
        "10001",
    ),
    (
        "credit limit over the threshold",
        customer("cfo@big.de"),
        Evidence(contact=ANNA, contact_account=BIG),
        LinkState.AWAITING_ADMIN,
        Reason.CREDIT_LIMIT_OVER_THRESHOLD,
        "10030",
    ),
    (
        "blocked account, confirmed",
        customer("i@blocked.de"),
        Evidence(contact=ANNA, contact_account=BLOCKED),
        LinkState.REJECTED,
        Reason.ACCOUNT_BLOCKED,
        "10040",
    ),
    (
        "blocked account by post code claim",
        customer("x@gmail.com", claimed_account="10040", billing_post_code=""),
        Evidence(
            claimed_account=replace(BLOCKED, post_code=""), domain_excluded="free_mail"
        ),
        LinkState.AWAITING_REP,
        Reason.CLAIM_WITHOUT_SECOND_FACTOR,
        "10040",
    ),
    (
        "only blocked accounts on the domain",
        customer("who@blocked.de"),
        Evidence(domain="blocked.de", domain_accounts=(BLOCKED,)),
        LinkState.REJECTED,
        Reason.ACCOUNT_BLOCKED,
        "10040",
    ),
    (
        "price list without a mapping",
        customer("ole@odd.dk"),
        Evidence(contact=ANNA, contact_account=ODD),
        LinkState.AWAITING_ADMIN,
        Reason.PRICE_LIST_UNMAPPED,
        "10050",
    ),
    (
        "contact and claim name different accounts",
        customer(claimed_account="10030", billing_post_code="60311"),
        Evidence(
            contact=ANNA,
            contact_account=ACME,
            claimed_account=replace(BIG, post_code="60311"),
        ),
        LinkState.AWAITING_REP,
        Reason.CONFLICTING_EVIDENCE,
        "",
    ),
]


@pytest.mark.parametrize(
    ("given", "evidence", "state", "reason", "account"),
    [s[1:] for s in SCENARIOS],
    ids=[s[0] for s in SCENARIOS],
)
def test_decide(
    given: Customer, evidence: Evidence, state: LinkState, reason: Reason, account: str
) -> None:
    decision = decide(given, evidence, POLICY)

    assert (decision.state, decision.reason) == (state, reason)
    assert (decision.account.number if decision.account else "") == account
    if state is LinkState.LINKED:
        assert decision.customer_type == POLICY.price_lists[decision.price_list]
    else:
        assert not decision.state.releases_pricing


def test_ambiguous_domain_keeps_every_active_candidate() -> None:
    evidence = Evidence(domain="acme.de", domain_accounts=(ACME, ACME_SOUTH))

    decision = decide(customer("buyer@acme.de"), evidence, POLICY)

    assert [c.account.number for c in decision.candidates] == ["10000", "10001"]
    assert {c.strategy for c in decision.candidates} == {Strategy.EMAIL_DOMAIN}


def test_claims_past_the_limit_are_ignored() -> None:
    given = customer("x@gmail.com", claimed_account="10000", billing_post_code="10115")
    evidence = Evidence(claimed_account=ACME, domain_excluded="free_mail")

    allowed = decide(given, evidence, POLICY, claim_attempts=POLICY.max_claim_attempts)
    refused = decide(
        given, evidence, POLICY, claim_attempts=POLICY.max_claim_attempts + 1
    )

    assert allowed.state is LinkState.LINKED
    assert (refused.state, refused.reason) == (
        LinkState.UNMATCHED,
        Reason.CLAIM_RATE_LIMITED,
    )


def test_domain_match_links_when_the_policy_allows_it() -> None:
    policy = POLICY.model_copy(update={"auto_link": frozenset({Strategy.EMAIL_DOMAIN})})
    evidence = Evidence(domain="acme.de", domain_accounts=(ACME,))

    decision = decide(customer("buyer@acme.de"), evidence, policy)

    assert (decision.state, decision.strategy) == (
        LinkState.LINKED,
        Strategy.EMAIL_DOMAIN,
    )


def test_no_credit_check_when_threshold_is_off() -> None:
    policy = POLICY.model_copy(update={"credit_limit_threshold": None})

    decision = decide(
        customer("cfo@big.de"), Evidence(contact=ANNA, contact_account=BIG), policy
    )

    assert decision.state is LinkState.LINKED


def test_admin_approval_releases_a_high_credit_account() -> None:
    candidate = decide(
        customer("cfo@big.de"), Evidence(contact=ANNA, contact_account=BIG), POLICY
    ).candidates[0]

    approved = judge(
        candidate, customer("cfo@big.de"), POLICY, approvals=frozenset({Approval.ADMIN})
    )

    assert approved.state is LinkState.LINKED


def test_no_approval_links_a_blocked_account_or_an_unconfirmed_mailbox() -> None:
    everyone = frozenset({Approval.ADMIN, Approval.REP})
    blocked = decide(
        customer(), Evidence(contact=ANNA, contact_account=BLOCKED), POLICY
    )
    unconfirmed = customer(is_confirmed=False)
    pending = decide(unconfirmed, contact_of(ACME), POLICY).candidates[0]

    assert (
        judge(blocked.candidates[0], customer(), POLICY, approvals=everyone).state
        is LinkState.REJECTED
    )
    assert judge(pending, unconfirmed, POLICY, approvals=everyone).state is (
        LinkState.AWAITING_EMAIL_CONFIRMATION
    )
    assert judge(
        pending, unconfirmed, POLICY, approvals=frozenset({Approval.MAILBOX})
    ).state is (LinkState.LINKED)


def test_rep_approval_does_not_map_an_unknown_price_list() -> None:
    candidate = decide(
        customer("ole@odd.dk"), Evidence(contact=ANNA, contact_account=ODD), POLICY
    ).candidates[0]

    decision = judge(
        candidate, customer("ole@odd.dk"), POLICY, approvals=frozenset({Approval.ADMIN})
    )

    assert (decision.state, decision.reason) == (
        LinkState.AWAITING_ADMIN,
        Reason.PRICE_LIST_UNMAPPED,
    )
