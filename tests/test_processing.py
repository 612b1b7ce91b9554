"""Processing when something is missing or down: nobody is released, nothing lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from connector.demo import Demo, start_demo
from connector.linking.model import LinkState
from connector.services import open_services
from connector.settings import Settings
from connector.store.links import Link
from connector.worker import Worker
from erp_adapters.base import ErpMisconfiguredError

ANNA = "anna.schmidt@acme-industrial.de"


@pytest.fixture
async def manual(database_url: str, tmp_path: Path) -> AsyncIterator[Demo]:
    """The demo with no worker running: the test drives the worker itself."""
    settings = Settings(data_dir=tmp_path, database_url=database_url, run_worker=False)
    running = await start_demo(settings, port=0, sandbox_port=0)
    yield running
    await running.stop()


async def link_of(demo: Demo, user_id: str) -> Link | None:
    installation = (await demo.services.installations.all())[0]
    return await demo.services.links.get(installation.id, user_id)


async def delivered(demo: Demo) -> None:
    await demo.sandbox.wait_idle(5.0)
    counts = await demo.services.inbox.counts()
    assert counts.get("pending", 0) >= 1


async def test_a_missing_customer_type_makes_the_link_wait_for_an_admin(
    manual: Demo,
) -> None:
    store = manual.sandbox.store
    wholesale = store.customer_type_by_slug("price-wholesale")
    assert wholesale is not None
    del store.customer_types[wholesale.pk]
    user_id = await manual.sandbox.create_customer(ANNA, is_confirmed=True)
    await delivered(manual)

    await Worker(manual.services).run_once()
    stale = await manual.services.inbox.list()
    await manual.services.inbox.retry_later(stale[0].id, "", timedelta(0))
    await Worker(manual.services).run_once()

    assert "stale_customer_types" in stale[0].last_error
    link = await link_of(manual, user_id)
    assert link is not None
    assert (link.state, link.reason) == (
        LinkState.AWAITING_ADMIN,
        "customer_type_missing",
    )
    assert manual.sandbox.user(user_id)["customerType"]["slug"] == "no-pricing"


async def test_a_saleor_outage_delays_the_link_and_loses_nothing(manual: Demo) -> None:
    user_id = await manual.sandbox.create_customer(ANNA, is_confirmed=True)
    await delivered(manual)
    host, port = manual.sandbox.base_url.removeprefix("http://").split(":")
    await manual.sandbox.stop()

    await Worker(manual.services).run_once()
    waiting = await manual.services.inbox.list()
    before_link = await link_of(manual, user_id)

    await manual.sandbox.start(host, int(port))
    await manual.services.inbox.retry_later(waiting[0].id, "test", timedelta(0))
    await Worker(manual.services).run_once()

    assert [(i.status, i.attempts) for i in waiting[:1]] == [("pending", 1)]
    assert "saleor_unavailable" in waiting[0].last_error
    assert before_link is not None
    assert before_link.state is LinkState.RECEIVED
    after = await link_of(manual, user_id)
    assert after is not None
    assert after.state is LinkState.LINKED
    assert manual.sandbox.user(user_id)["customerType"]["slug"] == "price-wholesale"


async def test_a_missing_erp_file_stops_start_up_naming_the_file(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-such-export.csv"
    settings = Settings(data_dir=tmp_path, adapter_options={"accounts": str(missing)})

    with pytest.raises(ErpMisconfiguredError, match="no-such-export.csv"):
        await open_services(settings)


async def test_a_malformed_erp_file_stops_start_up_naming_the_line(
    tmp_path: Path,
) -> None:
    export = tmp_path / "accounts.csv"
    export.write_text("No.,Name,E-Mail\n10000,Acme,info@acme.de\n,No number,x@y.de\n")
    settings = Settings(data_dir=tmp_path, adapter_options={"accounts": str(export)})

    with pytest.raises(ErpMisconfiguredError, match=r"accounts\.csv.*line 3"):
        await open_services(settings)


async def test_events_of_one_customer_wait_for_each_other(manual: Demo) -> None:
    user_id = await manual.sandbox.register("jonas.weber@brandt-metall.de", "pw-123456")
    await manual.sandbox.confirm("jonas.weber@brandt-metall.de")
    await delivered(manual)

    processed = await Worker(manual.services).run_once()
    await asyncio.sleep(0)

    link = await link_of(manual, user_id)
    assert processed == 2
    assert link is not None
    assert link.state is LinkState.LINKED


async def eventually_linked(demo: Demo, user_id: str, timeout_s: float = 10) -> Link:
    """The user's link once it is linked; fails after `timeout_s`."""
    for _ in range(int(timeout_s / 0.05)):
        link = await link_of(demo, user_id)
        if link is not None and link.state is LinkState.LINKED:
            return link
        await asyncio.sleep(0.05)
    raise AssertionError(f"{user_id} was not linked within {timeout_s} s")


async def test_a_slow_customer_does_not_hold_up_the_next_one(manual: Demo) -> None:
    release = asyncio.Event()
    started = asyncio.Event()
    handle = manual.services.processor.handle

    async def slow_for_the_first(item):  # type: ignore[no-untyped-def]
        if not started.is_set():
            started.set()
            await release.wait()  # Saleor or the ERP taking its time for Anna
        return await handle(item)

    manual.services.processor.handle = slow_for_the_first  # type: ignore[method-assign]
    stop = asyncio.Event()
    worker = asyncio.create_task(Worker(manual.services).run(stop))
    try:
        slow_id = await manual.sandbox.create_customer(ANNA, is_confirmed=True)
        await asyncio.wait_for(started.wait(), 10)
        fast_id = await manual.sandbox.create_customer(
            "jonas.weber@brandt-metall.de", is_confirmed=True
        )

        await eventually_linked(manual, fast_id)
        held = await link_of(manual, slow_id)
        release.set()
        await eventually_linked(manual, slow_id)
    finally:
        release.set()
        stop.set()
        await worker

    assert held is None or held.state is not LinkState.LINKED
