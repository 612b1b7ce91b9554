"""Dashboard tokens, as Saleor hands them to an app's page in the dashboard iframe.

Saleor signs them with the same RSA key as webhooks (RS256, `kid` in the header);
the claims follow Saleor's `create_access_token_for_app`: `permissions` is what both
the app and the staff user hold, `user_permissions` what the user holds.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from connector.sandbox.state import to_global_id

if TYPE_CHECKING:
    from connector.sandbox.sandbox import SandboxSaleor

DASHBOARD_TOKEN_TTL_S = 300


def dashboard_token(
    sandbox: SandboxSaleor,
    *,
    email: str,
    user_permissions: Iterable[str] = (),
    app_id: str | None = None,
    expires_in_s: float = DASHBOARD_TOKEN_TTL_S,
    issuer: str | None = None,
) -> str:
    """A signed dashboard JWT for a staff user of the sandbox and its installed app.

    Args:
        sandbox: the running sandbox whose key signs the token.
        email: the staff user's e-mail (created as staff if unknown).
        user_permissions: Saleor permission names the user holds.
        app_id: the app's global id; the sandbox's first installed app if None.
        expires_in_s: lifetime; negative for an already expired token.
        issuer: the `iss` claim; the sandbox's API URL if None.
    """
    user = sandbox.store.user_by_email(email) or sandbox.store.add_user(
        email, is_staff=True
    )
    app = next(iter(sandbox.store.apps.values()), None)
    granted = frozenset(user_permissions)
    issued = int(time.time())
    claims: dict[str, Any] = {
        "iat": issued,
        "exp": int(issued + expires_in_s),
        "iss": issuer or sandbox.api_url,
        "owner": app.identifier if app else "saleor",
        "type": "thirdparty",
        "email": email,
        "user_id": to_global_id("User", user.pk),
        "is_staff": True,
        "app": app_id or (app.global_id if app else ""),
        "permissions": sorted(granted & app.permissions) if app else [],
        "user_permissions": sorted(granted),
    }
    return sandbox.sign_jwt(claims)
