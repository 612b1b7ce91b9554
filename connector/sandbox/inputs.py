"""Validation of mutation inputs into Saleor-style error items."""

from __future__ import annotations

import re
from typing import Any

from connector.sandbox.state import Address, CustomerType, Store
from connector.sandbox.views import View

_EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8

# AddressInput field -> Address attribute.
ADDRESS_FIELDS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "companyName": "company_name",
    "streetAddress1": "street_address_1",
    "streetAddress2": "street_address_2",
    "city": "city",
    "cityArea": "city_area",
    "postalCode": "postal_code",
    "country": "country",
    "countryArea": "country_area",
    "phone": "phone",
}


def error_item(field: str | None, code: str, message: str) -> View:
    """Return one ``AccountError``/``MetadataError`` value."""
    return {"field": field, "code": code, "message": message}


class InputError(Exception):
    """A mutation input is invalid; carries the error items to return."""

    def __init__(self, *errors: View) -> None:
        super().__init__(errors)
        self.errors = list(errors)


def clean_email(value: str | None) -> str:
    """Return the normalised e-mail, or raise InputError (REQUIRED/INVALID)."""
    if not value:
        raise InputError(error_item("email", "REQUIRED", "This field is required."))
    email = value.strip().lower()
    if not _EMAIL_PATTERN.match(email):
        raise InputError(error_item("email", "INVALID", "Enter a valid email address."))

    return email


def ensure_email_free(store: Store, email: str, *, owner_pk: int | None = None) -> None:
    """Raise InputError UNIQUE when another user already has ``email``."""
    existing = store.user_by_email(email)
    if existing is not None and existing.pk != owner_pk:
        raise InputError(
            error_item("email", "UNIQUE", "User with this Email already exists.")
        )


def clean_password(value: str) -> str:
    """Return the password, or raise InputError PASSWORD_TOO_SHORT."""
    if len(value) < MIN_PASSWORD_LENGTH:
        message = (
            "This password is too short. It must contain at least "
            f"{MIN_PASSWORD_LENGTH} characters."
        )
        raise InputError(error_item("password", "PASSWORD_TOO_SHORT", message))

    return value


def clean_metadata(
    items: list[dict[str, str]] | None, field: str
) -> list[dict[str, str]]:
    """Return metadata items, or raise InputError REQUIRED on an empty key."""
    items = items or []
    if any(not item["key"].strip() for item in items):
        raise InputError(error_item(field, "REQUIRED", "Metadata key cannot be empty."))

    return items


def resolve_customer_type(store: Store, global_id: str) -> CustomerType:
    """Return the customer type with ``global_id`` or raise InputError NOT_FOUND."""
    customer_type = store.customer_type_by_global_id(global_id)
    if customer_type is None:
        message = f"Couldn't resolve to a node: {global_id}"
        raise InputError(error_item("customerType", "NOT_FOUND", message))

    return customer_type


def build_address(store: Store, data: dict[str, Any], field: str) -> Address:
    """Build a new address from an ``AddressInput`` value.

    Raises:
        InputError: REQUIRED when the country is missing (Saleor needs it to
            validate the rest of the address).
    """
    if not data.get("country"):
        raise InputError(error_item(field, "REQUIRED", "This field is required."))

    address = store.new_address()
    for input_name, attribute in ADDRESS_FIELDS.items():
        if data.get(input_name) is not None:
            setattr(address, attribute, data[input_name])
    return address


def same_address(left: Address | None, right: Address | None) -> bool:
    """Compare two addresses by content, ignoring their primary keys."""
    if left is None or right is None:
        return left is right
    return all(
        getattr(left, attribute) == getattr(right, attribute)
        for attribute in ADDRESS_FIELDS.values()
    )
