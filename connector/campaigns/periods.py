"""Periods as a merchant writes them on the command line: `90d`, `6w`, `12m`, `1y`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from connector.errors import ConfigurationError

_PERIOD = re.compile(r"^\s*(\d{1,4})\s*([dwmy])\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Period:
    """A count of days, weeks, months or years."""

    count: int
    unit: str

    def before(self, day: date) -> date:
        """The day this period before `day` (month ends clamp: 31 March - 1m = 28/29
        February)."""
        if self.unit in "dw":
            return day - timedelta(days=self.count * (7 if self.unit == "w" else 1))
        months = self.count * (12 if self.unit == "y" else 1)
        return add_months(day, -months)

    def after(self, day: date) -> date:
        """The day this period after `day`."""
        if self.unit in "dw":
            return day + timedelta(days=self.count * (7 if self.unit == "w" else 1))
        months = self.count * (12 if self.unit == "y" else 1)
        return add_months(day, months)


def parse_period(text: str, *, option: str) -> Period:
    """A period from `90d`, `6w`, `12m` or `1y`.

    Raises:
        ConfigurationError: anything else; the message names the option.
    """
    found = _PERIOD.match(text)
    if found is None or int(found[1]) == 0:
        raise ConfigurationError(
            f"{option}: {text!r} is not a period; write a number and d, w, m or y, "
            "for example 90d or 12m"
        )
    return Period(int(found[1]), found[2].lower())


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the last day of the target month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"no such month: {year}-{month + 1}")  # pragma: no cover
