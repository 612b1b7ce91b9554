"""Resync of every linked customer, as a job with recorded progress.

The admin API starts it in the background and answers with the job; the CLI runs
it in the foreground with a progress bar. One customer failing (Saleor or the ERP
down for them) is counted and the job goes on; the job fails only when the whole
run cannot go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog

from connector.errors import ErplinkError
from connector.reviewer import Reviewer
from connector.services import Services
from connector.store.jobs import Job, JobStatus
from connector.store.links import Actor

log = structlog.get_logger(__name__)

RESYNC_ALL = "resync_all"
_RUNNING: set[asyncio.Task[Job]] = set()


async def start_resync_all(services: Services, reviewer: Reviewer) -> Job:
    """Create the job and run it in the background of this process."""
    job = await create_resync_all(services, reviewer)
    task = asyncio.create_task(run_resync_all(services, reviewer, job))
    _RUNNING.add(task)  # keep a reference: the loop only holds weak ones
    task.add_done_callback(_RUNNING.discard)
    return job


async def create_resync_all(services: Services, reviewer: Reviewer) -> Job:
    """The job, sized to the linked customers there are now."""
    ids = await services.review.reviews.linked_ids()
    actor = Actor(reviewer.role.value, reviewer.name)
    return await services.jobs.create(RESYNC_ALL, len(ids), actor)


async def run_resync_all(
    services: Services,
    reviewer: Reviewer,
    job: Job,
    on_progress: Callable[[int], None] | None = None,
) -> Job:
    """Resync each customer linked when the job was created; the finished job."""
    done = failed = 0
    try:
        for link_id in (await services.review.reviews.linked_ids())[: job.total]:
            failed += not await _resync_one(services, reviewer, link_id)
            done += 1
            await services.jobs.progress(job.id, done=done, failed=failed)
            if on_progress is not None:
                on_progress(1)
        await services.jobs.finish(job.id, JobStatus.DONE)
    except Exception as exc:  # the job must end recorded, whatever stopped it
        log.error("job.failed", job=job.id, error=type(exc).__name__)
        await services.jobs.finish(job.id, JobStatus.FAILED, type(exc).__name__)
    finished = await services.jobs.get(job.id)
    return finished or job


async def _resync_one(services: Services, reviewer: Reviewer, link_id: int) -> bool:
    try:
        await services.review.resync(link_id, reviewer)
    except ErplinkError as exc:
        log.warning("job.item_failed", link=link_id, error=exc.code)
        return False
    return True
