"""The whole path over real sockets: sandbox Saleor -> signed webhook -> erplink ->
ERP -> decision -> customerUpdate back in the sandbox. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from connector.demo import CUSTOMERS, Demo, register_everyone
from connector.linking.model import LinkState

EXPECTED = {
    "anna.schmidt@acme-industrial.de": (
        "linked",
        "matched",
        "10000",
        "price-wholesale",
    ),
    "jonas.weber@brandt-metall.de": ("linked", "matched", "10010", "price-retail"),
    "buyer@hansen-gruppe.de": ("awaiting_rep", "ambiguous_domain", "", "no-pricing"),
    "max.mustermann@gmail.com": ("unmatched", "free_mail_domain", "", "no-pricing"),
    "werkstatt.meyer@gmail.com": ("linked", "matched", "0004711", "price-retail"),
    "l.lindqvist@outlook.com": (
        "awaiting_rep",
        "claim_without_second_factor",
        "0004712",
        "no-pricing",
    ),
    "einkauf@grossabnehmer.de": (
        "awaiting_admin",
        "credit_limit_over_threshold",
        "10030",
        "no-pricing",
    ),
    "bestellung@gesperrt-handel.de": (
        "rejected",
        "account_blocked",
        "10040",
        "no-pricing",
    ),
    "ole@fjord-trading.dk": (
        "awaiting_admin",
        "price_list_unmapped",
        "10050",
        "no-pricing",
    ),
}


async def test_every_outcome_reaches_erplink_and_saleor(demo: Demo) -> None:
    await register_everyone(demo)

    for email, (state, reason, account, saleor_type) in EXPECTED.items():
        link = demo.outcomes[email]
        saleor = demo.sandbox.user(demo.user_ids[email])
        private = saleor["privateMetadata"]
        assert (link.state.value, link.reason, link.account_number) == (
            state,
            reason,
            account,
        )
        assert saleor["customerType"]["slug"] == saleor_type, email
        assert private["erp.link_status"] == state, email
        if state == "linked":
            assert private["erp.account"] == account
            assert private["erp.price_list"] == link.price_list
            assert private["erp.strategy"] == link.strategy
        else:
            assert "erp.account" not in private, email
    assert len(demo.outcomes) == len(CUSTOMERS)


async def test_each_transition_is_audited_with_its_evidence(demo: Demo) -> None:
    await register_everyone(demo)

    link = demo.outcomes["jonas.weber@brandt-metall.de"]
    history = await demo.services.links.history(link.id)

    assert [(h.from_state, h.to_state, h.actor.kind) for h in history] == [
        ("received", "awaiting_email_confirmation", "system"),
        ("awaiting_email_confirmation", "linked", "system"),
    ]
    assert history[-1].evidence["strategy"] == "contact_email"
    assert history[-1].evidence["matched"] == ["contact.email"]


async def test_a_redelivered_event_leaves_one_link_and_one_trail(demo: Demo) -> None:
    await register_everyone(demo)
    link = demo.outcomes["anna.schmidt@acme-industrial.de"]
    before = await demo.services.links.history(link.id)
    created = [d for d in demo.sandbox.deliveries if d.event_type == "CUSTOMER_CREATED"]

    for delivery in created:
        demo.sandbox.redeliver(delivery)
    await demo.sandbox.wait_idle(5.0)
    await asyncio.sleep(0.3)

    assert await demo.services.links.history(link.id) == before
    counts = await demo.services.links.count_by_state()
    assert sum(counts.values()) == len(CUSTOMERS)
    assert (await demo.services.inbox.counts()).get("pending", 0) == 0


async def test_erplinks_own_writes_are_recorded_and_skipped(demo: Demo) -> None:
    await register_everyone(demo)

    ignored = await demo.services.inbox.counts()

    assert ignored["ignored"] >= sum(
        1 for link in demo.outcomes.values() if link.state is not LinkState.RECEIVED
    )
    assert ignored.get("dead", 0) == 0
