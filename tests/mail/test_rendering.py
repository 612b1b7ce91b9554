"""What customers and the ERP wrote is escaped on every page and in every mail."""

from __future__ import annotations

from connector.linking.model import LinkState
from connector.mail.rendering import render
from connector.mail.rep_mail import CandidateView, RepRequest, rep_message
from connector.settings import Settings
from connector.store.links import Link

HOSTILE = '<script>alert("x")</script>'


def hostile_link() -> Link:
    return Link(
        id=7,
        installation_id=1,
        user_id="VXNlcjox",
        email=f"{HOSTILE}@example.de",
        state=LinkState.AWAITING_REP,
        reason="ambiguous_domain",
        strategy="email_domain",
    )


def hostile_candidate() -> CandidateView:
    return CandidateView(
        number="10020",
        name=f"Hansen {HOSTILE}",
        post_code="24103",
        strategy="email_domain",
        matched=("domain",),
        rep_code="MH",
        confirm_url='https://erplink.example/review/abc"onmouseover="x',
    )


def test_the_review_page_escapes_customer_and_erp_values() -> None:
    page = render(
        "review_form.html",
        title="Confirm this account",
        link=hostile_link(),
        reason="r",
        strategy="e-mail domain",
        candidates=[hostile_candidate()],
        account="10020",
        action="confirm",
        token='t"><b>',
        action_url="https://erplink.example/review",
    )

    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;@example.de" in page
    assert 'value="t&#34;&gt;&lt;b&gt;"' in page


def test_the_rep_mail_escapes_its_html_part_and_keeps_the_text_part_plain() -> None:
    request = RepRequest(
        "MH",
        "m.hansen@erplink-demo.example",
        hostile_link(),
        (hostile_candidate(),),
        "https://erplink.example/review/rejecttoken",
    )

    message = rep_message(request, Settings())

    html = message.get_body(preferencelist=("html",))
    text = message.get_body(preferencelist=("plain",))
    assert html is not None
    assert text is not None
    assert HOSTILE not in html.get_content()
    assert 'abc&#34;onmouseover=&#34;x"' in html.get_content()
    assert f"Hansen {HOSTILE}" in text.get_content()
