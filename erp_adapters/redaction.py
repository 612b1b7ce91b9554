"""Keeping secrets and e-mail addresses out of adapter messages before they are shown.

An adapter's own error text may quote its connection string, a password, or the
address it was asked about. erplink logs those texts, stores them as a dead
letter's reason and prints them in `erplink adapters check`; every one passes
through a `Redactor` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

MASK = "***"
# Option values shorter than this are not secrets worth masking (ports, flags);
# masking them would garble every number in a message.
MIN_SECRET_LEN = 4
_SECRET_KEY_PARTS = ("password", "passwd", "secret", "token", "key", "credential")
_EMAIL = re.compile(r"([A-Za-z0-9._%+'-]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def secret_values(options: Mapping[str, str]) -> frozenset[str]:
    """The values among `options` to mask: each long enough to matter, any value
    of a key that names a secret, and the password inside any URL."""
    found: set[str] = set()
    for key, value in options.items():
        if not value:
            continue
        if len(value) >= MIN_SECRET_LEN or _names_secret(key):
            found.add(value)
        password = _url_password(value)
        if password:
            found.add(password)
    return frozenset(found)


class Redactor:
    """Masks known secret values and the local part of e-mail addresses."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so that a URL is masked whole before its password is.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """`text` with every secret replaced by `***` and addresses shortened to
        `***@domain`."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _EMAIL.sub(lambda match: f"{MASK}@{match.group(2)}", text)


def _names_secret(key: str) -> bool:
    return any(part in key.lower() for part in _SECRET_KEY_PARTS)


def _url_password(value: str) -> str:
    if "://" not in value:
        return ""
    try:
        return urlsplit(value).password or ""
    except ValueError:
        return ""
