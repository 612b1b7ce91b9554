"""Errors raised by the sandbox's Python control surface.

The tree::

    SandboxError                 any failure of the sandbox itself
    ├── AppInstallError          the manifest or the token hand-over failed
    └── SandboxRequestError      a control helper's GraphQL call was refused

Errors that a GraphQL client should see (permission, validation) never use these
classes: they are GraphQL errors in the response, as in Saleor.
"""

from __future__ import annotations


class SandboxError(Exception):
    """Root of every error the sandbox raises to its Python caller."""


class AppInstallError(SandboxError):
    """Installing an app failed; the app is not (or no longer) installed.

    Attributes:
        code: Stable reason, e.g. ``manifest_unreachable`` or ``token_rejected``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class SandboxRequestError(SandboxError):
    """A control helper's GraphQL request returned errors.

    Attributes:
        errors: The ``errors`` list (top-level or mutation errors) as returned.
    """

    def __init__(self, operation: str, errors: list[dict[str, object]]) -> None:
        super().__init__(f"{operation} failed: {errors}")
        self.operation = operation
        self.errors = errors
