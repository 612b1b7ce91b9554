"""Review actions over the demo: erplink, the sandbox Saleor and the CSV ERP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connector.demo import Demo
from connector.linking.model import LinkState
from connector.review import (
    AlreadyDecidedError,
    NotAllowedError,
    RefusedError,
    Reviewer,
    ReviewError,
    Role,
)
from connector.store.links import LinkConflictError
from tests.review_support import (
    AMBIGUOUS,
    CLAIM_ALONE,
    HIGH_VALUE,
    LINKED,
    UNMAPPED,
    edit_account,
    review_demo,
    saleor_view,
    settled,
    sqlite_demo,
    wait_for,
)

ADMIN = Reviewer(Role.ADMIN, "ops-admin")
SUPPORT = Reviewer(Role.SUPPORT, "helpdesk")
REP_MH = Reviewer(Role.SALES_REP, "m.hansen@erplink-demo.example", rep_code="MH")
REP_AB = Reviewer(Role.SALES_REP, "a.becker@erplink-demo.example", rep_code="AB")
REP_JL = Reviewer(Role.SALES_REP, "j.larsen@erplink-demo.example", rep_code="JL")


@pytest.fixture
async def demo(database_url: str, tmp_path: Path) -> AsyncIterator[Demo]:
    """On SQLite and PostgreSQL: for actions whose writes the store must get right."""
    async for running in review_demo(database_url, tmp_path):
        yield running


@pytest.fixture
async def lite(tmp_path: Path) -> AsyncIterator[Demo]:
    """On SQLite only: for rules decided before anything is written."""
    async for running in sqlite_demo(tmp_path):
        yield running


async def test_a_rep_confirms_their_candidate_of_an_ambiguous_domain(
    demo: Demo,
) -> None:
    link = await settled(demo, AMBIGUOUS)
    assert (link.state, link.reason) == (LinkState.AWAITING_REP, "ambiguous_domain")

    linked = await demo.services.review.confirm(link.id, REP_MH, account="10020")

    assert (linked.state, linked.account_number) == (LinkState.LINKED, "10020")
    assert saleor_view(demo, link.user_id) == (
        "price-distributor",
        "linked",
        "10020",
    )
    last = (await demo.services.links.history(link.id))[-1]
    assert (last.actor.kind, last.actor.name) == ("sales_rep", REP_MH.name)
    assert (last.from_state, last.to_state) == ("awaiting_rep", "linked")
    assert last.evidence["confirmed"] == "10020"


async def test_a_rep_may_not_choose_another_reps_candidate(demo: Demo) -> None:
    link = await settled(demo, AMBIGUOUS)

    with pytest.raises(NotAllowedError) as raised:
        await demo.services.review.confirm(link.id, REP_MH, account="10021")

    assert raised.value.code == "forbidden"
    after = await demo.services.review.get_link(link.id)
    assert (after.state, after.version) == (link.state, link.version)
    assert saleor_view(demo, link.user_id) == ("no-pricing", "awaiting_rep", "")
    denied = await demo.services.review.reviews.denied()
    assert [(d.action, d.link_id, d.code) for d in denied] == [
        ("confirm", link.id, "forbidden")
    ]


async def test_a_rep_of_no_candidate_is_refused_and_audited(lite: Demo) -> None:
    link = await settled(lite, AMBIGUOUS)

    with pytest.raises(NotAllowedError):
        await lite.services.review.reject(link.id, REP_JL, reason="not ours")

    after = await lite.services.review.get_link(link.id)
    assert after.version == link.version
    denied = await lite.services.review.reviews.denied()
    assert [(d.actor.name, d.action) for d in denied] == [(REP_JL.name, "reject")]


async def test_an_ambiguous_link_needs_an_account_named(lite: Demo) -> None:
    link = await settled(lite, AMBIGUOUS)

    with pytest.raises(ReviewError) as raised:
        await lite.services.review.confirm(link.id, ADMIN)

    assert raised.value.code == "account_required"
    assert (await lite.services.review.get_link(link.id)).version == link.version


async def test_a_rep_confirming_a_high_value_account_leaves_it_to_an_admin(
    demo: Demo,
) -> None:
    edit_account(demo, "10030", **{"Blocked": ""})
    link = await settled(demo, CLAIM_ALONE, account="10030")
    assert (link.state, link.reason) == (
        LinkState.AWAITING_REP,
        "claim_without_second_factor",
    )

    waiting = await demo.services.review.confirm(link.id, REP_MH)
    approved = await demo.services.review.approve(link.id, ADMIN)

    assert (waiting.state, waiting.reason) == (
        LinkState.AWAITING_ADMIN,
        "credit_limit_over_threshold",
    )
    assert (approved.state, approved.account_number) == (LinkState.LINKED, "10030")
    assert saleor_view(demo, link.user_id) == ("price-vip", "linked", "10030")
    actors = [e.actor.kind for e in await demo.services.links.history(link.id)]
    assert actors[-2:] == ["sales_rep", "admin"]


async def test_only_an_admin_approves(lite: Demo) -> None:
    link = await settled(lite, HIGH_VALUE)
    assert link.state is LinkState.AWAITING_ADMIN

    for person in (SUPPORT, REP_MH):
        with pytest.raises(NotAllowedError):
            await lite.services.review.approve(link.id, person)

    assert (await lite.services.review.get_link(link.id)).version == link.version
    assert saleor_view(lite, link.user_id)[0] == "no-pricing"
    assert len(await lite.services.review.reviews.denied()) == 2


async def test_approval_of_an_unmapped_price_list_waits_for_the_mapping(
    lite: Demo,
) -> None:
    link = await settled(lite, UNMAPPED)
    assert (link.state, link.reason) == (
        LinkState.AWAITING_ADMIN,
        "price_list_unmapped",
    )

    with pytest.raises(RefusedError, match="UNMAPPED_GROUP"):
        await lite.services.review.approve(link.id, ADMIN)

    assert (await lite.services.review.get_link(link.id)).version == link.version
    assert saleor_view(lite, link.user_id)[0] == "no-pricing"


async def test_a_rejected_customer_stays_without_prices(demo: Demo) -> None:
    link = await settled(demo, AMBIGUOUS)

    rejected = await demo.services.review.reject(
        link.id, REP_AB, reason="buyer left the company"
    )

    assert (rejected.state, rejected.reason) == (
        LinkState.REJECTED,
        "rejected_by_reviewer",
    )
    assert saleor_view(demo, link.user_id) == ("no-pricing", "rejected", "")
    last = (await demo.services.links.history(link.id))[-1]
    assert last.evidence == {"action": "reject", "note": "buyer left the company"}
    with pytest.raises(AlreadyDecidedError):
        await demo.services.review.confirm(link.id, REP_AB, account="10021")


async def test_a_stale_one_click_version_changes_nothing(lite: Demo) -> None:
    link = await settled(lite, AMBIGUOUS)
    await lite.services.review.confirm(link.id, REP_AB, account="10021")

    with pytest.raises(AlreadyDecidedError) as raised:
        await lite.services.review.reject(
            link.id, REP_AB, reason="changed my mind", expected_version=link.version
        )

    assert raised.value.code == "already_decided"
    assert (await lite.services.review.get_link(link.id)).state is LinkState.LINKED


async def test_confirm_and_reject_at_once_one_wins(demo: Demo) -> None:
    link = await settled(demo, AMBIGUOUS)
    review = demo.services.review

    outcomes = await asyncio.gather(
        review.confirm(link.id, REP_MH, account="10020"),
        review.reject(link.id, ADMIN, reason="duplicate account"),
        return_exceptions=True,
    )

    conflicts = [o for o in outcomes if isinstance(o, LinkConflictError)]
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    assert (len(conflicts), len(winners)) == (1, 1)
    stored = await review.get_link(link.id)
    assert stored.state is winners[0].state
    assert stored.version == link.version + 1
    expected = ("price-distributor", "linked", "10020")
    if stored.state is LinkState.REJECTED:
        expected = ("no-pricing", "rejected", "")
    assert saleor_view(demo, link.user_id) == expected


@pytest.mark.parametrize(
    ("number", "message"),
    [("10040", "blocked"), ("99999", "unknown")],
)
async def test_relink_to_a_blocked_or_unknown_account_is_refused(
    demo: Demo, number: str, message: str
) -> None:
    link = await settled(demo, AMBIGUOUS)

    with pytest.raises(RefusedError, match=message) as raised:
        await demo.services.review.relink(
            link.id, SUPPORT, account=number, reason="customer called"
        )

    assert raised.value.code == "refused"
    assert (await demo.services.review.get_link(link.id)).version == link.version
    denied = await demo.services.review.reviews.denied()
    assert [(d.action, d.code) for d in denied] == [("relink", "refused")]
    assert message in denied[0].detail


async def test_support_relinks_and_unlinks(demo: Demo) -> None:
    link = await settled(demo, AMBIGUOUS)
    review = demo.services.review

    relinked = await review.relink(
        link.id, SUPPORT, account="10021", reason="ticket 4711"
    )
    unlinked = await review.unlink(link.id, SUPPORT, reason="ticket 4712")

    assert (relinked.state, relinked.strategy) == (LinkState.LINKED, "manual")
    assert (unlinked.state, unlinked.reason) == (
        LinkState.ON_HOLD,
        "unlinked_by_support",
    )
    assert saleor_view(demo, link.user_id)[:2] == ("no-pricing", "on_hold")
    notes = [e.evidence.get("note") for e in await demo.services.links.history(link.id)]
    assert notes[-2:] == ["ticket 4711", "ticket 4712"]


async def test_support_may_not_confirm_and_a_rep_may_not_relink(lite: Demo) -> None:
    link = await settled(lite, AMBIGUOUS)
    review = lite.services.review

    with pytest.raises(NotAllowedError):
        await review.confirm(link.id, SUPPORT, account="10020")
    with pytest.raises(NotAllowedError):
        await review.relink(link.id, REP_MH, account="10020", reason="mine")

    assert (await review.get_link(link.id)).version == link.version
    assert [d.action for d in await review.reviews.denied()] == ["relink", "confirm"]


async def test_resync_repairs_drift_and_reassigns_a_changed_price_list(
    demo: Demo,
) -> None:
    link = await settled(demo, LINKED)
    user = demo.sandbox.store.user_by_global_id(link.user_id)
    assert user is not None
    user.private_metadata["erp.link_status"] = "tampered"
    edit_account(demo, "10000", **{"Customer Price Group": "VIP"})

    resynced = await demo.services.review.resync(link.id, SUPPORT)

    assert (resynced.state, resynced.price_list) == (LinkState.LINKED, "VIP")
    assert saleor_view(demo, link.user_id) == ("price-vip", "linked", "10000")
    last = (await demo.services.links.history(link.id))[-1]
    assert (last.reason, last.actor.kind) == ("resynced", "support")
    assert last.evidence == {"action": "resync", "repaired": []}


async def test_resync_repairs_saleor_when_only_saleor_drifted(demo: Demo) -> None:
    link = await settled(demo, LINKED)
    user = demo.sandbox.store.user_by_global_id(link.user_id)
    assert user is not None
    user.private_metadata["erp.link_status"] = "tampered"
    user.customer_type = demo.sandbox.store.customer_type_by_slug("price-vip")

    resynced = await demo.services.review.resync(link.id, ADMIN)

    assert resynced.version == link.version
    assert saleor_view(demo, link.user_id) == ("price-wholesale", "linked", "10000")
    last = (await demo.services.links.history(link.id))[-1]
    assert last.evidence == {
        "action": "resync",
        "repaired": ["erp.link_status", "customerType"],
    }


async def test_resync_puts_a_now_blocked_account_on_hold(demo: Demo) -> None:
    link = await settled(demo, LINKED)
    edit_account(demo, "10000", Blocked="All")

    resynced = await demo.services.review.resync(link.id, SUPPORT)

    assert (resynced.state, resynced.reason) == (LinkState.ON_HOLD, "account_blocked")
    assert saleor_view(demo, link.user_id)[:2] == ("no-pricing", "on_hold")


async def test_a_reps_choice_stands_once_the_customer_confirms_their_mailbox(
    demo: Demo,
) -> None:
    user_id = await demo.sandbox.register(AMBIGUOUS, "pw-123456789")
    installation = (await demo.services.installations.all())[0]
    link = await wait_for(demo, installation.id, user_id, LinkState.AWAITING_REP)

    chosen = await demo.services.review.confirm(link.id, REP_AB, account="10021")
    await demo.sandbox.confirm(AMBIGUOUS)
    linked = await wait_for(demo, installation.id, user_id, LinkState.LINKED)

    assert (chosen.state, chosen.account_number) == (
        LinkState.AWAITING_EMAIL_CONFIRMATION,
        "10021",
    )
    assert linked.account_number == "10021"
    assert saleor_view(demo, user_id) == ("price-distributor", "linked", "10021")
