"""Runs the scheduled jobs (APScheduler) in the one process that holds the scheduler lease;
the others keep trying to take it over, so a dead runner is replaced within a minute."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from ispbot.job_runs import run_recorded
from ispbot.jobs import JOBS, Job
from ispbot.services import Services
from ispbot.storage import leases

log = logging.getLogger(__name__)

LEASE_TTL = timedelta(seconds=90)


class JobRunner:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.scheduler = AsyncIOScheduler(timezone=services.settings.timezone)

    def start(self) -> None:
        for job in JOBS.values():
            self.scheduler.add_job(
                self._run, "interval", seconds=job.every.total_seconds(), args=[job], id=job.name,
                max_instances=1, coalesce=True,
            )
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def is_leader(self) -> bool:
        async with self.services.db.transaction() as session:
            return await leases.hold(session, "scheduler", self.holder, self.services.clock.now(), LEASE_TTL)

    async def _run(self, job: Job) -> None:
        try:
            if await self.is_leader():
                touched = await run_recorded(self.services, job)
                if touched:
                    log.info("job %s: %s item(s)", job.name, touched)
        except Exception:
            log.exception("job %s failed; it runs again at its next interval", job.name)
