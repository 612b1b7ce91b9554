"""Starting the mock ERP on a loopback socket, for the CLI, the demo, tests and
benchmarks."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from connector.serving import RunningServer, start_server
from erp_adapters.soap.mock.app import MockErp
from erp_adapters.soap.mock.pages import load_pages
from erp_adapters.soap.mock.switches import Switches

INSTANCE = "DynamicsNAV"
COMPANY = "CRONUS"
DEFAULT_USERNAME = "erplink"


@dataclass
class RunningMock:
    """A mock ERP serving on a socket; `stop()` ends it."""

    mock: MockErp
    server: RunningServer
    username: str
    password: str

    @property
    def url(self) -> str:
        """The web service root the SOAP adapter's `url` option takes."""
        return f"{self.server.url}/{INSTANCE}/WS/{COMPANY}"

    def adapter_options(self) -> dict[str, str]:
        """Options for the `soap` adapter pointing at this mock."""
        return {"url": self.url, "username": self.username, "password": self.password}

    async def stop(self) -> None:
        """Finishes open requests and closes the socket."""
        await self.server.stop()


def build_mock(
    accounts: Path,
    contacts: Path | None,
    *,
    username: str,
    password: str,
    switches: Switches | None = None,
    seed: int | None = None,
) -> MockErp:
    """A mock over the CSV files, not yet serving.

    Raises:
        ErpMisconfiguredError: a file is missing or malformed.
    """
    pages = load_pages(accounts, contacts)
    return MockErp(
        pages, username=username, password=password, switches=switches, seed=seed
    )


async def start_mock(
    mock: MockErp, *, password: str, username: str = DEFAULT_USERNAME,
    host: str = "127.0.0.1", port: int = 0,
) -> RunningMock:  # fmt: skip
    """Serves `mock` on `host:port` (0 picks a free port).

    Raises:
        RuntimeError: the server did not start.
    """
    server = await start_server(mock.app, host=host, port=port)
    return RunningMock(mock, server, username, password)


async def start_sample_mock(accounts: Path, contacts: Path | None) -> RunningMock:
    """A mock over these files on a free loopback port, with a fresh password."""
    password = secrets.token_urlsafe(16)
    mock = build_mock(accounts, contacts, username=DEFAULT_USERNAME, password=password)
    return await start_mock(mock, password=password)
