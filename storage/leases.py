"""A lease row elects the one process that runs scheduled jobs; when it dies its lease runs
out and another process takes over."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import SchedulerLease
from ispbot.storage.upsert import insert_for


async def hold(session: AsyncSession, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease; True when `holder` has it."""
    await session.execute(
        insert_for(session, SchedulerLease)
        .values(name=name, holder=holder, expires_at=now + ttl)
        .on_conflict_do_nothing()
    )
    await session.execute(
        update(SchedulerLease)
        .where(
            SchedulerLease.name == name,
            or_(SchedulerLease.holder == holder, SchedulerLease.expires_at < now),
        )
        .values(holder=holder, expires_at=now + ttl)
    )
    current = (await session.execute(select(SchedulerLease.holder).where(SchedulerLease.name == name))).scalar_one()
    return bool(current == holder)
