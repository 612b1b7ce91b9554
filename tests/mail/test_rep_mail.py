"""The rep's mail: who gets it, what it shows, and that it goes out once."""

from __future__ import annotations

import re

from connector.demo import Demo
from connector.linking.model import LinkState
from connector.mail.dispatch import MailDispatcher
from connector.mail.outbox import NotificationStatus, rep_key
from connector.mail.tokens import Action, signer_for
from tests.mail.conftest import HANSEN, register
from tests.mail.smtp_sink import SmtpSink

REVIEW_URL = re.compile(r"http://127\.0\.0\.1:\d+/review/[A-Za-z0-9_.\-]+")


async def test_each_rep_of_an_ambiguous_domain_gets_one_mail_with_the_evidence(
    mail_demo: Demo, smtp: SmtpSink
) -> None:
    # given a customer whose domain two accounts of two reps share
    link = await register(mail_demo, HANSEN)

    # when the dispatcher has run
    mails = await smtp.wait_for(2)

    # then each rep got one mail with every candidate and their own Confirm link
    assert link.state is LinkState.AWAITING_REP
    assert sorted(r for m in mails for r in m.recipients) == [
        "a.becker@erplink-demo.example",
        "m.hansen@erplink-demo.example",
    ]
    by_rep = {m.recipients[0]: m for m in mails}
    hansen = by_rep["m.hansen@erplink-demo.example"]
    text = hansen.part("plain")
    assert (
        hansen.message["Subject"]
        == "Please review a new web account (hansen-gruppe.de)"
    )
    assert hansen.message["From"] == "erplink <erplink@erplink-demo.example>"
    assert "Customer e-mail: buyer@hansen-gruppe.de" in text
    assert "The e-mail domain belongs to more than one account." in text
    assert "How it matched: e-mail domain" in text
    assert "10020  Hansen Gruppe Nord  post code 24103" in text
    assert "10021  Hansen Gruppe Süd  post code 80331" in text
    assert "(rep AB decides on this account)" in text
    urls = REVIEW_URL.findall(text)
    assert len(urls) == 2  # Confirm 10020 and Reject
    html = hansen.part("html")
    assert "<td>Hansen Gruppe Nord</td><td>24103</td>" in html
    assert set(REVIEW_URL.findall(html)) == set(urls)

    # and the other rep's links carry the link version, their code and account
    becker = by_rep["a.becker@erplink-demo.example"]
    signer = signer_for(mail_demo.services.settings)
    tokens = [
        signer.verify(url.rsplit("/", 1)[1])
        for url in REVIEW_URL.findall(becker.part("plain"))
    ]
    assert [(t.action, t.account, t.rep_code) for t in tokens] == [
        (Action.CONFIRM, "10021", "AB"),
        (Action.REJECT, "", "AB"),
    ]
    assert {(t.link_id, t.version) for t in tokens} == {(link.id, link.version)}


async def test_one_link_version_is_mailed_once(mail_demo: Demo, smtp: SmtpSink) -> None:
    # given the mails of one link version went out
    link = await register(mail_demo, HANSEN)
    await smtp.wait_for(2)

    # when the dispatcher sweeps again
    await MailDispatcher(mail_demo.services).run_once()
    await MailDispatcher(mail_demo.services).run_once()

    # then no second mail and one sent row for that version
    rows = [n for n in await mail_demo.services.outbox.all() if n.kind == "rep"]
    assert [(n.key, n.status, sorted(n.sent_to)) for n in rows] == [
        (rep_key(link.id, link.version), NotificationStatus.SENT, ["AB", "MH"])
    ]
    assert len(smtp.received) == 2
