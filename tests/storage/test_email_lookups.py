"""The duplicate check of a registration and "status by email" find their rows through
an index on lower(email), on SQLite and on PostgreSQL: with 100,000 registrations the
duplicate check read every open one (50 ms on SQLite) inside the turn submitting a
registration, where SQLite's one writer held up every other customer meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text

from ispbot.storage import registrations
from ispbot.storage.database import Database
from ispbot.storage.demo import seed_packages
from ispbot.storage.demo_registrations import seed_registrations


async def plan(db: Database, statement: object) -> str:
    async with db.transaction() as s:
        postgres = s.bind.dialect.name == "postgresql"
        if postgres:  # the customers table is empty here: ask whether it *can* use an index
            await s.execute(text("SET LOCAL enable_seqscan = off"))
        compiled = statement.compile(dialect=s.bind.dialect, compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
        rows = await s.execute(text(f"{'EXPLAIN' if postgres else 'EXPLAIN QUERY PLAN'} {compiled}"))
        return "\n".join(str(row[-1]) for row in rows)


async def test_the_duplicate_check_finds_registrations_and_customers_by_index(db_url: str) -> None:
    db = Database(db_url)
    async with db.transaction() as s:  # half of them open, as in an ISP's first year
        await seed_packages(s)
        await seed_registrations(s, 4_000, datetime(2026, 12, 2, tzinfo=UTC), ZoneInfo("Asia/Jakarta"))
    async with db.transaction() as s:
        await s.execute(text("ANALYZE"))
    try:
        open_ones = await plan(db, registrations.open_registrations_with("Budi@Gmail.com", "6281200000101"))
        customers = await plan(db, registrations.active_customers_with("Budi@Gmail.com", "6281200000101"))
        by_email = await plan(db, registrations.with_email("Budi@Gmail.com"))
    finally:
        await db.dispose()
    assert "ix_registrations_email_lower" in open_ones and "ix_registrations_phone" in open_ones
    assert "ix_customers_email_lower" in customers and "ix_customers_phone" in customers
    assert "ix_registrations_email_lower" in by_email
