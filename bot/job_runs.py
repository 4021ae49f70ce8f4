"""Each job run is recorded (`job_runs`: started, finished, items, error), so that
`ispbot jobs` can say when each job last ran and when it runs next, whichever process ran it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ispbot.jobs import JOBS, Job
from ispbot.services import Services
from ispbot.storage.models import JobRun
from ispbot.storage.upsert import insert_for


@dataclass(frozen=True)
class JobStatus:
    job: Job
    last: JobRun | None
    next_run: datetime | None  # None: at the scheduler's start


async def run_recorded(services: Services, job: Job) -> int:
    """Run `job` now, recording the run; exceptions are recorded and raised again."""
    started = services.clock.now()
    await _save(services, job.name, started_at=started, finished_at=None, items=0, error=None)
    try:
        items = await job.run(services)
    except Exception as exc:
        await _save(services, job.name, started_at=started, finished_at=services.clock.now(), items=0,
                    error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    await _save(services, job.name, started_at=started, finished_at=services.clock.now(), items=items, error=None)
    return items


async def _save(services: Services, name: str, **values: object) -> None:
    async with services.db.transaction() as session:
        stmt = insert_for(session, JobRun).values(name=name, **values)
        await session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))


async def statuses(services: Services) -> list[JobStatus]:
    async with services.db.sessions() as session:
        runs = {run.name: run for run in (await session.execute(select(JobRun))).scalars()}
    result = []
    for job in JOBS.values():
        last = runs.get(job.name)
        if job.next_due is not None:
            next_run: datetime | None = await job.next_due(services)
        else:
            next_run = last.started_at + job.every if last else None
        result.append(JobStatus(job, last, next_run))
    return result
