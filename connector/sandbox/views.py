"""Render stored records as GraphQL-shaped dicts.

Resolvers return these dicts and graphql-core's default resolvers read them; the
``__typename`` key lets the default type resolver pick the object type of an
interface or union value.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connector.sandbox.state import (
    Address,
    App,
    CustomerType,
    Metadata,
    Principal,
    User,
    to_global_id,
)

View = dict[str, Any]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def metadata_items(metadata: Metadata) -> list[dict[str, str]]:
    """Render metadata as Saleor's list of ``{key, value}`` items."""
    return [{"key": key, "value": value} for key, value in metadata.items()]


def address_view(address: Address | None) -> View | None:
    """Render an address, or None."""
    if address is None:
        return None
    return {
        "__typename": "Address",
        "id": to_global_id("Address", address.pk),
        "metadata": [],
        "privateMetadata": [],
        "firstName": address.first_name,
        "lastName": address.last_name,
        "companyName": address.company_name,
        "streetAddress1": address.street_address_1,
        "streetAddress2": address.street_address_2,
        "city": address.city,
        "cityArea": address.city_area,
        "postalCode": address.postal_code,
        "country": {"code": address.country},
        "countryArea": address.country_area,
        "phone": address.phone,
    }


def customer_type_view(customer_type: CustomerType | None) -> View | None:
    """Render a customer type, or None."""
    if customer_type is None:
        return None
    return {
        "__typename": "CustomerType",
        "id": to_global_id("CustomerType", customer_type.pk),
        "metadata": [],
        "privateMetadata": [],
        "name": customer_type.name,
        "slug": customer_type.slug,
        "isDefault": customer_type.is_default,
    }


def user_view(user: User) -> View:
    """Render a user with every field the sandbox schema has."""
    return {
        "__typename": "User",
        "id": user.global_id,
        "metadata": metadata_items(user.metadata),
        "privateMetadata": metadata_items(user.private_metadata),
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "isStaff": user.is_staff,
        "isActive": user.is_active,
        "isConfirmed": user.is_confirmed,
        "note": user.note,
        "defaultBillingAddress": address_view(user.default_billing_address),
        "defaultShippingAddress": address_view(user.default_shipping_address),
        "externalReference": user.external_reference,
        "customerType": customer_type_view(user.customer_type),
        "lastLogin": _iso(user.last_login),
        "dateJoined": _iso(user.date_joined),
        "updatedAt": _iso(user.updated_at),
    }


def app_view(app: App | None) -> View | None:
    """Render an app, or None."""
    if app is None:
        return None
    return {
        "__typename": "App",
        "id": app.global_id,
        "metadata": [],
        "privateMetadata": [],
        "identifier": app.identifier,
        "isActive": app.is_active,
        "name": app.name,
        "version": app.version,
        "appUrl": app.app_url,
        "manifestUrl": app.manifest_url,
    }


def principal_view(principal: Principal | None) -> View | None:
    """Render an ``IssuingPrincipal`` value: an App, a User, or None."""
    if isinstance(principal, App):
        return app_view(principal)
    if isinstance(principal, User):
        return user_view(principal)
    return None


def user_state(user: User) -> View:
    """Render a user for test assertions: metadata as plain dicts.

    Same keys as :func:`user_view`, except ``metadata`` and ``privateMetadata``
    are ``{key: value}`` dicts and no ``__typename`` is included.
    """
    state = user_view(user)
    del state["__typename"]
    state["metadata"] = dict(user.metadata)
    state["privateMetadata"] = dict(user.private_metadata)
    return state
