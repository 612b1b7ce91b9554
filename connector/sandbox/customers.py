"""App mutations on customers: create, update and metadata writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog
from graphql import GraphQLResolveInfo

from connector.sandbox.inputs import (
    InputError,
    build_address,
    clean_email,
    clean_metadata,
    ensure_email_free,
    error_item,
    resolve_customer_type,
    same_address,
)
from connector.sandbox.schema import (
    RequestContext,
    Resolver,
    context_of,
    require_permission,
)
from connector.sandbox.state import Store, User, from_global_id, now, upsert_metadata
from connector.sandbox.views import View, user_view

logger = structlog.get_logger(__name__)

# CustomerInput field -> User attribute, for plain scalar fields.
SCALAR_FIELDS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "isActive": "is_active",
    "note": "note",
    "externalReference": "external_reference",
    "isConfirmed": "is_confirmed",
}
ADDRESS_INPUTS = {
    "defaultBillingAddress": "default_billing_address",
    "defaultShippingAddress": "default_shipping_address",
}


@dataclass
class CustomerChanges:
    """A validated customer input, ready to apply.

    Attributes:
        values: User attribute -> new value, for every non-metadata field given.
        metadata: Public metadata items to upsert.
        private_metadata: Private metadata items to upsert.
    """

    values: dict[str, Any] = field(default_factory=dict)
    metadata: list[dict[str, str]] = field(default_factory=list)
    private_metadata: list[dict[str, str]] = field(default_factory=list)


def _clean_identity(store: Store, data: dict[str, Any], owner: User | None) -> None:
    owner_pk = owner.pk if owner is not None else None
    if owner is None or data.get("email") is not None:
        data["email"] = clean_email(data.get("email"))
        ensure_email_free(store, data["email"], owner_pk=owner_pk)
    reference = data.get("externalReference")
    holder = store.user_by_external_reference(reference) if reference else None
    if holder is not None and holder.pk != owner_pk:
        message = "User with this External reference already exists."
        raise InputError(error_item("externalReference", "UNIQUE", message))


def clean_customer_input(
    store: Store, data: dict[str, Any], owner: User | None
) -> CustomerChanges:
    """Validate a ``UserCreateInput``/``CustomerInput`` value.

    Args:
        store: The sandbox data, for uniqueness and ID lookups.
        data: The coerced GraphQL input.
        owner: The user being updated, or None when creating.

    Raises:
        InputError: With the AccountError items Saleor would return.
    """
    data = dict(data)
    _clean_identity(store, data, owner)
    changes = CustomerChanges(
        metadata=clean_metadata(data.get("metadata"), "metadata"),
        private_metadata=clean_metadata(data.get("privateMetadata"), "privateMetadata"),
    )
    for input_name, attribute in SCALAR_FIELDS.items():
        if data.get(input_name) is not None:
            changes.values[attribute] = data[input_name]
    for input_name, attribute in ADDRESS_INPUTS.items():
        if data.get(input_name) is not None:
            changes.values[attribute] = build_address(
                store, data[input_name], input_name
            )
    if data.get("customerType") is not None:
        changes.values["customer_type"] = resolve_customer_type(
            store, data["customerType"]
        )
    return changes


def apply_changes(user: User, changes: CustomerChanges) -> tuple[bool, bool]:
    """Apply ``changes`` to ``user``.

    Returns:
        ``(fields_changed, metadata_changed)``: what really changed.
    """
    fields_changed = False
    for attribute, value in changes.values.items():
        current = getattr(user, attribute)
        if attribute in ADDRESS_INPUTS.values():
            unchanged = same_address(current, value)
        else:
            unchanged = current == value
        if not unchanged:
            setattr(user, attribute, value)
            fields_changed = True
    public_changed = upsert_metadata(user.metadata, changes.metadata)
    private_changed = upsert_metadata(user.private_metadata, changes.private_metadata)
    metadata_changed = public_changed or private_changed
    if fields_changed or metadata_changed:
        user.updated_at = now()
    return fields_changed, metadata_changed


def emit_customer_changes(
    context: RequestContext, user: User, *, fields_changed: bool, metadata_changed: bool
) -> None:
    """Fire CUSTOMER_UPDATED and/or CUSTOMER_METADATA_UPDATED as Saleor does."""
    legacy = context.store.settings.use_legacy_update_webhook_emission
    if fields_changed or (metadata_changed and legacy):
        context.emit("CUSTOMER_UPDATED", user, context.app)
    if metadata_changed:
        context.emit("CUSTOMER_METADATA_UPDATED", user, context.app)


def resolve_customer_create(
    _root: None, info: GraphQLResolveInfo, input: dict[str, Any]
) -> View:
    """Create a customer as an app with MANAGE_USERS."""
    app = require_permission(info, "MANAGE_USERS")
    context = context_of(info)
    try:
        changes = clean_customer_input(context.store, input, owner=None)
    except InputError as exc:
        return {"user": None, "errors": exc.errors}

    user = context.store.add_user(changes.values["email"])
    apply_changes(user, changes)
    context.emit("CUSTOMER_CREATED", user, app)
    logger.info(
        "sandbox.customer.created", user_id=user.global_id, app_id=app.global_id
    )
    return {"user": user_view(user), "errors": []}


def _find_customer(store: Store, id: str | None, reference: str | None) -> User:
    user = None
    if id is not None:
        user = store.user_by_global_id(id)
    elif reference is not None:
        user = store.user_by_external_reference(reference)
    if user is None:
        message = f"Couldn't resolve to a node: {id or reference}"
        raise InputError(error_item("id", "NOT_FOUND", message))

    return user


def resolve_customer_update(
    _root: None,
    info: GraphQLResolveInfo,
    input: dict[str, Any],
    id: str | None = None,
    externalReference: str | None = None,
) -> View:
    """Update a customer as an app with MANAGE_USERS."""
    app = require_permission(info, "MANAGE_USERS")
    context = context_of(info)
    try:
        user = _find_customer(context.store, id, externalReference)
        changes = clean_customer_input(context.store, input, owner=user)
    except InputError as exc:
        return {"user": None, "errors": exc.errors}

    fields_changed, metadata_changed = apply_changes(user, changes)
    emit_customer_changes(
        context, user, fields_changed=fields_changed, metadata_changed=metadata_changed
    )
    logger.info(
        "sandbox.customer.updated",
        user_id=user.global_id,
        app_id=app.global_id,
        fields_changed=fields_changed,
        metadata_changed=metadata_changed,
    )
    return {"user": user_view(user), "errors": []}


def _metadata_target(info: GraphQLResolveInfo, id: str) -> User:
    decoded = from_global_id(id)
    if decoded is not None and decoded[0] == "User":
        require_permission(info, "MANAGE_USERS")
    user = context_of(info).store.user_by_global_id(id)
    if user is None:
        message = f"Couldn't resolve to an item with ID: {id}"
        raise InputError(error_item("id", "NOT_FOUND", message))

    return user


def _update_metadata(
    info: GraphQLResolveInfo, id: str, items: list[dict[str, str]], *, private: bool
) -> View:
    context = context_of(info)
    try:
        user = _metadata_target(info, id)
        clean_metadata(items, "input")
    except InputError as exc:
        return {"item": None, "errors": exc.errors}

    if private:
        changes = CustomerChanges(private_metadata=items)
    else:
        changes = CustomerChanges(metadata=items)
    _, metadata_changed = apply_changes(user, changes)
    emit_customer_changes(
        context, user, fields_changed=False, metadata_changed=metadata_changed
    )
    return {"item": user_view(user), "errors": []}


def resolve_update_metadata(
    _root: None, info: GraphQLResolveInfo, id: str, input: list[dict[str, str]]
) -> View:
    """Upsert public metadata items of a user."""
    return _update_metadata(info, id, input, private=False)


def resolve_update_private_metadata(
    _root: None, info: GraphQLResolveInfo, id: str, input: list[dict[str, str]]
) -> View:
    """Upsert private metadata items of a user."""
    return _update_metadata(info, id, input, private=True)


RESOLVERS: dict[str, Resolver] = {
    "customerCreate": resolve_customer_create,
    "customerUpdate": resolve_customer_update,
    "updateMetadata": resolve_update_metadata,
    "updatePrivateMetadata": resolve_update_private_metadata,
}
