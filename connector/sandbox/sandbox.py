"""``SandboxSaleor``: the control surface of the sandbox for demos and tests."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
import uvicorn

from connector.sandbox import install
from connector.sandbox.control import CustomerControls
from connector.sandbox.delivery import (
    DEFAULT_RETRY_SCHEDULE_S,
    Delivery,
    WebhookDispatcher,
)
from connector.sandbox.errors import SandboxError
from connector.sandbox.events import publish_event
from connector.sandbox.keys import SigningKey
from connector.sandbox.schema import RequestContext
from connector.sandbox.server import (
    bind_socket,
    build_app,
    request_exit,
    serve_in_background,
)
from connector.sandbox.state import App, Principal, Store, User

logger = structlog.get_logger(__name__)

DEFAULT_CUSTOMER_TYPE = ("No pricing", "no-pricing")
STAFF_EMAIL = "staff@sandbox.example.com"


class SandboxSaleor(CustomerControls):
    """A stand-in Saleor store: GraphQL API, JWKS, app installs and webhooks.

    Args:
        retry_schedule_s: Pauses between webhook attempts (Saleor: 10..160 s).
        enable_account_confirmation_by_email: Saleor's store setting.
        signing_key: The key to start with; a fresh RSA 2048 key if None.

    Attributes:
        store: All data (users, customer types, apps, settings).
        staff: The staff user acting for Python-side calls such as
            :meth:`create_customer`; it is the ``issuingPrincipal`` they report.
    """

    def __init__(
        self,
        *,
        retry_schedule_s: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE_S,
        enable_account_confirmation_by_email: bool = True,
        signing_key: SigningKey | None = None,
    ) -> None:
        self.store = Store()
        self.store.settings.enable_account_confirmation_by_email = (
            enable_account_confirmation_by_email
        )
        self._key = signing_key or SigningKey()
        self.dispatcher = WebhookDispatcher(self.sign, retry_schedule_s)
        self.staff = self.store.add_user(STAFF_EMAIL, is_staff=True)
        self.store.add_customer_type(*DEFAULT_CUSTOMER_TYPE, is_default=True)
        self.base_url = ""
        self._server: uvicorn.Server | None = None
        self._server_task: asyncio.Task[None] | None = None

    # Keys -----------------------------------------------------------------

    @property
    def kid(self) -> str:
        """The ``kid`` of the current signing key."""
        return self._key.kid

    def jwks(self) -> dict[str, Any]:
        """Return the JWKS document currently served."""
        return self._key.jwks()

    def sign(self, body: bytes) -> str:
        """Sign ``body`` as Saleor signs a webhook (detached JWS, RS256)."""
        return self._key.sign(body)

    def sign_jwt(self, claims: dict[str, Any]) -> str:
        """Sign a JWT (a dashboard token) with the current key, as Saleor does."""
        return self._key.sign_jwt(claims)

    def rotate_key(self) -> None:
        """Replace the key: JWKS and signatures (including retries) switch at once."""
        self._key = SigningKey()
        logger.info("sandbox.key.rotated", kid=self._key.kid)

    # Settings -------------------------------------------------------------

    @property
    def enable_account_confirmation_by_email(self) -> bool:
        """Whether ``accountRegister`` creates unconfirmed users."""
        return self.store.settings.enable_account_confirmation_by_email

    @enable_account_confirmation_by_email.setter
    def enable_account_confirmation_by_email(self, value: bool) -> None:
        self.store.settings.enable_account_confirmation_by_email = value

    # Serving --------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """The GraphQL endpoint, with the trailing slash Saleor uses."""
        return f"{self.base_url}/graphql/"

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, *, handle_signals: bool = False
    ) -> None:
        """Serve on ``host:port`` in the running event loop (port 0: any free).

        Args:
            host: Interface to bind.
            port: TCP port; 0 picks a free one.
            handle_signals: Let uvicorn handle SIGINT/SIGTERM (for a CLI).
        """
        sock = bind_socket(host, port)
        bound_host, bound_port = sock.getsockname()[:2]
        shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.base_url = f"http://{shown_host}:{bound_port}"
        self.dispatcher.domain = f"{shown_host}:{bound_port}"
        self.dispatcher.api_url = self.api_url
        app = build_app(self.jwks, self._context)
        self._server, self._server_task = await serve_in_background(
            app, sock, embedded=not handle_signals
        )
        logger.info("sandbox.started", base_url=self.base_url, kid=self.kid)

    async def wait_closed(self) -> None:
        """Wait until the server stops (on a signal when ``handle_signals``)."""
        if self._server_task is not None:
            await self._server_task

    async def stop(self) -> None:
        """Stop serving and cancel pending webhook deliveries."""
        if self._server is not None and self._server_task is not None:
            request_exit(self._server)
            await self._server_task
        self._server = self._server_task = None
        await self.dispatcher.aclose()
        logger.info("sandbox.stopped", base_url=self.base_url)

    def _context(self, token: str | None) -> RequestContext:
        app = self.store.app_by_token(token) if token else None
        return RequestContext(store=self.store, app=app, emit=self.publish)

    # Apps and webhooks ----------------------------------------------------

    async def install_app(
        self, manifest_url: str, permissions: list[str] | None = None
    ) -> App:
        """Install an app like Saleor's ``appInstall``; see :mod:`.install`.

        Raises:
            SandboxError: The sandbox is not serving yet.
            AppInstallError: The manifest or the token hand-over failed.
        """
        if not self.base_url:
            raise SandboxError("start() the sandbox before installing apps")
        return await install.install_app(
            self.store, manifest_url, self.api_url, permissions
        )

    def publish(
        self, event_type: str, user: User, principal: Principal | None
    ) -> list[Delivery]:
        """Send ``event_type`` about ``user`` to every subscribed webhook."""
        return publish_event(self.store, self.dispatcher, event_type, user, principal)

    @property
    def deliveries(self) -> list[Delivery]:
        """The delivery log, oldest first."""
        return self.dispatcher.deliveries

    def redeliver(self, delivery: Delivery) -> None:
        """Send a delivery's exact bytes again, re-signed with the current key."""
        self.dispatcher.redeliver(delivery)

    async def wait_idle(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until no webhook delivery is pending (TimeoutError after timeout)."""
        await self.dispatcher.wait_idle(timeout)


async def main(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run a sandbox until interrupted (entry point for the ``erplink`` CLI)."""
    sandbox = SandboxSaleor()
    await sandbox.start(host, port, handle_signals=True)
    try:
        await sandbox.wait_closed()
    finally:
        await sandbox.stop()
