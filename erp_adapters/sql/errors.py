"""Driver errors turned into the adapter protocol's errors, at the boundary.

Each driver reports in its own way: asyncpg by SQLSTATE, asyncmy by MySQL error
number, sqlite3 by message. The translation keeps the kind (credentials, outage,
mapping) and a short reason, and drops anything that may hold a secret: the URL is
never quoted, the password is cut out of any driver text that echoes it, and so is
the local part of any e-mail address (a driver may quote a bound value).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping

from sqlalchemy import exc as sa_exc

from erp_adapters.base import (
    ErpError,
    ErpMisconfiguredError,
    ErpUnauthorizedError,
    ErpUnavailableError,
)

REASON_CHARS_MAX = 200
_EMAIL = re.compile(r"[^\s@'\"<>(),;]+@(?=[^\s@'\"<>(),;]+\.)")
_Kind = type[ErpError]

_POSTGRES_CLASSES: Mapping[str, _Kind] = {
    "28": ErpUnauthorizedError,  # invalid authorization specification
    "42": ErpMisconfiguredError,  # syntax error or access rule violation
    "3D": ErpMisconfiguredError,  # invalid catalog (database) name
    "3F": ErpMisconfiguredError,  # invalid schema name
}
_POSTGRES_STATES: Mapping[str, _Kind] = {
    "42501": ErpUnauthorizedError,  # insufficient privilege on a table
}
_MYSQL_NUMBERS: Mapping[int, _Kind] = {
    1044: ErpUnauthorizedError,  # access denied to the database
    1045: ErpUnauthorizedError,  # access denied for the user (password)
    1142: ErpUnauthorizedError,  # SELECT denied on a table
    1143: ErpUnauthorizedError,  # SELECT denied on a column
    1049: ErpMisconfiguredError,  # unknown database
    1054: ErpMisconfiguredError,  # unknown column
    1146: ErpMisconfiguredError,  # table does not exist
}
_SQLITE_MESSAGES: Mapping[str, _Kind] = {
    "no such table": ErpMisconfiguredError,
    "no such column": ErpMisconfiguredError,
    "unable to open database file": ErpMisconfiguredError,
    "file is not a database": ErpMisconfiguredError,
}
_WHAT: Mapping[_Kind, str] = {
    ErpUnauthorizedError: "the database refused the login",
    ErpMisconfiguredError: "the database does not match the mapping",
    ErpUnavailableError: "the database did not answer",
}


def translate(exc: BaseException, *, where: str, secret: str | None) -> ErpError:
    """The protocol error for a failure of one adapter call.

    Args:
        exc: what the driver, the pool or asyncio raised.
        where: the database, described without secrets (`connection.describe`).
        secret: the password, cut out of the reason if a driver echoes it.
    """
    if isinstance(exc, ErpError):
        return exc
    kind = _kind(exc)
    reason = _reason(exc, secret)
    return kind(f"sql adapter: {_WHAT[kind]} ({where}): {reason}")


def _kind(exc: BaseException) -> _Kind:
    if isinstance(exc, TimeoutError | asyncio.TimeoutError | OSError):
        return ErpUnavailableError
    if isinstance(exc, sa_exc.DBAPIError):
        return _driver_kind(exc.orig)
    return ErpUnavailableError


def _driver_kind(orig: BaseException | None) -> _Kind:
    state = getattr(orig, "sqlstate", None)
    if isinstance(state, str) and len(state) == 5:
        return _POSTGRES_STATES.get(state) or _POSTGRES_CLASSES.get(
            state[:2], ErpUnavailableError
        )
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return _MYSQL_NUMBERS.get(args[0], ErpUnavailableError)
    text = str(orig).lower()
    for fragment, kind in _SQLITE_MESSAGES.items():
        if fragment in text:
            return kind
    return ErpUnavailableError


def _reason(exc: BaseException, secret: str | None) -> str:
    orig = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    if isinstance(exc, sa_exc.TimeoutError):
        text = "no free connection in the pool in time"
    elif isinstance(orig, TimeoutError | asyncio.TimeoutError):
        text = "timed out"
    else:
        args = getattr(orig, "args", ())
        parts = [str(a) for a in args if not isinstance(a, int)] if args else []
        text = " ".join(parts) or str(orig) or type(orig).__name__
    if secret:
        text = text.replace(secret, "***")
    text = _EMAIL.sub("***@", text)
    text = " ".join(text.split())
    if len(text) > REASON_CHARS_MAX:
        text = text[: REASON_CHARS_MAX - 3] + "..."
    return f"{type(orig).__name__}: {text}"
