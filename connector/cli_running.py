"""Running a CLI command's coroutine: erplink's errors become click's (exit code 1)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import click

from connector.errors import ConfigurationError, ErplinkError

T = TypeVar("T")


def run_command(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to its end; a merchant-facing error exits with its message.

    A configuration error says what to fix as it is; any other erplink error is
    prefixed with its stable code.
    """
    try:
        return asyncio.run(coroutine)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    except ErplinkError as exc:
        raise click.ClickException(f"{exc.code}: {exc}") from exc
