"""Per-day numbers (`REG-YYYYMMDD-NNNN`, `TKT-…`, `CUST-…`), unique under concurrency: the
counter row is incremented with INSERT … ON CONFLICT DO UPDATE … RETURNING.

On SQLite that runs in the caller's transaction (its writers take turns anyway), so the
numbers have no gaps. On PostgreSQL it runs on its own and is committed at once, on a
connection kept for counters (`Database.counters`): inside the caller's transaction the
counter row stayed locked until that commit, and a burst of registrations (sixty at once
after a broadcast) queued one behind the other, the last half a second late. The price
there: a registration whose transaction then fails leaves its number unused, a gap.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from ispbot.storage.models import Sequence
from ispbot.storage.upsert import insert_for

COUNTERS = "counters"  # session.info: the engine numbers are taken on, outside the transaction


async def next_value(session: AsyncSession, name: str) -> int:
    stmt = _increment(session, name)
    counters: AsyncEngine | None = session.info.get(COUNTERS)
    if counters is None:
        return int((await session.execute(stmt)).scalar_one())
    async with counters.connect() as connection:  # autocommit: one statement, one round trip
        return int((await connection.execute(stmt)).scalar_one())


def _increment(session: AsyncSession, name: str) -> Any:
    stmt = insert_for(session, Sequence).values(name=name, value=1)
    return stmt.on_conflict_do_update(
        index_elements=[Sequence.name], set_={"value": Sequence.value + 1}
    ).returning(Sequence.value)
