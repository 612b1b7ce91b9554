"""Public account mutations: ``accountRegister`` and ``confirmAccount``."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import structlog
from graphql import GraphQLResolveInfo

from connector.sandbox.inputs import (
    InputError,
    clean_email,
    clean_metadata,
    clean_password,
    ensure_email_free,
    error_item,
)
from connector.sandbox.schema import Resolver, context_of
from connector.sandbox.state import Store, User, now, upsert_metadata
from connector.sandbox.views import View, user_view

logger = structlog.get_logger(__name__)

CONFIRMATION_TOKEN_BYTES = 24


def _hash_password(password: str) -> str:
    # The sandbox never checks passwords; a digest only avoids keeping plain text.
    return hashlib.sha256(password.encode()).hexdigest()


def _clean_register_input(store: Store, data: dict[str, Any]) -> str:
    email = clean_email(data["email"])
    ensure_email_free(store, email)
    clean_password(data["password"])
    clean_metadata(data.get("metadata"), "metadata")
    if store.settings.enable_account_confirmation_by_email and not data.get(
        "redirectUrl"
    ):
        raise InputError(
            error_item("redirectUrl", "REQUIRED", "This field is required.")
        )

    return email


def _create_registered_user(store: Store, email: str, data: dict[str, Any]) -> User:
    user = store.add_user(email)
    user.password_hash = _hash_password(data["password"])
    user.first_name = data.get("firstName") or ""
    user.last_name = data.get("lastName") or ""
    user.redirect_url = data.get("redirectUrl")
    upsert_metadata(user.metadata, data.get("metadata") or [])
    if store.settings.enable_account_confirmation_by_email:
        user.is_confirmed = False
        user.confirmation_token = secrets.token_urlsafe(CONFIRMATION_TOKEN_BYTES)
    return user


def resolve_account_register(
    _root: None, info: GraphQLResolveInfo, input: dict[str, Any]
) -> View:
    """Register a customer; anyone may call it, as on a real storefront."""
    context = context_of(info)
    try:
        email = _clean_register_input(context.store, input)
    except InputError as exc:
        return {"user": None, "requiresConfirmation": None, "errors": exc.errors}

    user = _create_registered_user(context.store, email, input)
    context.emit("CUSTOMER_CREATED", user, context.app)
    logger.info("sandbox.account.registered", user_id=user.global_id)
    return {
        "user": user_view(user),
        "requiresConfirmation": not user.is_confirmed,
        "errors": [],
    }


def _confirmable_user(store: Store, email: str, token: str) -> User:
    user = store.user_by_email(email)
    if user is None:
        message = "User with this email doesn't exist"
        raise InputError(error_item("email", "NOT_FOUND", message))
    expected = user.confirmation_token
    if expected is None or not secrets.compare_digest(token, expected):
        raise InputError(error_item("token", "INVALID", "Invalid or expired token."))

    return user


def resolve_confirm_account(
    _root: None,
    info: GraphQLResolveInfo,
    email: str,
    token: str,
    password: str | None = None,
) -> View:
    """Confirm an account with the token the sandbox generated at registration."""
    context = context_of(info)
    try:
        user = _confirmable_user(context.store, email, token)
    except InputError as exc:
        return {"user": None, "errors": exc.errors}

    user.is_confirmed = True
    user.is_active = True
    user.confirmation_token = None
    user.updated_at = now()
    if password:
        user.password_hash = _hash_password(password)
    context.emit("ACCOUNT_CONFIRMED", user, context.app)
    logger.info("sandbox.account.confirmed", user_id=user.global_id)
    return {"user": user_view(user), "errors": []}


RESOLVERS: dict[str, Resolver] = {
    "accountRegister": resolve_account_register,
    "confirmAccount": resolve_confirm_account,
}
