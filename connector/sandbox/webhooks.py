"""Webhook subscriptions: validating manifest queries and rendering payloads.

Saleor runs a webhook's subscription document with the event as root value and
sends the content of ``event`` as the body; the sandbox does the same with
graphql-core against its own schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute,
    parse,
    validate,
)

from connector.sandbox.schema import sandbox_schema
from connector.sandbox.state import App, Principal, User
from connector.sandbox.views import View, app_view, principal_view, user_view

SALEOR_VERSION = "3.24.0-a.0"

# Subscription object type -> async event it stands for.
EVENT_TYPES = {
    "CustomerCreated": "CUSTOMER_CREATED",
    "CustomerUpdated": "CUSTOMER_UPDATED",
    "CustomerMetadataUpdated": "CUSTOMER_METADATA_UPDATED",
    "AccountConfirmed": "ACCOUNT_CONFIRMED",
}
TYPE_NAMES = {event: type_name for type_name, event in EVENT_TYPES.items()}

# Saleor sends an event only to apps holding this permission.
EVENT_PERMISSIONS = dict.fromkeys(EVENT_TYPES.values(), "MANAGE_USERS")


class SubscriptionQueryError(ValueError):
    """A manifest webhook query is not a usable subscription."""


def _single_subscription(document: DocumentNode) -> OperationDefinitionNode:
    operations = [
        d for d in document.definitions if isinstance(d, OperationDefinitionNode)
    ]
    if len(operations) != 1 or operations[0].operation != OperationType.SUBSCRIPTION:
        raise SubscriptionQueryError("the query must hold exactly one subscription")
    fields = operations[0].selection_set.selections
    if len(fields) != 1 or not isinstance(fields[0], FieldNode):
        raise SubscriptionQueryError("a subscription must select exactly one field")

    return operations[0]


def parse_subscription(query: str) -> DocumentNode:
    """Parse and validate a webhook subscription query.

    Raises:
        SubscriptionQueryError: Unparsable, invalid against the sandbox schema, or
            not exactly one top field of ``subscription``.
    """
    try:
        document = parse(query)
    except GraphQLError as exc:
        raise SubscriptionQueryError(f"unparsable query: {exc.message}") from exc
    _single_subscription(document)
    errors = validate(sandbox_schema(), document)
    if errors:
        raise SubscriptionQueryError("; ".join(error.message for error in errors))

    return document


def _type_conditions(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
) -> set[str]:
    names: set[str] = set()
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, InlineFragmentNode) and selection.type_condition:
            names.add(selection.type_condition.name.value)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments[selection.name.value]
            names.add(fragment.type_condition.name.value)
            names |= _type_conditions(fragment.selection_set, fragments)
    return names


def derive_events(document: DocumentNode) -> frozenset[str]:
    """Return the events a subscription listens to, from its type conditions."""
    operation = _single_subscription(document)
    fragments = {
        d.name.value: d
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    field = operation.selection_set.selections[0]
    selection_set = field.selection_set if isinstance(field, FieldNode) else None
    names = _type_conditions(selection_set, fragments)
    return frozenset(EVENT_TYPES[name] for name in names if name in EVENT_TYPES)


def event_root(
    event_type: str,
    user: User,
    principal: Principal | None,
    recipient: App,
    issued_at: datetime,
) -> View:
    """Return the ``event`` value a subscription is executed against."""
    event: View = {
        "__typename": TYPE_NAMES[event_type],
        "issuedAt": issued_at.isoformat(),
        "version": SALEOR_VERSION,
        "issuingPrincipal": principal_view(principal),
        "recipient": app_view(recipient),
        "user": user_view(user),
    }
    if event_type == "ACCOUNT_CONFIRMED":
        event["redirectUrl"] = user.redirect_url
        event["token"] = None
    return event


def render_payload(document: DocumentNode, event: View) -> dict[str, Any]:
    """Execute a subscription and return the body Saleor would send.

    Field errors are added under ``errors`` as Saleor does.
    """
    result = execute(sandbox_schema(), document, root_value={"event": event})
    if not isinstance(result, ExecutionResult):
        raise TypeError("the sandbox schema must resolve subscriptions synchronously")
    payload: dict[str, Any] = dict((result.data or {}).get("event") or {})
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    return payload
