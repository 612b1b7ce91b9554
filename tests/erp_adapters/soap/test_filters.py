"""The mock's SETFILTER subset, as a pure matcher (no I/O)."""

from __future__ import annotations

from datetime import date

import pytest

from erp_adapters.soap import criteria
from erp_adapters.soap.mock.filters import FieldKind, FilterError, compile_filter

TEXT = FieldKind.TEXT
VALUES = ("10000", "10010", "10020", "0004711", "", "a*b", "a|b", "O'Brien", "1..9")


def matching(
    expression: str, kind: FieldKind = TEXT, values: tuple[str, ...] = VALUES
) -> list[str]:
    match = compile_filter(expression, kind)
    return [value for value in values if match(value)]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("10000", ["10000"]),
        ("1000", []),
        ("10000|0004711", ["10000", "0004711"]),
        ("10000..10010", ["10000", "10010"]),
        ("10010..", ["10010", "10020", "a*b", "a|b", "O'Brien"]),
        ("..0004711", ["0004711", ""]),
        ("100*", ["10000", "10010", "10020"]),
        ("*11", ["0004711"]),
        ("<>10000", ["10010", "10020", "0004711", "", "a*b", "a|b", "O'Brien", "1..9"]),
        ("''", [""]),
        (
            "<>''",
            ["10000", "10010", "10020", "0004711", "a*b", "a|b", "O'Brien", "1..9"],
        ),
        ("'a*b'", ["a*b"]),
        ("'a|b'", ["a|b"]),
        ("'1..9'", ["1..9"]),
        ("'O''Brien'", ["O'Brien"]),
        ("@'o''brien'", ["O'Brien"]),
        ("'o''brien'", []),
        ("@*'''B'*", ["O'Brien"]),
        ("*'*'*", ["a*b"]),
        ("'*'", []),
        ("'10000|10010'", []),
    ],
)
def test_text_filters(expression: str, expected: list[str]) -> None:
    # when / then
    assert matching(expression) == expected


def test_case_insensitive_wildcard_matches_domain() -> None:
    # given
    values = ("info@Acme.DE", "info@acme.de.evil.com", "x@other.de", "")

    # when
    found = matching("@*@acme.de", values=values)
    quoted = matching(criteria.contains_ignoring_case("@ACME.de"), values=values)

    # then
    assert found == ["info@Acme.DE"]
    assert quoted == ["info@Acme.DE", "info@acme.de.evil.com"]


@pytest.mark.parametrize(
    "typed",
    ["' OR 1=1 --", "*", "|", "..", "@", "<>", "10000|10010", "10000..10020", "''"],
)
def test_quoted_user_values_are_literal(typed: str) -> None:
    # given: values that would be syntax unquoted
    values = (*VALUES, typed)

    # when
    exact = matching(criteria.literal(typed), values=values)
    any_of = matching(criteria.any_of([typed]), values=values)

    # then: only the value itself
    assert exact == [typed]
    assert any_of == [typed]


def test_dates_compare_as_dates_and_blank_is_included_on_request() -> None:
    # given
    dates = ("2026-01-15", "2025-12-31", "", "2026-11-02")

    # when
    since = matching(criteria.on_or_after(date(2026, 1, 1)), FieldKind.DATE, dates)
    before = matching("..2025-12-31", FieldKind.DATE, dates)
    exact = matching("2026-11-02", FieldKind.DATE, dates)

    # then
    assert since == ["2026-01-15", "", "2026-11-02"]
    assert before == ["2025-12-31", ""]
    assert exact == ["2026-11-02"]


def test_decimals_compare_as_numbers() -> None:
    # when
    found = matching(
        "1000..20000", FieldKind.DECIMAL, ("999", "1000", "15000.50", "250000")
    )

    # then
    assert found == ["1000", "15000.50"]


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("'unbalanced", TEXT),
        ("a&b", TEXT),
        ("<10000", TEXT),
        (">=10000", TEXT),
        ("(10000)", TEXT),
        ("1*..2", TEXT),
        ("yesterday..", FieldKind.DATE),
        ("ten", FieldKind.DECIMAL),
    ],
)
def test_unsupported_or_malformed_filters_are_refused(
    expression: str, kind: FieldKind
) -> None:
    # when / then
    with pytest.raises(FilterError):
        compile_filter(expression, kind)
