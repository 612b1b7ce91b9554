"""Turning the database's failures into erplink's `StoreUnavailableError`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from connector.errors import StoreUnavailableError


@contextlib.contextmanager
def store_errors(doing: str) -> Iterator[None]:
    """Raise `StoreUnavailableError` for a database that is down or refuses work.

    Integrity errors pass through: they are answers, not outages.
    """
    try:
        yield
    except IntegrityError:
        raise
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailableError(f"the store could not {doing}") from exc
