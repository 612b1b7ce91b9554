"""Shared fixtures: databases (SQLite always, PostgreSQL where it answers).

PostgreSQL runs on 127.0.0.1:5432 on the CI machine (trust auth, database `test`).
Each test gets its own database: a fresh SQLite file, or a fresh PostgreSQL
database created for the test and dropped after it, each copied from one migrated
once per test process. Where PostgreSQL does not answer the PostgreSQL variants
skip, unless CI is set, when they fail.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from connector.demo import Demo, start_demo
from connector.logs import configure_logging
from connector.settings import Settings
from connector.store.database import create_engine, migrate, sessionmaker

PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN_URL = f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/test"


def service_answers(host: str, port: int) -> bool:
    """Whether anything accepts a TCP connection on host:port within a second."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or, under CI, fail) when a database server does not answer."""
    if service_answers(host, port):
        return
    message = f"{name} does not answer on {host}:{port}"
    if os.environ.get("CI"):
        pytest.fail(f"{message}, and CI needs it")
    pytest.skip(message)


async def run_admin(url: str, statement: str) -> None:
    """One statement outside a transaction (CREATE or DROP DATABASE) on `url`."""
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await admin.dispose()


def postgres_url(name: str) -> str:
    """The URL of database `name` on the test PostgreSQL."""
    return f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"


async def _migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


class MigratedTemplates:
    """A migrated database of each kind, made once per test process; each test's
    database is a copy of it, which costs a fraction of running the migrations."""

    def __init__(self, directory: Path) -> None:
        self._sqlite = directory / "template.db"
        self.postgres: str | None = None

    async def sqlite_copy(self, target: Path) -> str:
        """A migrated SQLite file at `target`, as a URL."""
        if not self._sqlite.exists():
            await _migrated(f"sqlite+aiosqlite:///{self._sqlite}")
        shutil.copyfile(self._sqlite, target)
        return f"sqlite+aiosqlite:///{target}"

    async def postgres_copy(self) -> tuple[str, str]:
        """A new migrated PostgreSQL database: its name and URL."""
        if self.postgres is None:
            template = f"erplink_template_{uuid.uuid4().hex[:12]}"
            await run_admin(PG_ADMIN_URL, f'CREATE DATABASE "{template}"')
            self.postgres = template
            await _migrated(postgres_url(template))
        name = f"erplink_{uuid.uuid4().hex[:12]}"
        copy = f'CREATE DATABASE "{name}" TEMPLATE "{self.postgres}"'
        await run_admin(PG_ADMIN_URL, copy)
        return name, postgres_url(name)


async def _drop_postgres_database(name: str) -> None:
    await run_admin(PG_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_templates(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[MigratedTemplates]:
    templates = MigratedTemplates(tmp_path_factory.mktemp("templates"))
    yield templates
    if templates.postgres is not None:
        asyncio.run(_drop_postgres_database(templates.postgres))


@pytest.fixture(autouse=True)
def _every_log_level() -> None:
    """Each test starts with INFO events logged: the CLI's one-shot commands set
    WARNING for the terminal, which must not hide events from the next test."""
    configure_logging(json=True, level=logging.INFO)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    migrated_templates: MigratedTemplates,
) -> AsyncIterator[str]:
    """A migrated, empty database of each kind, for this test alone."""
    if request.param == "sqlite":
        yield await migrated_templates.sqlite_copy(tmp_path / "erplink.db")
        return

    require_service("PostgreSQL", PG_HOST, PG_PORT)
    name, url = await migrated_templates.postgres_copy()
    try:
        yield url
    finally:
        await _drop_postgres_database(name)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test's own database."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    """Sessions on the test's own database."""
    return sessionmaker(engine)


@pytest.fixture
async def demo(database_url: str, tmp_path: Path) -> AsyncIterator[Demo]:
    """erplink installed in a sandbox Saleor, both on loopback, nobody registered."""
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, worker_poll_s=0.05
    )
    running = await start_demo(settings, port=0, sandbox_port=0)
    yield running
    await running.stop()
