"""The scheduler lease: one holder at a time, renewed while it lives, taken over by another
process once the holder stops renewing (it died). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from ispbot.clock import FakeClock
from ispbot.storage import leases
from ispbot.storage.database import Database

TTL = timedelta(seconds=90)


async def test_one_holder_renews_and_another_takes_over_when_it_stops(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)

    async def hold(holder: str, after: timedelta) -> bool:
        async with db.transaction() as session:
            return await leases.hold(session, "scheduler", holder, clock.now() + after, TTL)

    try:
        assert await hold("a", timedelta(0))
        assert not await hold("b", timedelta(0))
        assert await hold("a", timedelta(seconds=60))  # renewed until 150 s
        assert not await hold("b", timedelta(seconds=120))  # a renewal keeps it
        assert await hold("b", timedelta(seconds=151))  # a stopped renewing: b takes over
        assert not await hold("a", timedelta(seconds=152))  # and a, back, does not get it
    finally:
        await db.dispose()
