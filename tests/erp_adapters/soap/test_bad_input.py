"""The task's bad-input rows against the soap adapter and the mock, one test each:
wrong credentials, values crafted as filter syntax, faults and broken replies, an
ERP slower than the timeout or down. (XML with a DOCTYPE sent to the mock: see
`test_mock.py`.)"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from structlog.testing import capture_logs

from erp_adapters.base import (
    ErpError,
    ErpUnauthorizedError,
    ErpUnavailableError,
)
from erp_adapters.soap.adapter import SoapAdapter
from erp_adapters.soap.mock.server import RunningMock
from erp_adapters.soap.mock.switches import Reply

from .conftest import USERNAME

CRAFTED = ("' OR 1=1 --", "*", "|", "..", "@", "<>", "''", "%", "10000|10010",
           "10000..10021", "<>10000", "@10000", "<>''", "1*")  # fmt: skip
CRAFTED_EMAILS = (
    "*@acme-industrial.de",
    "@*@acme-industrial.de",
    "info@acme-industrial.de|nord@hansen-gruppe.de",
    "info@acme-industrial.de..info@zuerich-praezision.ch",
    "<>info@acme-industrial.de",
    "' OR 1=1 --@acme-industrial.de",
    "<>''",
)


def logged_values(events: Sequence[Mapping[str, Any]]) -> str:
    return " ".join(str(value) for event in events for value in event.values())


@pytest.mark.parametrize("auth", ["basic", "wsse"])
async def test_wrong_credentials_are_unauthorized_without_the_secret(
    running: RunningMock, auth: str
) -> None:
    # given
    secret = "Wrong-" + secrets.token_urlsafe(12)
    options = {"url": running.url, "username": USERNAME, "password": secret}
    adapter = SoapAdapter.from_settings({**options, "auth": auth})

    # when
    with capture_logs() as events, pytest.raises(ErpUnauthorizedError) as raised:
        await adapter.account_by_number("10000")
    await adapter.close()

    # then
    message = raised.value.message
    assert message.startswith("the soap ERP adapter's login was refused by the ")
    assert "(HTTP 401); check the username and password" in message
    assert raised.value.transient is False
    assert secret not in message
    assert [e["event"] for e in events] == ["erp.call_failed"]
    assert events[0]["status"] == 401
    assert secret not in logged_values(events)


async def test_right_ws_security_login_reads(running: RunningMock) -> None:
    # given
    adapter = SoapAdapter.from_settings({**running.adapter_options(), "auth": "wsse"})

    # when
    found = await adapter.account_by_number("10000")
    await adapter.close()

    # then
    assert found is not None
    assert found.name == "Acme Industrial GmbH"


@pytest.mark.parametrize("value", CRAFTED)
async def test_crafted_account_number_or_domain_is_literal(
    running: RunningMock, adapter: SoapAdapter, value: str
) -> None:
    # given
    calls = running.mock.calls

    # when
    number = await adapter.account_by_number(value)
    domain = await adapter.accounts_by_domain(value)
    email = await adapter.contact_by_email(value)

    # then: no match, no error, and the ERP was asked each time
    assert (number, domain, email) == (None, [], None)
    assert running.mock.calls == calls + 5


@pytest.mark.parametrize("value", CRAFTED_EMAILS)
async def test_crafted_email_is_literal(
    running: RunningMock, adapter: SoapAdapter, value: str
) -> None:
    # given
    calls = running.mock.calls

    # when
    found = await adapter.contact_by_email(value)

    # then
    assert found is None
    assert running.mock.calls == calls + 2


@pytest.mark.parametrize(
    ("reply", "error", "transient"),
    [
        (Reply.HTML_ERROR, ErpUnavailableError, True),
        (Reply.TRUNCATED, ErpUnavailableError, True),
        (Reply.MALFORMED, ErpUnavailableError, True),
        (Reply.PERMISSION_FAULT, ErpUnauthorizedError, False),
    ],
)
async def test_broken_replies_are_typed_errors(
    running: RunningMock,
    adapter: SoapAdapter,
    reply: Reply,
    error: type[ErpError],
    transient: bool,
) -> None:
    # given
    running.mock.switches.reply = reply

    # when
    with pytest.raises(error) as by_number:
        await adapter.account_by_number("10000")
    with pytest.raises(error) as by_email:
        await adapter.contact_by_email("anna.schmidt@acme-industrial.de")

    # then
    for raised in (by_number.value, by_email.value):
        assert type(raised) is error
        assert raised.transient is transient
        assert "the soap ERP adapter" in raised.message
        assert "anna.schmidt" not in raised.message


async def test_nav_service_fault_is_transient(
    running: RunningMock, adapter: SoapAdapter
) -> None:
    # given
    running.mock.switches.fault_rate = 1.0

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        await adapter.accounts_by_domain("acme-industrial.de")

    # then
    assert raised.value.transient is True
    assert "(ServiceBrokerException: The service is temporarily" in raised.value.message


async def test_erp_slower_than_the_timeout_is_unavailable(running: RunningMock) -> None:
    # given
    running.mock.switches.latency_s = 0.5
    adapter = SoapAdapter.from_settings(
        {**running.adapter_options(), "timeout_s": "0.1"}
    )

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        await adapter.account_by_number("10000")
    await adapter.close()

    # then
    assert raised.value.transient is True
    assert raised.value.message.endswith("did not answer within 0.1 s")


async def test_erp_in_outage_is_unavailable(
    running: RunningMock, adapter: SoapAdapter
) -> None:
    # given
    running.mock.switches.outage = True

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        await adapter.account_by_number("10000")
    health = await adapter.health()

    # then
    assert raised.value.transient is True
    assert raised.value.message.endswith(
        "answered HTTP 503 with an error page, not SOAP"
    )
    assert (health.ok, health.accounts) == (False, None)
    assert health.detail == f"{running.url}: {raised.value.message}"


async def test_health_counts_once_then_only_probes(
    running: RunningMock, adapter: SoapAdapter
) -> None:
    # given
    calls = running.mock.calls

    # when
    first = await adapter.health()
    second = await adapter.health()

    # then: one call counts the 18 accounts, the next only reads one record
    assert (first.ok, first.accounts) == (True, 18)
    assert second == first
    assert running.mock.calls == calls + 2


async def test_erp_down_is_unavailable(running: RunningMock) -> None:
    # given: nothing listens on the port any more
    adapter = SoapAdapter.from_settings(running.adapter_options())
    await running.stop()

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        await adapter.contact_by_email("anna.schmidt@acme-industrial.de")
    await adapter.close()

    # then
    assert raised.value.transient is True
    assert raised.value.message.endswith("cannot be reached")
