"""A real SMTP server for tests: aiosmtpd on a loopback port, keeping what arrives."""

from __future__ import annotations

import asyncio
import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Received:
    """One mail as the server got it."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        """The text of the `text/<subtype>` part."""
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return str(body.get_content())


@dataclass
class SmtpSink:
    """An SMTP server in the test's event loop; `received` holds every mail."""

    received: list[Received] = field(default_factory=list)
    port: int = 0
    # With credentials set, the server requires AUTH (over plain TCP: a test only).
    credentials: tuple[str, str] | None = None
    logins: list[str] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1 (port 0 picks a free one)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._session, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]

    def _session(self) -> SMTP:
        if self.credentials is None:
            return SMTP(self, hostname="sink.test")
        return SMTP(
            self,
            hostname="sink.test",
            auth_required=True,
            auth_require_tls=False,
            authenticator=self._authenticate,
        )

    def _authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        data: object,
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        login, password = data.login.decode(), data.password.decode()
        self.logins.append(login)
        return AuthResult(success=(login, password) == self.credentials, handled=False)

    async def stop(self) -> None:
        """Close the listening socket and every open session."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def handle_DATA(  # noqa: N802 - aiosmtpd calls handlers by this name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or envelope.content or b""
        assert isinstance(content, bytes)
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        recipients = [str(r) for r in envelope.rcpt_tos]
        self.received.append(Received(str(envelope.mail_from), recipients, message))
        async with self._arrived:
            self._arrived.notify_all()
        return "250 OK"

    async def wait_for(self, count: int, timeout_s: float = 10.0) -> list[Received]:
        """Wait until at least `count` mails arrived; all of them."""
        async with asyncio.timeout(timeout_s), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)
        return list(self.received)
