"""Turning the database's failures into erplink's `StoreUnavailableError`."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from connector.errors import StoreUnavailableError


@contextlib.contextmanager
def store_errors(doing: str) -> Iterator[None]:
    """Raise `StoreUnavailableError` for a database that is down or refuses work.

    Integrity errors pass through: they are answers, not outages. Errors of the
    plain `sqlite3` connection the inbox writes through count like SQLAlchemy's.
    """
    try:
        yield
    except (IntegrityError, sqlite3.IntegrityError):
        raise
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        raise StoreUnavailableError(f"the store could not {doing}") from exc
