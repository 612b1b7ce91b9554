"""The admin digest: periodic from the worker, once per period, and `erplink digest`."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from click.testing import CliRunner

from connector.cli import main
from connector.demo import Demo
from connector.mail.dispatch import MailDispatcher
from connector.mail.outbox import NotificationKind, NotificationStatus
from tests.mail.conftest import ADMINS, register
from tests.mail.smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
CREDIT = "einkauf@grossabnehmer.de"
UNMAPPED = "ole@fjord-trading.dk"


async def test_the_digest_lists_every_link_waiting_for_an_admin(
    demo: Demo, smtp: SmtpSink
) -> None:
    # given two links waiting for an admin, and mail set up only now
    credit = await register(demo, CREDIT)
    unmapped = await register(demo, UNMAPPED)
    services = demo.services
    services.settings = services.settings.with_overrides(
        smtp_host="127.0.0.1", smtp_port=smtp.port, admin_emails=ADMINS
    )

    # when the mail task runs a round
    await MailDispatcher(services).run_once()

    # then the admins get one mail listing both, with where to act
    digest = smtp.received[0]
    text = digest.part("plain")
    assert digest.recipients == ADMINS
    assert digest.message["Subject"] == "erplink: 2 link(s) wait for an admin"
    assert f"- link {credit.id}  {CREDIT}  account 10030  credit limit above" in text
    assert f"- link {unmapped.id}  {UNMAPPED}  account 10050  price list without" in (
        text
    )
    assert f"{services.settings.public_url}/graphql" in text
    assert f"<td>{CREDIT}</td>" in digest.part("html")


async def test_a_quiet_start_of_a_period_does_not_use_up_its_digest(
    mail_demo: Demo, smtp: SmtpSink
) -> None:
    # given the worker's mail task ran rounds while nothing waited
    await MailDispatcher(mail_demo.services).run_once()
    assert await mail_demo.services.outbox.all() == []

    # when a link starts waiting for an admin
    credit = await register(mail_demo, CREDIT)

    # then this period's digest goes out, listing it
    mails = await smtp.wait_for(1)
    assert mails[0].recipients == ADMINS
    assert f"- link {credit.id}  {CREDIT}" in mails[0].part("plain")


async def test_a_digest_period_is_mailed_once_however_many_workers_run(
    demo: Demo, smtp: SmtpSink
) -> None:
    # given a link waiting for an admin, and mail set up after the worker started
    # (so that only the dispatchers of this test send)
    await register(demo, CREDIT)
    services = demo.services
    services.settings = services.settings.with_overrides(
        smtp_host="127.0.0.1", smtp_port=smtp.port, admin_emails=ADMINS
    )

    # when three dispatchers run their rounds at once, then once more
    await asyncio.gather(*(MailDispatcher(services).run_once() for _ in range(3)))
    await MailDispatcher(services).run_once()

    # then one digest row for the period, sent, and one mail
    rows = await services.outbox.all()
    assert [(n.kind, n.status) for n in rows] == [
        (NotificationKind.DIGEST, NotificationStatus.SENT)
    ]
    assert len(smtp.received) == 1
    assert smtp.received[0].recipients == ADMINS


async def test_erplink_digest_send_mails_the_digest_now(
    demo: Demo, database_url: str, tmp_path: Path, smtp: SmtpSink
) -> None:
    # given a link waiting for an admin (the demo itself sends no mail)
    credit = await register(demo, CREDIT)

    # when an operator runs `erplink digest --send`
    done = await erplink_cli(
        "digest", "--send", database_url=database_url, data_dir=tmp_path, smtp=smtp
    )

    # then the digest arrives and the command says so
    assert done[0] == 0, done[2]
    assert done[1].splitlines() == [
        f"link {credit.id}  {CREDIT}  account=10030  credit_limit_over_threshold",
        "digest of 1 link(s) sent to 1 admin address",
    ]
    mails = await smtp.wait_for(1)
    assert mails[0].recipients == ADMINS


def test_erplink_digest_send_without_smtp_host_is_a_usage_error(
    tmp_path: Path,
) -> None:
    env = {"ERPLINK_DATA_DIR": str(tmp_path), "ERPLINK_SMTP_HOST": ""}

    done = CliRunner().invoke(main, ["digest", "--send"], env=env)

    assert done.exit_code == 2
    assert "set ERPLINK_SMTP_HOST (and port) to send mail" in done.output
    assert not (tmp_path / "erplink.db").exists()  # stopped before opening anything


async def erplink_cli(
    *args: str,
    database_url: str,
    data_dir: Path,
    smtp: SmtpSink | None,
) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "ERPLINK_DATA_DIR": str(data_dir),
        "ERPLINK_DATABASE_URL": database_url,
        "ERPLINK_ADMIN_EMAILS": json.dumps(ADMINS),
    }
    if smtp is not None:
        env |= {"ERPLINK_SMTP_HOST": "127.0.0.1", "ERPLINK_SMTP_PORT": str(smtp.port)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "connector.cli",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()
