"""``SandboxSaleor``: the control surface of the sandbox for demos and tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import structlog
import uvicorn

from connector.sandbox import client, install
from connector.sandbox.client import metadata_input
from connector.sandbox.customers import apply_changes, clean_customer_input
from connector.sandbox.delivery import (
    DEFAULT_RETRY_SCHEDULE_S,
    Delivery,
    WebhookDispatcher,
)
from connector.sandbox.errors import SandboxError, SandboxRequestError
from connector.sandbox.events import publish_event
from connector.sandbox.inputs import InputError
from connector.sandbox.keys import SigningKey
from connector.sandbox.schema import RequestContext
from connector.sandbox.server import bind_socket, build_app, serve_in_background
from connector.sandbox.state import App, Principal, Store, User
from connector.sandbox.views import View, user_state

logger = structlog.get_logger(__name__)

DEFAULT_CUSTOMER_TYPE = ("No pricing", "no-pricing")
STAFF_EMAIL = "staff@sandbox.example.com"
DEFAULT_REDIRECT_URL = "https://storefront.example.com/account/confirm"


class SandboxSaleor:
    """A stand-in Saleor store: GraphQL API, JWKS, app installs and webhooks.

    Args:
        retry_schedule_s: Pauses between webhook attempts (Saleor: 10..160 s).
        enable_account_confirmation_by_email: Saleor's store setting.

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
    ) -> None:
        self.store = Store()
        self.store.settings.enable_account_confirmation_by_email = (
            enable_account_confirmation_by_email
        )
        self._key = SigningKey()
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
            self._server.should_exit = True
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

    # Customers ------------------------------------------------------------

    def seed_customer_types(self, types: Iterable[tuple[str, str]]) -> list[str]:
        """Create customer types ``(name, slug)``; existing slugs are kept.

        Returns:
            The global IDs, in the order given.
        """
        created = [
            self.store.add_customer_type(name, slug, is_default=False)
            for name, slug in types
        ]
        return [customer_type.global_id for customer_type in created]

    def customer_type_id(self, slug: str) -> str:
        """Return the global ID of the customer type with ``slug``.

        Raises:
            KeyError: No such customer type.
        """
        customer_type = self.store.customer_type_by_slug(slug)
        if customer_type is None:
            raise KeyError(slug)
        return customer_type.global_id

    def user(self, user_id: str) -> View:
        """Return a user's stored state (see :func:`.views.user_state`).

        Raises:
            KeyError: No such user.
        """
        user = self.store.user_by_global_id(user_id)
        if user is None:
            raise KeyError(user_id)
        return user_state(user)

    def confirmation_token(self, email: str) -> str:
        """Return the pending confirmation token of the user with ``email``.

        Raises:
            SandboxError: No such user, or nothing to confirm.
        """
        user = self.store.user_by_email(email)
        if user is None or user.confirmation_token is None:
            raise SandboxError("no pending account confirmation for this e-mail")
        return user.confirmation_token

    async def register(
        self,
        email: str,
        password: str,
        *,
        metadata: dict[str, str] | None = None,
        first_name: str = "",
        last_name: str = "",
    ) -> str:
        """Register a customer through ``accountRegister`` over HTTP.

        Returns:
            The new user's global ID.

        Raises:
            SandboxRequestError: The mutation returned errors.
        """
        input_value = {
            "email": email,
            "password": password,
            "firstName": first_name,
            "lastName": last_name,
            "metadata": metadata_input(metadata),
            "redirectUrl": DEFAULT_REDIRECT_URL,
        }
        await client.account_register(self.api_url, input_value)
        user = self.store.user_by_email(email)
        if user is None:
            raise SandboxError("accountRegister succeeded but stored no user")
        return user.global_id

    async def confirm(self, email: str) -> None:
        """Confirm an account through ``confirmAccount`` over HTTP.

        Raises:
            SandboxError: Nothing to confirm for ``email``.
            SandboxRequestError: The mutation returned errors.
        """
        token = self.confirmation_token(email)
        await client.confirm_account(self.api_url, email, token)

    async def create_customer(
        self,
        email: str,
        *,
        first_name: str = "",
        last_name: str = "",
        is_confirmed: bool = True,
        is_active: bool = True,
        billing_post_code: str | None = None,
        billing_company_name: str = "",
        billing_country: str = "DE",
        customer_type: str | None = None,
        metadata: dict[str, str] | None = None,
        private_metadata: dict[str, str] | None = None,
    ) -> str:
        """Create a customer as the staff user would in the dashboard.

        Fires CUSTOMER_CREATED with :attr:`staff` as ``issuingPrincipal``.

        Args:
            email: The customer's e-mail.
            first_name: First name.
            last_name: Last name.
            is_confirmed: Whether the account counts as confirmed.
            is_active: Whether the customer can log in.
            billing_post_code: With it, a default billing address is set.
            billing_company_name: Company on the billing address.
            billing_country: Country code of the billing address.
            customer_type: Slug of the customer type (default type if None).
            metadata: Public metadata.
            private_metadata: Private metadata.

        Returns:
            The new user's global ID.

        Raises:
            SandboxRequestError: The input is invalid (e.g. duplicate e-mail).
        """
        data: dict[str, Any] = {
            "email": email,
            "firstName": first_name,
            "lastName": last_name,
            "isConfirmed": is_confirmed,
            "isActive": is_active,
            "metadata": metadata_input(metadata),
            "privateMetadata": metadata_input(private_metadata),
        }
        if billing_post_code is not None:
            data["defaultBillingAddress"] = {
                "companyName": billing_company_name,
                "postalCode": billing_post_code,
                "country": billing_country,
            }
        if customer_type is not None:
            data["customerType"] = self.customer_type_id(customer_type)
        user = self._create_as_staff(data)
        return user.global_id

    def _create_as_staff(self, data: dict[str, Any]) -> User:
        try:
            changes = clean_customer_input(self.store, data, owner=None)
        except InputError as exc:
            raise SandboxRequestError("customerCreate", exc.errors) from exc

        user = self.store.add_user(changes.values["email"])
        apply_changes(user, changes)
        self.publish("CUSTOMER_CREATED", user, self.staff)
        return user


async def main(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run a sandbox until interrupted (entry point for the ``erplink`` CLI)."""
    sandbox = SandboxSaleor()
    await sandbox.start(host, port, handle_signals=True)
    try:
        await sandbox.wait_closed()
    finally:
        await sandbox.stop()
