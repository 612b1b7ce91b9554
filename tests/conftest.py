"""Shared fixtures: databases (SQLite always, PostgreSQL where it answers).

PostgreSQL runs on 127.0.0.1:5432 on the CI machine (trust auth, database `test`).
Each test gets its own schema-free database state: a fresh SQLite file, or a fresh
PostgreSQL database created for the test and dropped after it. Where PostgreSQL does
not answer the PostgreSQL variants skip, unless CI is set, when they fail.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
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


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or, under CI, fail) when a database server does not answer."""
    if _answers(host, port):
        return
    message = f"{name} does not answer on {host}:{port}"
    if os.environ.get("CI"):
        pytest.fail(f"{message}, and CI needs it")
    pytest.skip(message)


async def _postgres_database() -> tuple[str, str]:
    name = f"erplink_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return name, f"postgresql+asyncpg://postgres@{PG_HOST}:{PG_PORT}/{name}"


async def _drop_postgres_database(name: str) -> None:
    admin = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


@pytest.fixture(autouse=True)
def _every_log_level() -> None:
    """Each test starts with INFO events logged: the CLI's one-shot commands set
    WARNING for the terminal, which must not hide events from the next test."""
    configure_logging(json=True, level=logging.INFO)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """A migrated, empty database of each kind, for this test alone."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'erplink.db'}"
        engine = create_engine(url)
        await migrate(engine)
        await engine.dispose()
        yield url
        return

    require_service("PostgreSQL", PG_HOST, PG_PORT)
    name, url = await _postgres_database()
    engine = create_engine(url)
    await migrate(engine)
    await engine.dispose()
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
