"""The guard over `contacts()`: each step guarded and never retried, masked errors,
and the fallback for an adapter written before the protocol had the method."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest
import pytest_asyncio

from connector.linking.model import Account, Contact
from erp_adapters.base import ErpUnavailableError, Health
from erp_adapters.csv import CsvAdapter
from erp_adapters.resilience import ResilienceSettings, ResilientAdapter

from .contract import CONTRACT_CONTACTS, CONTRACT_DATA
from .fakes import SECRET, FakeClock, FlakyErp, Mode, no_sleep

QUICK = ResilienceSettings(timeout_s=0.05, retries=2, retry_backoff_s=0.0)


@pytest_asyncio.fixture
async def flaky() -> AsyncIterator[FlakyErp]:
    erp = FlakyErp(CsvAdapter(CONTRACT_DATA.accounts_csv, CONTRACT_DATA.contacts_csv))
    yield erp
    await erp.close()


def guard(erp: object, settings: ResilienceSettings = QUICK) -> ResilientAdapter:
    return ResilientAdapter(
        erp,  # type: ignore[arg-type]  # an adapter of the older protocol, too
        settings,
        secrets={SECRET},
        clock=FakeClock(),
        sleep=no_sleep,
    )


class WithoutContacts:
    """A third-party adapter written before `contacts()` joined the protocol."""

    name = "older"

    def __init__(self, inner: CsvAdapter) -> None:
        self._inner = inner

    async def account_by_number(self, number: str) -> Account | None:
        return await self._inner.account_by_number(number)

    async def accounts_by_domain(self, domain: str, limit: int = 50) -> list[Account]:
        return await self._inner.accounts_by_domain(domain, limit)

    async def contact_by_email(self, email: str) -> tuple[Contact, Account] | None:
        return await self._inner.contact_by_email(email)

    def accounts_changed_since(self, since: datetime | None) -> AsyncIterator[Account]:
        return self._inner.accounts_changed_since(since)

    async def health(self) -> Health:
        return await self._inner.health()

    async def close(self) -> None:
        await self._inner.close()


async def test_contacts_pass_through_the_guard_unchanged(flaky: FlakyErp) -> None:
    # given
    adapter = guard(flaky)

    # when
    listed = [c async for c in adapter.contacts()]

    # then
    found = {(c.number, c.account_number, c.name, c.email.lower()) for c in listed}
    assert found == CONTRACT_CONTACTS
    assert len(listed) == len(CONTRACT_CONTACTS)
    assert flaky.calls["contacts"] == len(CONTRACT_CONTACTS)
    assert adapter.state().last_error is None


async def test_a_failed_contacts_step_ends_the_listing_and_is_not_retried(
    flaky: FlakyErp,
) -> None:
    # given: the ERP goes down after two contacts
    adapter = guard(flaky)
    listed: list[Contact] = []

    async def read_until_down() -> None:
        async for contact in adapter.contacts():
            listed.append(contact)
            if len(listed) == 2:
                flaky.mode = Mode.DOWN

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        await read_until_down()

    # then
    assert len(listed) == 2
    assert flaky.calls["contacts"] == 3
    assert str(raised.value).startswith("flaky adapter, contacts: ")
    assert adapter.state().last_error == "erp_unavailable"


async def test_a_slow_contacts_step_times_out_once(flaky: FlakyErp) -> None:
    # given
    flaky.mode = Mode.SLOW
    flaky.slow_s = 1.0
    adapter = guard(flaky)

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        [c async for c in adapter.contacts()]

    # then
    assert raised.value.code == "erp_timeout"
    assert flaky.calls["contacts"] == 1


async def test_an_adapter_without_contacts_lists_its_accounts_own_addresses() -> None:
    # given
    older = WithoutContacts(
        CsvAdapter(CONTRACT_DATA.accounts_csv, CONTRACT_DATA.contacts_csv)
    )
    adapter = guard(older)

    # when
    listed = [c async for c in adapter.contacts()]
    await adapter.close()

    # then: every account address, none of the named contacts
    found = {(c.number, c.account_number, c.name, c.email.lower()) for c in listed}
    assert found == {c for c in CONTRACT_CONTACTS if not c[0]}
    assert len(listed) == len(found) == 18
