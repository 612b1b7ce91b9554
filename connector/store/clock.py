"""Time as the store sees it: always aware UTC, whatever the database hands back."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything erplink stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
