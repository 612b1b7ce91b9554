"""Sending mail through the configured SMTP server (aiosmtplib).

SMTP failures of any kind, a refused connection as much as a 4xx or 5xx answer,
become `MailUnavailableError` here: the outbox keeps the mail and tries again later,
so a mail server outage delays mail and never touches a link.
"""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from connector.errors import ErplinkError
from connector.settings import Settings


class MailUnavailableError(ErplinkError):
    """The SMTP server did not take the mail; it stays in the outbox."""

    code = "mail_unavailable"
    transient = True


def mail_enabled(settings: Settings) -> bool:
    """Mail goes out only once an SMTP host is configured."""
    return bool(settings.smtp_host)


async def send_mail(message: EmailMessage, settings: Settings) -> None:
    """Hand one message to the SMTP server named in `settings`.

    Raises:
        MailUnavailableError: the server could not be reached or refused the mail.
    """
    password = settings.smtp_password
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=password.get_secret_value() if password else None,
            use_tls=settings.smtp_security == "ssl",
            start_tls=settings.smtp_security == "starttls",
            timeout=settings.smtp_timeout_s,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        # The exception text may quote the server's answer, never our credentials;
        # its type is enough to tell an outage from a refusal in the logs.
        raise MailUnavailableError(
            f"the SMTP server {settings.smtp_host}:{settings.smtp_port} did not "
            f"take the mail ({type(exc).__name__}); it is retried later"
        ) from exc
