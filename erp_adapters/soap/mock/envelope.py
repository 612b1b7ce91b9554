"""SOAP 1.1 envelopes for the mock: hardened request parsing, NAV-shaped replies.

Requests are parsed by lxml with entity resolution, DTD loading and network access
off, and any document with a DOCTYPE is refused before and after parsing: a client
may never make the mock expand an entity or fetch a file (XXE, "billion laughs").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from erp_adapters.soap.hardening import HARDENED_PARSER
from erp_adapters.soap.mock.filters import FieldKind
from erp_adapters.soap.mock.pages import Page, Record

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NAV_ERROR_NS = "urn:microsoft-dynamics-schemas/error"
SERIALIZATION_NS = "http://schemas.microsoft.com/2003/10/Serialization/"
WSSE_NS = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
)
NAV_EXCEPTION_PREFIX = "Microsoft.Dynamics.Nav.Types.Exceptions."
NAV_BLANK_DATE = "0001-01-01"
MAX_REQUEST_BYTES = 1024 * 1024


class ClientFault(Exception):
    """The request itself is unacceptable (SOAP faultcode `Client`)."""


@dataclass(frozen=True, slots=True)
class Call:
    """One decoded operation call."""

    operation: str
    number: str = ""
    filters: Sequence[tuple[str, str]] = field(default_factory=tuple)
    bookmark: str | None = None
    size: int = 0
    username_token: tuple[str, str] | None = None


def parse_call(body: bytes, page: Page) -> Call:
    """Decodes a `Read` or `ReadMultiple` request for `page`.

    Raises:
        ClientFault: the body is too large, not well-formed, has a DOCTYPE, is no
            SOAP envelope, or names another page or an unknown operation.
    """
    root = _parse(body)
    header = root.find(f"{{{SOAP_ENV}}}Header")
    operation = _operation(root, page)
    name = etree.QName(operation).localname
    token = _username_token(header) if header is not None else None
    if name == "Read":
        return Call("Read", number=_text(operation, page, "No"), username_token=token)
    if name == "ReadMultiple":
        return _read_multiple(operation, page, token)
    raise ClientFault(f"The operation {name} is not offered by the {page.name} page.")


def _parse(body: bytes) -> etree._Element:
    if len(body) > MAX_REQUEST_BYTES:
        raise ClientFault("The request is larger than the service accepts.")
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise ClientFault("Document type definitions are not accepted.")
    try:
        root = etree.fromstring(body, HARDENED_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ClientFault("The request is not well-formed XML.") from exc
    if root.getroottree().docinfo.doctype:
        raise ClientFault("Document type definitions are not accepted.")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise ClientFault("The request is not a SOAP 1.1 envelope.")
    return root


def _operation(root: etree._Element, page: Page) -> etree._Element:
    body = root.find(f"{{{SOAP_ENV}}}Body")
    children = [] if body is None else [c for c in body if isinstance(c.tag, str)]
    if len(children) != 1:
        raise ClientFault("The SOAP body must hold exactly one operation.")
    operation = children[0]
    if etree.QName(operation).namespace != page.namespace:
        raise ClientFault(f"The operation is not in the namespace {page.namespace}.")
    return operation


def _read_multiple(
    operation: etree._Element, page: Page, token: tuple[str, str] | None
) -> Call:
    ns = page.namespace
    filters = [
        (_text(f, page, "Field"), _text(f, page, "Criteria"))
        for f in operation.findall(f"{{{ns}}}filter")
    ]
    bookmark = operation.findtext(f"{{{ns}}}bookmarkKey")
    size_text = _text(operation, page, "setSize")
    try:
        size = int(size_text)
    except ValueError as exc:
        raise ClientFault(f"setSize {size_text[:20]!r} is not a number.") from exc
    return Call(
        "ReadMultiple",
        filters=filters,
        bookmark=bookmark or None,
        size=max(size, 0),
        username_token=token,
    )


def _text(parent: etree._Element, page: Page, name: str) -> str:
    child = parent.find(f"{{{page.namespace}}}{name}")
    if child is None:
        raise ClientFault(f"The element {name} is missing.")
    return child.text or ""


def _username_token(header: etree._Element) -> tuple[str, str] | None:
    token = header.find(f"{{{WSSE_NS}}}Security/{{{WSSE_NS}}}UsernameToken")
    if token is None:
        return None
    username = token.findtext(f"{{{WSSE_NS}}}Username") or ""
    password = token.findtext(f"{{{WSSE_NS}}}Password") or ""
    return username, password


# -- replies -------------------------------------------------------------------------


def read_result(page: Page, record: Record | None) -> bytes:
    """`Read_Result` holding the record, or empty when there is none."""
    envelope, body = _envelope()
    result = etree.SubElement(body, f"{{{page.namespace}}}Read_Result")
    if record is not None:
        _record(result, page, record)
    return _bytes(envelope)


def read_multiple_result(page: Page, records: Sequence[Record]) -> bytes:
    """`ReadMultiple_Result` (the name appears twice, as NAV writes it)."""
    envelope, body = _envelope()
    ns = page.namespace
    outer = etree.SubElement(body, f"{{{ns}}}ReadMultiple_Result")
    inner = etree.SubElement(outer, f"{{{ns}}}ReadMultiple_Result")
    for record in records:
        _record(inner, page, record)
    return _bytes(envelope)


def nav_fault(exception: str, message: str) -> bytes:
    """A fault as NAV sends it: `a:Microsoft.Dynamics.Nav.Types.Exceptions.<name>`."""
    return _fault(f"a:{NAV_EXCEPTION_PREFIX}{exception}", message, {"a": NAV_ERROR_NS})


def client_fault(message: str) -> bytes:
    """A SOAP 1.1 `Client` fault: the request was at fault, not the server."""
    return _fault("s:Client", message, {"s": SOAP_ENV})


def _fault(code: str, message: str, nsmap: dict[str, str]) -> bytes:
    envelope, body = _envelope()
    fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode", nsmap=nsmap).text = code
    string = etree.SubElement(fault, "faultstring")
    string.set("{http://www.w3.org/XML/1998/namespace}lang", "en-US")
    string.text = message
    detail = etree.SubElement(fault, "detail")
    string_ns = {None: SERIALIZATION_NS}
    etree.SubElement(
        detail, f"{{{SERIALIZATION_NS}}}string", nsmap=string_ns
    ).text = message
    return _bytes(envelope)


def _envelope() -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"Soap": SOAP_ENV})
    return envelope, etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")


def _record(parent: etree._Element, page: Page, record: Record) -> None:
    ns = page.namespace
    element = etree.SubElement(parent, f"{{{ns}}}{page.name}")
    etree.SubElement(element, f"{{{ns}}}Key").text = record["Key"]
    for name, kind in page.fields.items():
        value = _wire_value(name, kind, record[name])
        if value:
            etree.SubElement(element, f"{{{ns}}}{name}").text = value


def _wire_value(name: str, kind: FieldKind, value: str) -> str:
    """NAV writes blank dates as 0001-01-01 and a blank `Blocked` as `_blank_`."""
    if value:
        return value
    if kind is FieldKind.DATE:
        return NAV_BLANK_DATE
    return "_blank_" if name == "Blocked" else ""


def _bytes(envelope: etree._Element) -> bytes:
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="utf-8"))
