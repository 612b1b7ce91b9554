"""Reading NAV's `Read_Result` and `ReadMultiple_Result` replies with lxml directly.

zeep builds and sends the requests, but its deserialiser (a value object per
element, checked against the schema) cost about 1 ms of CPU per reply, the largest
part of a look-up. Here a reply is parsed once by a hardened lxml parser (no
entities, no DTD, no network; a document with a DOCTYPE is refused) and each record
becomes a plain namespace of its fields, typed as the WSDL declares them (decimal,
date, text) by zeep's own converters. Fields the WSDL does not name are ignored, as
a server's page may publish more than erplink reads.

Failures raise what zeep raised for the same reply (`TransportError` for a reply
that is not XML, `Fault` for a SOAP fault or an error status), so `client.py` maps
them to the same adapter errors as before.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import DecimalException
from types import SimpleNamespace
from typing import Any

import zeep
import zeep.exceptions
from lxml import etree

from erp_adapters.soap.hardening import HARDENED_PARSER

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_BODY = f"{{{SOAP_ENV}}}Body"
_FAULT = f"{{{SOAP_ENV}}}Fault"


Converter = Callable[[str], Any]
# zeep has no type hints: its exceptions, raised here as zeep raised them, typed once
_TransportError: Callable[..., Exception] = zeep.exceptions.TransportError
_DTDForbidden: Callable[..., Exception] = zeep.exceptions.DTDForbidden
_Fault: Callable[..., Exception] = zeep.exceptions.Fault


class ReplyReader:
    """Turns the HTTP replies of one page service into its records.

    Args:
        client: the page's zeep client, whose schema types the record's fields.
        page: the service name (`Customer`, `Contact`), also the record's element.
    """

    def __init__(self, client: zeep.AsyncClient, page: str) -> None:
        namespace = f"urn:microsoft-dynamics-schemas/page/{page.lower()}"
        get_type: Callable[[str], Any] = client.get_type
        record_type = get_type(f"{{{namespace}}}{page}")
        self._fields: dict[str, tuple[str, Converter]] = {
            f"{{{namespace}}}{name}": (name, element.type.pythonvalue)
            for name, element in record_type.elements
        }
        self._blank = dict.fromkeys(name for name, _ in self._fields.values())
        self._record = f"{{{namespace}}}{page}"
        self._read = f"{{{namespace}}}Read_Result"
        self._multiple = f"{{{namespace}}}ReadMultiple_Result"

    def read(self, response: Any) -> SimpleNamespace | None:
        """The record of a `Read` reply, or None when the result is empty."""
        found = self._result(response, self._read).find(self._record)
        return None if found is None else self._fields_of(found)

    def read_multiple(self, response: Any) -> list[SimpleNamespace]:
        """The records of a `ReadMultiple` reply, in the order sent."""
        # NAV names the list inside the result as the result; empty, it is left out
        listed = self._result(response, self._multiple).find(self._multiple)
        if listed is None:
            return []
        return [self._fields_of(record) for record in listed.iterchildren(self._record)]

    def _result(self, response: Any, name: str) -> etree._Element:
        """The operation's result element; a reply without one is not valid."""
        result = self._body(response).find(name)
        if result is None:
            raise ValueError("the reply holds no result of the operation")
        return result

    def _body(self, response: Any) -> etree._Element:
        """The SOAP body of a successful reply; faults and broken replies raise."""
        status: int = response.status_code
        content: bytes = response.content
        if status != 200 and not content:
            raise _TransportError(
                f"Server returned HTTP status {status} (no content available)",
                status_code=status,
            )
        try:
            root = etree.fromstring(content, parser=HARDENED_PARSER)
        except etree.XMLSyntaxError as exc:
            raise _TransportError(
                f"Server returned a reply ({status}) that is not XML",
                status_code=status,
            ) from exc
        docinfo = root.getroottree().docinfo
        if docinfo.doctype:
            raise _DTDForbidden(docinfo.doctype, docinfo.system_url, docinfo.public_id)
        body = root.find(_BODY)
        fault = body.find(_FAULT) if body is not None else None
        if status != 200 or fault is not None:
            raise _fault(fault)
        if body is None:
            raise ValueError("the reply has no SOAP body")
        return body

    def _fields_of(self, element: etree._Element) -> SimpleNamespace:
        """A record's fields; absent and empty ones are None, as zeep gave them."""
        values = dict(self._blank)
        for child in element.iterchildren(tag=etree.Element):
            known = self._fields.get(child.tag)
            if known is None or child.text is None:
                continue
            name, convert = known
            try:
                values[name] = convert(child.text)
            except (ValueError, TypeError, DecimalException) as exc:
                # a value that is not what the WSDL says: the reply is not valid
                raise ValueError(f"the field {name} holds no valid value") from exc
        return SimpleNamespace(**values)


def _fault(fault: etree._Element | None) -> Exception:
    """The SOAP 1.1 fault as zeep raised it (a reply without one: unknown)."""
    if fault is None:
        return _Fault("Unknown fault occured", code=None)
    return _Fault(
        fault.findtext("faultstring"),
        code=fault.findtext("faultcode"),
        actor=fault.findtext("faultactor"),
        detail=fault.find("detail"),
    )
