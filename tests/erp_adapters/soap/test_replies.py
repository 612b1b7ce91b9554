"""Replies read by the adapter's own lxml reader, and connections the ERP drops,
against a scripted HTTP/1.1 server on a loopback socket: it sends one fixed reply,
and can close a kept-alive connection when the next request arrives on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import httpx
import pytest
from structlog.testing import capture_logs

from connector.linking.model import Account, Blocked
from erp_adapters.base import ErpUnavailableError
from erp_adapters.soap.adapter import SoapAdapter
from erp_adapters.soap.pools import Pools

NS = "urn:microsoft-dynamics-schemas/page/customer"
ACME = (
    "<Key>12;EgAAAAJ7BTEAMAAwADAAMA==10;</Key><No>10000</No>"
    "<Name>Acme Industrial GmbH</Name><E_Mail>info@acme-industrial.de</E_Mail>"
    "<Credit_Limit_LCY>12500.50</Credit_Limit_LCY><Blocked>Ship</Blocked>"
    "<Last_Order_Date>2026-11-30</Last_Order_Date>"
)


def read_result(record: str, doctype: str = "") -> bytes:
    """A `Read_Result` envelope holding one Customer record."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}<Soap:Envelope '
        'xmlns:Soap="http://schemas.xmlsoap.org/soap/envelope/"><Soap:Body>'
        f'<Read_Result xmlns="{NS}"><Customer>{record}</Customer></Read_Result>'
        "</Soap:Body></Soap:Envelope>"
    ).encode()


class ScriptedErp:
    """Answers every request with `reply`, at most `per_connection` on one
    connection; at the next it closes the connection without answering."""

    def __init__(
        self, reply: bytes, per_connection: int = 1_000, delay_s: float = 0.0
    ) -> None:
        self.reply = reply
        self.per_connection = per_connection
        self.delay_s = delay_s
        self.connections = 0
        self.requests = 0
        self.answered = 0
        self.in_flight = 0
        self.peak_in_flight = 0

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                self.requests += 1
                if served >= self.per_connection:
                    break
                self.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                await asyncio.sleep(self.delay_s)
                self.in_flight -= 1
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
                    + f"Content-Length: {len(self.reply)}\r\n\r\n".encode()
                    + self.reply
                )
                await writer.drain()
                served += 1
                self.answered += 1
        except asyncio.IncompleteReadError:
            pass  # the client closed the connection
        finally:
            writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[list[asyncio.Server]]:
    """Started servers, closed after the test."""
    servers: list[asyncio.Server] = []
    yield servers
    for server in servers:
        server.close()
        await server.wait_closed()


async def adapter_for(
    erp: ScriptedErp, servers: list[asyncio.Server], max_connections: int = 32
) -> SoapAdapter:
    server = await asyncio.start_server(erp.handle, "127.0.0.1", 0)
    servers.append(server)
    port = server.sockets[0].getsockname()[1]
    return SoapAdapter(
        f"http://127.0.0.1:{port}/DynamicsNAV/WS/CRONUS",
        username="erplink-test",
        password="pw-test",
        timeout_s=2,
        max_connections=max_connections,
    )


async def test_record_fields_are_typed_and_unknown_fields_ignored(
    serve: list[asyncio.Server],
) -> None:
    # given: the page publishes fields the adapter's WSDL does not name
    extra = "<Phone_No>+49 30 1234</Phone_No><Balance_LCY>99.00</Balance_LCY>"
    erp = ScriptedErp(read_result(ACME + extra + "<Post_Code/>"))
    adapter = await adapter_for(erp, serve)

    # when
    found = await adapter.account_by_number("10000")
    await adapter.close()

    # then
    assert found == Account(
        "10000",
        "Acme Industrial GmbH",
        email="info@acme-industrial.de",
        credit_limit=Decimal("12500.50"),
        blocked=Blocked.SHIP,
        last_order=date(2026, 11, 30),
    )


@pytest.mark.parametrize(
    "record",
    [
        ACME.replace("12500.50", "twelve thousand"),
        ACME.replace("2026-11-30", "30.11.2026"),
    ],
    ids=["decimal", "date"],
)
async def test_a_value_not_of_its_type_is_an_invalid_reply(
    serve: list[asyncio.Server], record: str
) -> None:
    # given
    erp = ScriptedErp(read_result(record))
    adapter = await adapter_for(erp, serve)

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        await adapter.account_by_number("10000")
    await adapter.close()

    # then: an error, never an account with a guessed credit limit or date
    assert raised.value.transient is True
    assert raised.value.message.endswith("sent a reply that is not valid")
    assert erp.requests == 1


async def test_a_reply_with_a_doctype_is_refused_unexpanded(
    serve: list[asyncio.Server],
) -> None:
    # given: an entity that would put a secret into the name
    doctype = '<!DOCTYPE x [<!ENTITY secret "EXPANDED-ENTITY">]>'
    erp = ScriptedErp(read_result(ACME.replace("Acme", "&secret;"), doctype))
    adapter = await adapter_for(erp, serve)

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        await adapter.account_by_number("10000")
    await adapter.close()

    # then
    assert raised.value.message.endswith("sent a reply that is not valid")
    assert "EXPANDED-ENTITY" not in raised.value.message


async def test_a_reply_without_the_result_is_invalid(
    serve: list[asyncio.Server],
) -> None:
    # given: a SOAP body holding something else
    erp = ScriptedErp(read_result(ACME).replace(b"Read_Result", b"Other_Result"))
    adapter = await adapter_for(erp, serve)

    # when
    with pytest.raises(ErpUnavailableError) as raised:
        await adapter.account_by_number("10000")
    await adapter.close()

    # then: not taken for "no such account"
    assert raised.value.message.endswith("sent a reply that is not valid")


async def test_connection_dropped_while_idle_is_retried_once(
    serve: list[asyncio.Server],
) -> None:
    # given: the ERP closes each kept-alive connection at its second request
    erp = ScriptedErp(read_result(ACME), per_connection=1)
    adapter = await adapter_for(erp, serve)
    first = await adapter.account_by_number("10000")

    # when
    with capture_logs() as events:
        again = await adapter.account_by_number("10000")
    await adapter.close()

    # then: sent again on a new connection, and answered
    assert first == again
    assert again is not None
    assert again.number == "10000"
    assert (erp.connections, erp.requests, erp.answered) == (2, 3, 2)
    assert events == [
        {
            "event": "erp.soap.connection_retried",
            "error": "RemoteProtocolError",
            "log_level": "info",
        }
    ]


async def test_connection_dropped_twice_fails_after_one_retry(
    serve: list[asyncio.Server],
) -> None:
    # given: the ERP closes every connection without answering
    erp = ScriptedErp(read_result(ACME), per_connection=0)
    adapter = await adapter_for(erp, serve)

    # when
    with capture_logs() as events, pytest.raises(ErpUnavailableError) as raised:
        await adapter.account_by_number("10000")
    await adapter.close()

    # then: two attempts, no more
    assert raised.value.transient is True
    assert raised.value.message.endswith("cannot be reached")
    assert (erp.connections, erp.requests, erp.answered) == (2, 2, 0)
    assert [e["event"] for e in events] == [
        "erp.soap.connection_retried",
        "erp.call_failed",
    ]


@pytest.mark.parametrize(
    ("max_connections", "sizes"),
    [(1, [1]), (4, [4]), (5, [3, 2]), (10, [4, 3, 3]), (32, [4] * 8)],
)
def test_connections_split_into_small_pools_summing_to_the_option(
    max_connections: int, sizes: list[int]
) -> None:
    # when
    pools = Pools(
        auth=None, timeout=httpx.Timeout(1.0), max_connections=max_connections
    )

    # then
    assert pools.sizes == sizes
    assert len(pools.clients) == len(sizes)


async def test_calls_in_flight_are_bounded_by_max_connections(
    serve: list[asyncio.Server],
) -> None:
    # given: an ERP slow enough for the calls to overlap
    erp = ScriptedErp(read_result(ACME), delay_s=0.05)
    adapter = await adapter_for(erp, serve, max_connections=5)

    # when: 12 look-ups at once
    found = await asyncio.gather(
        *(adapter.account_by_number("10000") for _ in range(12))
    )
    await adapter.close()

    # then: every pool used, never more than 5 calls at the ERP at once
    assert [a.number if a else None for a in found] == ["10000"] * 12
    assert erp.peak_in_flight == 5
    assert (erp.connections, erp.requests) == (5, 12)
