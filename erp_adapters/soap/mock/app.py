"""The mock ERP's HTTP side: NAV-like page service URLs over Starlette.

    GET  /<Instance>/WS/<Company>/Page/<Service>   the page's WSDL
    POST /<Instance>/WS/<Company>/Page/<Service>   Read, ReadMultiple
    GET  /_mock/switches                           the misbehaviour in force
    POST /_mock/switches                           change it (JSON object)
    GET  /_mock/stats                              operation calls answered so far

Every route needs HTTP Basic authentication with the configured user (or, on the
page services, a WS-Security UsernameToken). A failed login is a bare 401 with
`WWW-Authenticate` and no body, as NAV answers it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import random
from collections.abc import Mapping
from pathlib import Path

import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from erp_adapters.soap.mock import envelope
from erp_adapters.soap.mock.pages import Page, PageFault
from erp_adapters.soap.mock.switches import Reply, Switches

_log = structlog.get_logger(__name__)

WSDL_DIR = Path(__file__).resolve().parent.parent / "wsdl"
XML_TYPE = "text/xml; charset=utf-8"
REALM = 'Basic realm="erplink mock ERP"'
HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Runtime Error</title></head>"
    b"<body><h1>Server Error in '/' Application.</h1></body></html>"
)
OUTAGE_PAGE = (
    b"<html><head><title>Service Unavailable</title></head>"
    b"<body><h1>Service Unavailable</h1><p>HTTP Error 503.</p></body></html>"
)


class MockErp:
    """The mock's state: pages, credentials, switches. `app` is the ASGI app.

    Args:
        pages: the page services by name (`Customer`, `Contact`).
        username: the one user the mock accepts.
        password: that user's password (a NAV web service access key).
        switches: initial misbehaviour; change `switches` at run time.
        seed: seeds the fault-rate draws, so runs repeat.
    """

    def __init__(
        self,
        pages: Mapping[str, Page],
        *,
        username: str,
        password: str,
        switches: Switches | None = None,
        seed: int | None = None,
    ) -> None:
        self.pages = dict(pages)
        self.switches = switches or Switches()
        self._credentials = (username, password)
        self._random = random.Random(seed)
        self._wsdl = {name: _wsdl_text(name) for name in self.pages}
        self.calls = 0
        page = "/{instance}/WS/{company}/Page/{service}"
        self.app = Starlette(
            routes=[
                Route(page, self._wsdl_response, methods=["GET"]),
                Route(page, self._call, methods=["POST"]),
                Route("/_mock/switches", self._switches, methods=["GET", "POST"]),
                Route("/_mock/stats", self._stats, methods=["GET"]),
            ]
        )

    async def _wsdl_response(self, request: Request) -> Response:
        if not self._basic_ok(request):
            return _unauthorized()
        service = request.path_params["service"]
        if service not in self.pages:
            return Response(status_code=404)
        address = str(request.url.replace(query=""))
        wsdl = self._wsdl[service].replace(_PLACEHOLDER[service], address)
        return Response(wsdl, media_type=XML_TYPE)

    async def _call(self, request: Request) -> Response:
        self.calls += 1
        page = self.pages.get(request.path_params["service"])
        if page is None:
            return Response(status_code=404)
        body = await request.body()
        switches = self.switches
        if switches.latency_s:
            await asyncio.sleep(switches.latency_s)
        if switches.outage:
            return Response(OUTAGE_PAGE, status_code=503, media_type="text/html")

        # A wrong Basic login is refused at once; without one the request may carry
        # a WS-Security UsernameToken, so it is parsed (safely) before deciding.
        logged_in = self._basic_ok(request)
        if not logged_in and "authorization" in request.headers:
            return _unauthorized()
        try:
            call = envelope.parse_call(body, page)
        except envelope.ClientFault as exc:
            if not logged_in:
                return _unauthorized()
            _log.info("erp_mock.client_fault", page=page.name, error=str(exc))
            return _xml(envelope.client_fault(str(exc)), status=500)
        if not (logged_in or self._token_ok(call.username_token)):
            return _unauthorized()
        return self._answer(page, call)

    def _answer(self, page: Page, call: envelope.Call) -> Response:
        broken = self._broken(page)
        if broken is not None:
            return broken
        try:
            if call.operation == "Read":
                reply = envelope.read_result(page, page.read(call.number))
            else:
                found = page.read_multiple(call.filters, call.bookmark, call.size)
                reply = envelope.read_multiple_result(page, found)
        except PageFault as exc:
            return _xml(envelope.nav_fault(exc.exception, exc.message), status=500)

        if self.switches.reply is Reply.TRUNCATED:
            return _xml(reply[: len(reply) // 2], status=200)
        return _xml(reply, status=200)

    def _broken(self, page: Page) -> Response | None:
        """The misbehaving answer the switches ask for, if any."""
        reply = self.switches.reply
        if (
            self.switches.fault_rate
            and self._random.random() < self.switches.fault_rate
        ):
            message = "The service is temporarily unable to process the request."
            return _xml(envelope.nav_fault("ServiceBrokerException", message), 500)
        if reply is Reply.HTML_ERROR:
            return Response(HTML_ERROR_PAGE, status_code=500, media_type="text/html")
        if reply is Reply.MALFORMED:
            return _xml(b"<Soap:Envelope><Soap:Body><Read_Result>", status=200)
        if reply is Reply.NOT_FOUND_FAULT:
            message = f"The {page.name} does not exist."
            fault = envelope.nav_fault("NavCSideRecordNotFoundException", message)
            return _xml(fault, 500)
        if reply is Reply.PERMISSION_FAULT:
            message = (
                f"You do not have the following permissions on TableData "
                f"{page.name}: Read."
            )
            return _xml(envelope.nav_fault("NavPermissionException", message), 500)
        return None

    async def _switches(self, request: Request) -> Response:
        if not self._basic_ok(request):
            return _unauthorized()
        if request.method == "POST":
            try:
                changes = json.loads(await request.body())
                if not isinstance(changes, dict):
                    raise ValueError("send a JSON object of switches")
                self.switches.update(changes)
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            _log.info("erp_mock.switches_changed", **self.switches.as_json())
        return JSONResponse(self.switches.as_json())

    async def _stats(self, request: Request) -> Response:
        if not self._basic_ok(request):
            return _unauthorized()
        return JSONResponse({"calls": self.calls})

    def _basic_ok(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        username, _, password = decoded.partition(":")
        return self._token_ok((username, password))

    def _token_ok(self, given: tuple[str, str] | None) -> bool:
        if given is None:
            return False
        expected = self._credentials
        same_user = hmac.compare_digest(given[0].encode(), expected[0].encode())
        same_password = hmac.compare_digest(given[1].encode(), expected[1].encode())
        return same_user and same_password


_PLACEHOLDER = {
    "Customer": "http://localhost:7047/DynamicsNAV/WS/CRONUS/Page/Customer",
    "Contact": "http://localhost:7047/DynamicsNAV/WS/CRONUS/Page/Contact",
}


def _wsdl_text(service: str) -> str:
    return (WSDL_DIR / f"{service.lower()}.wsdl").read_text(encoding="utf-8")


def _xml(body: bytes, status: int) -> Response:
    return Response(body, status_code=status, media_type=XML_TYPE)


def _unauthorized() -> Response:
    return Response(status_code=401, headers={"WWW-Authenticate": REALM})
