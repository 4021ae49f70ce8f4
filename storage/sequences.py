"""Gap-free per-day numbers (`REG-YYYYMMDD-NNNN`), unique under concurrency: the counter
row is incremented with INSERT … ON CONFLICT DO UPDATE … RETURNING in the caller's
transaction, so two registrations on one day never get the same number."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import Sequence
from ispbot.storage.upsert import insert_for


async def next_value(session: AsyncSession, name: str) -> int:
    stmt = insert_for(session, Sequence).values(name=name, value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Sequence.name], set_={"value": Sequence.value + 1}
    ).returning(Sequence.value)
    return int((await session.execute(stmt)).scalar_one())
