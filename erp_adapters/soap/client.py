"""One NAV page service through zeep's async client, with failures translated.

zeep's traps are handled here: the WSDL comes from a local file (loading is
synchronous), the service proxy is built as `AsyncServiceProxy` (`create_service`
would return a synchronous one), operations run on the caller's HTTP pools
(`pools.py`) with explicit timeouts, and `Settings(forbid_external=True)` keeps zeep
from fetching anything a WSDL points at. zeep builds and sends each request but
returns the raw reply (`raw_response`), which `replies.py` reads.

Failures become the adapter errors (see `erp_adapters.base`); messages name the
adapter, the page and what failed, never the password or the criteria (which hold
customers' e-mail addresses).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import structlog
import zeep
import zeep.exceptions
from lxml import etree
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport

from erp_adapters.base import (
    ErpError,
    ErpMisconfiguredError,
    ErpUnauthorizedError,
    ErpUnavailableError,
)
from erp_adapters.soap.pools import Pools
from erp_adapters.soap.replies import ReplyReader

_log = structlog.get_logger(__name__)

WSDL_DIR = Path(__file__).resolve().parent / "wsdl"
NAV_EXCEPTION = re.compile(r"Microsoft\.Dynamics\.Nav\.Types\.Exceptions\.(\w+)")
_EMAIL = re.compile(r"[^\s'\"<>@]+@[^\s'\"<>]+")
FAULTSTRING_CHARS = 200
_Read = TypeVar("_Read")
# what a request sent on a connection the server has closed fails with
_DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class _HttpStatusError(Exception):
    """A reply that is no SOAP at all: an error page of a proxy or of IIS."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class _NavTransport(AsyncTransport):
    """zeep's async transport, lean, on several pools, retrying a dropped connection.

    Requests go to the least busy of the page's pools (`pools.py`). The httpx reply
    is returned as it is (zeep's copy into a `requests.Response` reads the reply's
    cookies a second time), for `replies.py` to read. An error reply that is not
    XML fails with its HTTP status (zeep would turn it into `Fault("Unknown fault
    occured")`). A connection the ERP closed while it sat idle in a pool fails the
    next request sent on it; as every call is a read, it is sent once more, on a
    new connection.
    """

    def __init__(self, pools: Pools, wsdl_client: httpx.Client) -> None:
        super().__init__(client=pools.clients[0], wsdl_client=wsdl_client)
        pools.use_headers(self.client.headers)  # zeep's User-Agent on every pool
        self._pools = pools

    async def post_xml(self, address: str, envelope: Any, headers: Any) -> Any:
        message = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
        try:
            response = await self._pools.post(address, content=message, headers=headers)
        except _DROPPED as exc:
            _log.info("erp.soap.connection_retried", error=type(exc).__name__)
            response = await self._pools.post(address, content=message, headers=headers)
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
        if response.status_code >= 400 and response.content and "xml" not in media_type:
            raise _HttpStatusError(response.status_code)
        return response


class PageClient:
    """`Read` and `ReadMultiple` on one page service (`Customer`, `Contact`).

    Args:
        page: the service name; its WSDL is `wsdl/<page lower case>.wsdl`.
        address: the service's URL, `.../WS/<Company>/Page/<page>`.
        http: the page's HTTP pools (timeouts, connections, Basic auth).
        wsse: a WS-Security UsernameToken to send instead of Basic auth.
        adapter: the adapter's name, for messages.
    """

    def __init__(
        self,
        page: str,
        address: str,
        http: Pools,
        *,
        wsse: Any = None,
        adapter: str = "soap",
    ) -> None:
        self.page = page
        self._adapter = adapter
        self._host = urlsplit(address).hostname or "?"
        self._timeout_s = http.timeout.read
        wsdl_client = httpx.Client()  # zeep wants one; a local WSDL never uses it
        try:
            client = zeep.AsyncClient(
                str(WSDL_DIR / f"{page.lower()}.wsdl"),
                transport=_NavTransport(http, wsdl_client),
                # raw replies, read by `replies.py`; set for good at start, as
                # `client.settings(...)` is thread-local and not task-safe
                settings=zeep.Settings(
                    forbid_external=True,
                    forbid_dtd=True,
                    xml_huge_tree=False,
                    raw_response=True,
                ),
                wsse=wsse,
            )
        finally:
            wsdl_client.close()
        namespace = f"urn:microsoft-dynamics-schemas/page/{page.lower()}"
        binding = client.wsdl.bindings[f"{{{namespace}}}{page}_Binding"]
        self._service = AsyncServiceProxy(client, binding, address=address)
        self._replies = ReplyReader(client, page)

    async def read(self, number: str) -> Any | None:
        """The record with this `No`, or None (NAV answers an empty result)."""
        try:
            return await self._call("Read", self._replies.read, No=number)
        except _RecordNotFound:
            return None

    async def read_multiple(
        self,
        filters: Sequence[tuple[str, str]],
        *,
        bookmark: str | None = None,
        size: int = 0,
    ) -> list[Any]:
        """One page of records meeting every filter, after `bookmark`."""
        arguments = [{"Field": name, "Criteria": value} for name, value in filters]
        try:
            return await self._call(
                "ReadMultiple",
                self._replies.read_multiple,
                filter=arguments,
                bookmarkKey=bookmark,
                setSize=size,
            )
        except _RecordNotFound as exc:
            raise ErpUnavailableError(
                f"the {self._adapter} ERP adapter lost its place paging the "
                f"{self.page} page (the bookmarked record is gone); retry later"
            ) from exc

    async def _call(
        self, operation: str, read: Callable[[Any], _Read], **arguments: Any
    ) -> _Read:
        """Sends the operation and reads its reply, failures as adapter errors."""
        try:
            response = await getattr(self._service, operation)(**arguments)
            return read(response)
        except zeep.exceptions.Fault as exc:
            raise self._fault(exc) from exc
        except zeep.exceptions.TransportError as exc:
            raise self._transport(exc) from exc
        except _HttpStatusError as exc:
            reason = f"answered HTTP {exc.status} with an error page, not SOAP"
            raise self._failed(operation, reason, exc) from exc
        except httpx.TimeoutException as exc:
            raise self._failed(
                operation, f"did not answer within {self._timeout_s:g} s", exc
            ) from exc
        except httpx.TransportError as exc:
            raise self._failed(operation, "cannot be reached", exc) from exc
        except (zeep.exceptions.Error, etree.Error, ValueError) as exc:
            raise self._failed(
                operation, "sent a reply that is not valid", exc
            ) from exc

    def _fault(self, fault: zeep.exceptions.Fault) -> Exception:
        """Maps a SOAP fault by NAV's exception name (or an HTML page's)."""
        found = NAV_EXCEPTION.search(str(fault.code or ""))
        name = found.group(1) if found else str(fault.code or "an unknown fault")
        text = _safe(fault.message)
        if name == "NavCSideRecordNotFoundException":
            return _RecordNotFound(text)
        where = f"the {self._adapter} ERP adapter's {self.page} page at {self._host}"
        _log.warning("erp.call_failed", adapter=self._adapter, page=self.page,
                     fault=name)  # fmt: skip
        if name == "NavPermissionException":
            return ErpUnauthorizedError(
                f"{where} refused access ({name}: {text}); give the web service user "
                "read permission on the page"
            )
        if name in ("NavNCLDialogException", "Client", "s:Client"):
            return ErpMisconfiguredError(
                f"{where} refused the request ({name}: {text})"
            )
        return ErpUnavailableError(f"{where} answered with a fault ({name}: {text})")

    def _transport(self, exc: zeep.exceptions.TransportError) -> ErpError:
        if exc.status_code in (401, 403):
            _log.warning("erp.call_failed", adapter=self._adapter, page=self.page,
                         status=exc.status_code)  # fmt: skip
            return ErpUnauthorizedError(
                f"the {self._adapter} ERP adapter's login was refused by the "
                f"{self.page} page at {self._host} (HTTP {exc.status_code}); check "
                "the username and password in its options"
            )
        reason = (
            f"answered HTTP {exc.status_code} with no usable reply"
            if exc.status_code != 200
            else "sent a reply that is not valid XML"
        )
        return self._failed("call", reason, exc)

    def _failed(self, operation: str, reason: str, exc: Exception) -> ErpError:
        _log.warning("erp.call_failed", adapter=self._adapter, page=self.page,
                     operation=operation, error=type(exc).__name__)  # fmt: skip
        return ErpUnavailableError(
            f"the {self._adapter} ERP adapter's {self.page} page at {self._host} "
            f"{reason}"
        )


class _RecordNotFound(Exception):
    """NAV's NavCSideRecordNotFoundException, handled by the operation."""


def _safe(text: object) -> str:
    """A faultstring fit for a log: e-mail addresses masked, length bounded."""
    masked = _EMAIL.sub("<e-mail>", str(text or ""))
    return masked[:FAULTSTRING_CHARS]
