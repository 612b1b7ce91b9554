"""The admin and support commands against a running demo's store and Saleor."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from connector.cli import main
from connector.demo import Demo
from connector.linking.model import LinkState
from tests.review_support import AMBIGUOUS, LINKED, review_demo, saleor_view, settled


@pytest.fixture
async def demo(database_url: str, tmp_path: Path) -> AsyncIterator[Demo]:
    async for running in review_demo(database_url, tmp_path):
        yield running


async def erplink(demo: Demo, *args: str) -> Result:
    """Run `erplink ARGS` on the demo's store, beside the running servers."""
    settings = demo.services.settings
    env = {
        "ERPLINK_DATA_DIR": str(settings.data_dir),
        "ERPLINK_DATABASE_URL": settings.resolved_database_url(),
        "ERPLINK_ADAPTER_OPTIONS": json.dumps(settings.adapter_options),
    }
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, main, list(args), env=env)


async def test_an_api_key_is_shown_once_listed_without_secret_and_revoked(
    demo: Demo,
) -> None:
    created = await erplink(
        demo, "apikey", "create", "--role", "sales_rep", "--name", "mh", "--rep", "MH"
    )
    key = created.stdout.strip()
    listed = await erplink(demo, "apikey", "list")
    revoked = await erplink(demo, "apikey", "revoke", "1")

    assert created.exit_code == 0, created.output
    assert key.startswith("erpl_")
    assert len(key) > 40
    assert key not in listed.stdout
    assert f"#1  {key[:13]}...  sales_rep mh rep=MH  active" in listed.stdout
    assert "revoked #1" in revoked.stdout
    assert await demo.services.api_keys.reviewer(key) is None


async def test_a_rep_key_without_a_rep_code_is_refused(demo: Demo) -> None:
    done = await erplink(
        demo, "apikey", "create", "--role", "sales_rep", "--name", "mh"
    )

    assert done.exit_code == 1
    assert "needs --rep CODE" in done.output
    assert await demo.services.api_keys.list() == []


async def test_show_prints_state_reason_and_history(demo: Demo) -> None:
    await settled(demo, LINKED)

    done = await erplink(demo, "show", LINKED)

    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[1].split() == ["state:", "linked"]
    assert lines[2].split() == ["reason:", "matched"]
    assert lines[3].split() == ["account:", "10000"]
    assert lines[5].split() == ["prices:", "shown"]
    assert "system" in lines[8]
    assert "received -> linked" in lines[8]


async def test_show_of_an_unknown_email_says_so(demo: Demo) -> None:
    done = await erplink(demo, "show", "nobody@nowhere.example")

    assert done.exit_code == 1
    assert "not_found: erplink has never seen this e-mail" in done.output


async def test_relink_and_resync_from_the_terminal(demo: Demo) -> None:
    link = await settled(demo, AMBIGUOUS)

    relinked = await erplink(
        demo, "relink", AMBIGUOUS, "10021", "--reason", "ticket 12"
    )
    resynced = await erplink(demo, "resync", AMBIGUOUS)

    assert relinked.exit_code == 0, relinked.output
    assert f"#{link.id}  linked  matched" in relinked.stdout
    assert resynced.exit_code == 0, resynced.output
    assert saleor_view(demo, link.user_id) == ("price-distributor", "linked", "10021")
    history = await demo.services.links.history(link.id)
    assert [e.actor.kind for e in history[-2:]] == ["support", "support"]
    assert history[-1].actor.name.startswith("cli:")


async def test_relink_to_a_blocked_account_is_refused(demo: Demo) -> None:
    link = await settled(demo, AMBIGUOUS)

    done = await erplink(demo, "relink", AMBIGUOUS, "10040", "--reason", "asked")

    assert done.exit_code == 1
    assert "refused:" in done.output
    assert "blocked" in done.output
    assert (await demo.services.review.get_link(link.id)).state is (
        LinkState.AWAITING_REP
    )


async def test_resync_all_shows_progress_and_a_summary(demo: Demo) -> None:
    await settled(demo, LINKED)
    await settled(demo, "jonas.weber@brandt-metall.de")

    done = await erplink(demo, "resync", "--all")

    assert done.exit_code == 0, done.output
    assert "job #1 done: 2 resynced, 0 failed" in done.stdout
    assert (await demo.services.jobs.get(1)) is not None
