"""Python-side customer helpers of the sandbox, for demos and test set-up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connector.sandbox import client
from connector.sandbox.client import metadata_input
from connector.sandbox.customers import apply_changes, clean_customer_input
from connector.sandbox.delivery import Delivery
from connector.sandbox.errors import SandboxError, SandboxRequestError
from connector.sandbox.inputs import InputError
from connector.sandbox.state import Principal, Store, User
from connector.sandbox.views import View, user_state

DEFAULT_REDIRECT_URL = "https://storefront.example.com/account/confirm"


class CustomerControls:
    """Customer helpers mixed into :class:`~connector.sandbox.SandboxSaleor`.

    Storefront actions (register, confirm) go through the GraphQL API over HTTP
    like a real storefront; staff actions act directly on the store as the
    sandbox's staff user.
    """

    store: Store
    staff: User

    @property
    def api_url(self) -> str:
        """The GraphQL endpoint; provided by the serving class."""
        raise NotImplementedError

    def publish(
        self, event_type: str, user: User, principal: Principal | None
    ) -> list[Delivery]:
        """Send an event to subscribers; provided by the serving class."""
        raise NotImplementedError

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
