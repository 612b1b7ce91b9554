"""Background jobs (a resync of every linked customer) and their progress."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from connector.store.clock import as_utc, now
from connector.store.links import Actor
from connector.store.tables import JobRow


class JobStatus(enum.StrEnum):
    """Where a job stands."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Job:
    """One job as stored: how many items it has, how many are done or failed."""

    id: int
    kind: str
    status: JobStatus
    total: int
    done: int
    failed: int
    actor: Actor
    error: str
    created_at: datetime
    finished_at: datetime | None


class JobStore:
    """Creates jobs and records their progress."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def create(self, kind: str, total: int, actor: Actor) -> Job:
        """A running job of `total` items."""
        row = JobRow(
            kind=kind,
            status=JobStatus.RUNNING.value,
            total=total,
            actor=actor.kind,
            actor_name=actor.name,
            created_at=now(),
            finished_at=None,
        )
        async with self._sessions.begin() as session:
            session.add(row)
        return _job(row)

    async def get(self, job_id: int) -> Job | None:
        """The job with this id, or None."""
        async with self._sessions() as session:
            row = await session.get(JobRow, job_id)
        return _job(row) if row else None

    async def progress(self, job_id: int, *, done: int, failed: int) -> None:
        """Record how many items are done and failed so far."""
        await self._set(job_id, done=done, failed=failed)

    async def finish(self, job_id: int, status: JobStatus, error: str = "") -> None:
        """Mark the job finished."""
        await self._set(job_id, status=status.value, error=error, finished_at=now())

    async def _set(self, job_id: int, **values: Any) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(JobRow).where(JobRow.id == job_id).values(**values)
            )


def _job(row: JobRow) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        status=JobStatus(row.status),
        total=row.total,
        done=row.done or 0,
        failed=row.failed or 0,
        actor=Actor(row.actor, row.actor_name),
        error=row.error or "",
        created_at=as_utc(row.created_at),
        finished_at=as_utc(row.finished_at) if row.finished_at else None,
    )
