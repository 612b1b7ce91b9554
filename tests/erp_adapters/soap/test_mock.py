"""The mock ERP over HTTP on a real socket: WSDL, login, hardening, faults, switches."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from erp_adapters.soap.mock.envelope import SOAP_ENV, WSSE_NS
from erp_adapters.soap.mock.server import RunningMock

from .conftest import USERNAME

CUSTOMER_NS = "urn:microsoft-dynamics-schemas/page/customer"
READ_10000 = f'<Read xmlns="{CUSTOMER_NS}"><No>10000</No></Read>'


def soap(body: str, header: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP_ENV}">'
        f"<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


async def post(
    running: RunningMock, content: bytes, *, auth: tuple[str, str] | None = None
) -> httpx.Response:
    login = auth if auth is not None else (running.username, running.password)
    async with httpx.AsyncClient(auth=login) as client:
        return await client.post(
            f"{running.url}/Page/Customer",
            content=content,
            headers={"Content-Type": "text/xml; charset=utf-8"},
        )


def fault_of(response: httpx.Response) -> tuple[str, str]:
    root = etree.fromstring(response.content)
    fault = root.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None
    return fault.findtext("faultcode") or "", fault.findtext("faultstring") or ""


async def test_wsdl_is_served_with_the_request_address(running: RunningMock) -> None:
    # when
    async with httpx.AsyncClient(auth=(running.username, running.password)) as client:
        response = await client.get(f"{running.url}/Page/Contact")

    # then
    assert response.status_code == 200
    wsdl = etree.fromstring(response.content)
    address = wsdl.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address is not None
    assert address.get("location") == f"{running.url}/Page/Contact"
    assert wsdl.get("targetNamespace") == "urn:microsoft-dynamics-schemas/page/contact"


async def test_read_answers_the_record(running: RunningMock) -> None:
    # when
    response = await post(running, soap(READ_10000))

    # then
    assert response.status_code == 200
    found = etree.fromstring(response.content).find(f".//{{{CUSTOMER_NS}}}Customer")
    assert found is not None
    assert found.findtext(f"{{{CUSTOMER_NS}}}Name") == "Acme Industrial GmbH"
    assert found.findtext(f"{{{CUSTOMER_NS}}}Blocked") == "_blank_"


@pytest.mark.parametrize(
    "auth", [(USERNAME, "wrong-password"), ("someone-else", ""), ("", "")]
)
async def test_wrong_login_is_a_bare_401(
    running: RunningMock, auth: tuple[str, str]
) -> None:
    # when
    response = await post(running, soap(READ_10000), auth=auth)

    # then: as NAV answers it, with no SOAP body and nothing served
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert response.content == b""


async def test_no_login_at_all_is_a_bare_401(running: RunningMock) -> None:
    # when
    async with httpx.AsyncClient() as client:
        wsdl = await client.get(f"{running.url}/Page/Customer")
        call = await client.post(
            f"{running.url}/Page/Customer", content=soap(READ_10000)
        )
        switches = await client.get(f"{running.server.url}/_mock/switches")

    # then
    assert [r.status_code for r in (wsdl, call, switches)] == [401, 401, 401]
    assert call.content == b""


async def test_ws_security_username_token_logs_in(running: RunningMock) -> None:
    # given
    token = (
        f'<wsse:Security xmlns:wsse="{WSSE_NS}"><wsse:UsernameToken>'
        f"<wsse:Username>{running.username}</wsse:Username>"
        f"<wsse:Password>{running.password}</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security>"
    )
    wrong = token.replace(running.password, "not-the-password")

    # when
    async with httpx.AsyncClient() as client:
        address = f"{running.url}/Page/Customer"
        accepted = await client.post(address, content=soap(READ_10000, token))
        refused = await client.post(address, content=soap(READ_10000, wrong))

    # then
    assert accepted.status_code == 200
    assert b"Acme Industrial GmbH" in accepted.content
    assert (refused.status_code, refused.content) == (401, b"")


XXE_BODIES = {
    "internal entity": (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "EXPANDED-ENTITY">]>'
        f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body><Read xmlns="{CUSTOMER_NS}">'
        "<No>&e;</No></Read></s:Body></s:Envelope>"
    ),
    "external file entity": (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body><Read xmlns="{CUSTOMER_NS}">'
        "<No>&e;</No></Read></s:Body></s:Envelope>"
    ),
    "billion laughs": (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "EXPANDED-ENTITY">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body><Read xmlns="{CUSTOMER_NS}">'
        "<No>&c;</No></Read></s:Body></s:Envelope>"
    ),
    "doctype without entities": (
        f'<!DOCTYPE r><s:Envelope xmlns:s="{SOAP_ENV}"><s:Body>{READ_10000}'
        "</s:Body></s:Envelope>"
    ),
    "lower-case doctype": (
        f'<!doctype r [<!ENTITY e "EXPANDED-ENTITY">]><s:Envelope xmlns:s='
        f'"{SOAP_ENV}"><s:Body>{READ_10000}</s:Body></s:Envelope>'
    ),
}


@pytest.mark.parametrize("body", XXE_BODIES.values(), ids=XXE_BODIES.keys())
async def test_doctype_or_entity_is_a_client_fault_and_never_expanded(
    running: RunningMock, body: str
) -> None:
    # when
    response = await post(running, body.encode())

    # then
    assert response.status_code == 500
    assert fault_of(response) == (
        "s:Client",
        "Document type definitions are not accepted.",
    )
    assert b"EXPANDED-ENTITY" not in response.content
    assert b"root:" not in response.content
    assert b"Acme" not in response.content


async def test_entity_reference_without_a_doctype_is_a_client_fault(
    running: RunningMock,
) -> None:
    # given: an undeclared entity, which a lax parser might resolve or keep
    body = soap(f'<Read xmlns="{CUSTOMER_NS}"><No>&xxe;</No></Read>')

    # when
    response = await post(running, body)

    # then
    assert response.status_code == 500
    assert fault_of(response) == ("s:Client", "The request is not well-formed XML.")


async def test_unknown_filter_field_is_a_nav_fault(running: RunningMock) -> None:
    # given
    body = soap(
        f'<ReadMultiple xmlns="{CUSTOMER_NS}"><filter><Field>Secret</Field>'
        "<Criteria>*</Criteria></filter><setSize>0</setSize></ReadMultiple>"
    )

    # when
    response = await post(running, body)

    # then
    code, message = fault_of(response)
    assert response.status_code == 500
    assert code == "a:Microsoft.Dynamics.Nav.Types.Exceptions.NavNCLDialogException"
    assert message == "The field Secret does not exist on the Customer page."
    assert b'xmlns:a="urn:microsoft-dynamics-schemas/error"' in response.content


async def test_switches_change_at_run_time_all_or_nothing(
    running: RunningMock,
) -> None:
    # given
    url = f"{running.server.url}/_mock/switches"
    login = (running.username, running.password)

    # when
    async with httpx.AsyncClient(auth=login) as client:
        changed = await client.post(url, json={"latency_s": 0.01, "outage": True})
        refused = await client.post(url, json={"fault_rate": 2, "outage": False})
        unknown = await client.post(url, json={"explode": True})
        shown = await client.get(url)
        down = await client.post(f"{running.url}/Page/Customer", content=b"")

    # then
    expected = {"latency_s": 0.01, "fault_rate": 0.0, "outage": True, "reply": "normal"}
    assert (changed.status_code, changed.json()) == (200, expected)
    assert refused.status_code == 400
    assert unknown.json() == {"error": "unknown switches: explode"}
    assert shown.json() == expected
    assert down.status_code == 503
    assert down.headers["content-type"].startswith("text/html")
