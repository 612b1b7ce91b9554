"""Keeping secrets and e-mail addresses out of adapter messages before they are shown.

An adapter's own error text may quote its connection string, a password, or the
address it was asked about. erplink logs those texts, stores them as a dead
letter's reason and prints them in `erplink adapters check`; every one passes
through a `Redactor` first.

What counts as secret among the adapter options: the whole value of an option whose
name says so (`password`, `token`, `api_key`, ...), the password inside a URL
(`postgresql://user:PASSWORD@host/db`) and inside a connection string
(`Server=erp;Password=PASSWORD`). Other values, such as file paths and table names,
stay readable so that a message can say which file is missing. On top of that,
any URL password and the local part of any e-mail address are masked wherever
they appear in a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

MASK = "***"
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|credential|auth", re.I)
_CONNECTION_PASSWORD = re.compile(r"(?:password|pwd)\s*=\s*([^;]+)", re.I)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@/\s]+@")
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def secret_values(options: Mapping[str, str]) -> frozenset[str]:
    """The values among `options` to mask (see the module docstring)."""
    found: set[str] = set()
    for key, value in options.items():
        if not value:
            continue
        if names_secret(key):
            found.add(value)
        found.update(m.strip() for m in _CONNECTION_PASSWORD.findall(value))
        password = _url_password(value)
        if password:
            found.add(password)
    return frozenset(s for s in found if s)


def names_secret(key: str) -> bool:
    """Whether an option's name says that its value is a secret."""
    return bool(_SECRET_NAME.search(key))


class Redactor:
    """Masks known secret values, URL passwords and e-mail local parts."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so that a value is masked whole before a part of it is.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """`text` with every secret replaced by `***`, URL passwords masked and
        addresses shortened to `***@domain`."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)
        return _EMAIL.sub(rf"{MASK}@\g<1>", text)


def _url_password(value: str) -> str:
    if "://" not in value:
        return ""
    try:
        return urlsplit(value).password or ""
    except ValueError:
        return ""
