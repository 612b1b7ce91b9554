"""The subset of NAV's SETFILTER syntax the mock ERP understands, as a pure matcher.

Grammar (whitespace around `|` and `..` is not allowed, as in NAV)::

    expression  := alternative ('|' alternative)*
    alternative := ['@'] ('<>' value | value '..' value | value '..' | '..' value
                          | value)
    value       := (quoted | plain)*
    quoted      := "'" (any character, "''" for a quote)* "'"
    plain       := characters other than "'", "|"; "*" is a wildcard

`@` compares without case, `*` (outside quotes) matches any run of characters,
`<>` negates, `..` is an inclusive range (dates compare as dates, decimals as
numbers) and `''` is the blank value, so `<>''` means "not blank". Everything inside
quotes is literal: `'a*b'` matches the text `a*b` only, which is how a client passes
user input safely. Not supported, and rejected with `FilterError`: `&`, `<`, `<=`,
`>`, `>=`, `%1` placeholders and parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum

UNSUPPORTED = frozenset("&<>()")


class FieldKind(Enum):
    """How values of a page field compare."""

    TEXT = "text"
    DATE = "date"
    DECIMAL = "decimal"


class FilterError(ValueError):
    """The criteria are not valid, or use syntax outside the supported subset."""


@dataclass(frozen=True, slots=True)
class _Value:
    """One value of a criteria: literal text, or a pattern when it holds wildcards."""

    text: str
    pattern: re.Pattern[str] | None


Matcher = Callable[[str], bool]


def compile_filter(criteria: str, kind: FieldKind) -> Matcher:
    """A function telling whether a field's value (as text) meets `criteria`.

    Raises:
        FilterError: the criteria are malformed or outside the supported subset.
    """
    alternatives = [_alternative(part, kind) for part in _split_alternatives(criteria)]
    return lambda value: any(match(value) for match in alternatives)


def _split_alternatives(criteria: str) -> list[str]:
    """Splits on `|` outside quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in criteria:
        if char == "'":
            quoted = not quoted
        if char == "|" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if quoted:
        raise FilterError(f"unbalanced quote in filter {criteria!r}")
    parts.append("".join(current))
    return parts


def _alternative(text: str, kind: FieldKind) -> Matcher:
    fold = text.startswith("@")
    body = text[1:] if fold else text
    if body.startswith("<>"):
        value = _checked(_value(body[2:], fold), kind)
        return lambda field: not _equals(field, value, kind, fold)

    bounds = _split_range(body)
    if bounds is None:
        value = _checked(_value(body, fold), kind)
        return lambda field: _equals(field, value, kind, fold)

    low, high = (_bound(b, kind, fold) if b else None for b in bounds)
    return lambda field: _in_range(field, low, high, kind, fold)


def _split_range(body: str) -> tuple[str, str] | None:
    """The two sides of `a..b` (either may be empty), or None without `..`."""
    quoted = False
    for index, char in enumerate(body):
        if char == "'":
            quoted = not quoted
        elif not quoted and body.startswith("..", index):
            return body[:index], body[index + 2 :]
    return None


def _value(text: str, fold: bool) -> _Value:
    """Parses quoted and plain runs; plain `*` becomes a wildcard."""
    literal: list[str] = []
    regex: list[str] = []
    wildcard = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "'":
            end = _closing_quote(text, index)
            run = text[index + 1 : end].replace("''", "'")
            literal.append(run)
            regex.append(re.escape(run))
            index = end + 1
            continue
        if char in UNSUPPORTED:
            raise FilterError(f"{char!r} is not supported in filter {text!r}")
        if char == "*":
            wildcard = True
            regex.append(".*")
        else:
            literal.append(char)
            regex.append(re.escape(char))
        index += 1

    if not wildcard:
        return _Value("".join(literal), None)
    flags = re.IGNORECASE | re.DOTALL if fold else re.DOTALL
    return _Value("", re.compile("".join(regex), flags))


def _checked(value: _Value, kind: FieldKind) -> _Value:
    """Refuses a date or decimal value that is neither blank nor valid."""
    if kind is not FieldKind.TEXT and value.pattern is None and value.text:
        _typed(value.text, kind)
    return value


def _closing_quote(text: str, start: int) -> int:
    index = start + 1
    while index < len(text):
        if text[index] == "'":
            if text.startswith("''", index):
                index += 2
                continue
            return index
        index += 1
    raise FilterError(f"unbalanced quote in filter {text!r}")


def _equals(field: str, value: _Value, kind: FieldKind, fold: bool) -> bool:
    if value.pattern is not None:
        return value.pattern.fullmatch(field) is not None
    if kind is not FieldKind.TEXT and field and value.text:
        return _typed(field, kind) == _typed(value.text, kind)
    if fold:
        return field.casefold() == value.text.casefold()
    return field == value.text


def _bound(text: str, kind: FieldKind, fold: bool) -> date | Decimal | str:
    value = _value(text, fold)
    if value.pattern is not None:
        raise FilterError(f"a range bound cannot hold a wildcard: {text!r}")
    return _typed(value.text, kind, fold)


def _typed(text: str, kind: FieldKind, fold: bool = False) -> date | Decimal | str:
    """The comparable form of a value: a date, a decimal, or (folded) text."""
    try:
        if kind is FieldKind.DATE:
            return date.fromisoformat(text)
        if kind is FieldKind.DECIMAL:
            return Decimal(text)
    except (ValueError, InvalidOperation) as exc:
        raise FilterError(f"{text!r} is not a valid {kind.value}") from exc
    return text.casefold() if fold else text


def _in_range(
    field: str,
    low: date | Decimal | str | None,
    high: date | Decimal | str | None,
    kind: FieldKind,
    fold: bool,
) -> bool:
    if not field:
        # NAV's blank date and blank text sort before every value
        return low is None
    value = _typed(field, kind, fold)
    above = low is None or low <= value  # type: ignore[operator]
    below = high is None or value <= high  # type: ignore[operator]
    return above and below


def contained_literal(criteria: str) -> str | None:
    """The text of a case-insensitive "contains" criteria (`@*'text'*`), or None.

    Pages answer such criteria from a search over one string per field instead of a
    test per record: the adapter sends them for every e-mail look-up.
    """
    if not (criteria.startswith("@*") and criteria.endswith("*")) or len(criteria) < 4:
        return None
    inner = criteria[2:-1]
    if len(_split_alternatives(criteria)) != 1 or _split_range(inner) is not None:
        return None
    if inner.startswith("<>"):
        return None
    value = _value(inner, fold=True)
    if value.pattern is not None or "\0" in value.text:
        return None
    return value.text.casefold()


def exact_literals(criteria: str) -> frozenset[str] | None:
    """The values of criteria made only of exact alternatives (`'a'|'b'`), or None."""
    values = set()
    for part in _split_alternatives(criteria):
        if part.startswith(("@", "<>")) or _split_range(part) is not None:
            return None
        value = _value(part, fold=False)
        if value.pattern is not None:
            return None
        values.add(value.text)
    return frozenset(values)
