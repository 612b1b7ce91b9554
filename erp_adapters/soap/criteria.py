"""Writing NAV filter criteria from user values, which are always literal.

Inside single quotes every character of a NAV filter is literal, and a quote is
written twice; so a value quoted here can never add a wildcard (`*`), an
alternative (`|`), a range (`..`), a negation (`<>`), a case switch (`@`) or SQL to
the filter, whatever the customer typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date


def literal(value: str) -> str:
    """`value` as a quoted literal: `o'brien` -> `'o''brien'`."""
    return "'" + value.replace("'", "''") + "'"


def contains_ignoring_case(value: str) -> str:
    """Fields that hold `value` anywhere, without case: `@*'value'*`."""
    return f"@*{literal(value)}*"


def any_of(values: Iterable[str]) -> str:
    """Fields equal to one of `values` exactly: `'a'|'b'`."""
    return "|".join(literal(value) for value in values)


def on_or_after(day: date) -> str:
    """Dates on or after `day`, and blank dates (NAV's 0001-01-01): `day..|''`."""
    return f"{day.isoformat()}..|''"
