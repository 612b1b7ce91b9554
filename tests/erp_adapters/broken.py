"""Sources of third-party adapters that fail the way real ERPs do, to be installed
with `distribution.install_distribution`."""

from __future__ import annotations

PASSWORD = "Wint3r-2026-pw"

LOCKED_ERP = '''
from erp_adapters.base import ErpUnauthorizedError, Health


class LockedErp:
    """An ERP that refuses every login, quoting what it was given (as some do)."""

    name = "locked"
    calls = 0

    def __init__(self, user, password):
        self._user, self._password = user, password

    @classmethod
    def from_settings(cls, options):
        return cls(options.get("user", ""), options.get("password", ""))

    def _refuse(self):
        type(self).calls += 1
        raise ErpUnauthorizedError(
            f"login failed for {self._user} with password {self._password}"
        )

    async def account_by_number(self, number):
        self._refuse()

    async def accounts_by_domain(self, domain, limit=50):
        self._refuse()

    async def contact_by_email(self, email):
        self._refuse()

    async def accounts_changed_since(self, since):
        self._refuse()
        yield

    async def health(self):
        self._refuse()

    async def close(self):
        pass
'''

DOWN_ERP = '''
from erp_adapters.base import ErpUnavailableError, Health


class DownErp:
    """An ERP whose server does not answer."""

    name = "down"

    @classmethod
    def from_settings(cls, options):
        return cls()

    def _fail(self):
        raise ErpUnavailableError("connect to erp.internal:443 refused")

    async def account_by_number(self, number):
        self._fail()

    async def accounts_by_domain(self, domain, limit=50):
        self._fail()

    async def contact_by_email(self, email):
        self._fail()

    async def accounts_changed_since(self, since):
        self._fail()
        yield

    async def health(self):
        self._fail()

    async def close(self):
        pass
'''

PICKY_ERP = '''
from erp_adapters.base import ErpMisconfiguredError


class PickyErp:
    """An adapter that quotes its whole connection string when it refuses it."""

    name = "picky"

    @classmethod
    def from_settings(cls, options):
        raise ErpMisconfiguredError(f"cannot use the dsn {options.get('dsn')}")
'''
