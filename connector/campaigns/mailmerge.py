"""The mail-merge file of a campaign: one row per person, with their personal link."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

# Spreadsheets run a cell that starts with one of these as a formula; an apostrophe
# makes it text again (an ERP name such as "=Hansen" must not become a formula).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class MailMergeRow:
    """One person to invite."""

    account: str
    name: str
    contact: str
    email: str
    rep: str
    link: str


def write_mail_merge(path: Path, rows: Sequence[MailMergeRow]) -> Path:
    """Write the rows as UTF-8 CSV with a header, atomically; returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f.name for f in fields(MailMergeRow)])
        writer.writerows([_safe(v) for v in astuple(row)] for row in rows)
    os.replace(temporary, path)
    return path


def _safe(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
