"""The SMTP client against a real server: credentials used, never shown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from email.message import EmailMessage

import pytest
from pydantic import SecretStr

from connector.mail.smtp import MailUnavailableError, send_mail
from connector.settings import Settings
from tests.mail.smtp_sink import SmtpSink

PASSWORD = "s3cret-smtp-password"
# The sink takes AUTH over plain TCP, which aiosmtpd rightly warns about; it is a
# loopback test server, and TLS would only hide what the client sends.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning"
)


@pytest.fixture
async def auth_smtp() -> AsyncIterator[SmtpSink]:
    sink = SmtpSink(credentials=("erplink", PASSWORD))
    await sink.start()
    yield sink
    await sink.stop()


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = "test"
    mail["From"] = "erplink@erplink-demo.example"
    mail["To"] = "m.hansen@erplink-demo.example"
    mail.set_content("hello")
    return mail


def smtp_settings(port: int, password: str) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_username="erplink",
        smtp_password=SecretStr(password),
    )


async def test_mail_is_sent_with_the_configured_credentials(
    auth_smtp: SmtpSink,
) -> None:
    await send_mail(message(), smtp_settings(auth_smtp.port, PASSWORD))

    assert auth_smtp.logins == ["erplink"]
    assert [m.recipients for m in auth_smtp.received] == [
        ["m.hansen@erplink-demo.example"]
    ]


async def test_refused_credentials_are_a_retryable_error_without_the_password(
    auth_smtp: SmtpSink, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "wrong-" + PASSWORD

    with pytest.raises(MailUnavailableError) as raised:
        await send_mail(message(), smtp_settings(auth_smtp.port, wrong))

    assert raised.value.transient is True
    assert str(raised.value) == (
        f"the SMTP server 127.0.0.1:{auth_smtp.port} did not take the mail "
        "(SMTPAuthenticationError); it is retried later"
    )
    assert auth_smtp.received == []
    assert wrong not in repr(smtp_settings(auth_smtp.port, wrong))
    captured = capsys.readouterr()
    assert wrong not in captured.out + captured.err
