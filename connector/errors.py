"""erplink's error tree. Every error erplink raises on purpose derives from one root.

::

    ErplinkError                     code: a stable string for logs, APIs and tests
    ├── ConfigurationError           settings, policy or mapping a merchant must fix
    ├── StoreUnavailableError        the database did not answer; retry later
    ├── SignatureError               a webhook or token failed verification
    ├── UnknownInstallationError     a Saleor that never installed erplink
    ├── SaleorError                  (connector.saleor.errors) Saleor API failures
    └── ErpError                     (erp_adapters.base) ERP adapter failures

`transient` says whether the same work may succeed later unchanged; the worker
retries transient errors with backoff and turns the others into dead letters.
"""

from __future__ import annotations


class ErplinkError(Exception):
    """Root of erplink's errors: a stable code and a message a merchant can act on."""

    code = "erplink_error"
    transient = False

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self)


class ConfigurationError(ErplinkError):
    """Settings, policy or mapping that cannot work; the message says what to fix."""

    code = "configuration_error"


class StoreUnavailableError(ErplinkError):
    """The database is unreachable; nothing was stored."""

    code = "store_unavailable"
    transient = True


class SignatureError(ErplinkError):
    """A signature or token did not verify."""

    code = "invalid_signature"


class UnknownInstallationError(ErplinkError):
    """The request names a Saleor API URL that has not installed erplink."""

    code = "unknown_installation"
