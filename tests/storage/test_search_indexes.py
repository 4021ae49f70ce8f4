"""On PostgreSQL the admin's substring search (registrations and customers by name or
email) can be answered from pg_trgm indexes, not by reading every row."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from ispbot.storage import registration_queries
from ispbot.storage.database import Database
from ispbot.storage.models import Registration

pytestmark = pytest.mark.postgres


async def plan(db: Database, statement: object) -> str:
    async with db.transaction() as s:
        await s.execute(text("SET LOCAL enable_seqscan = off"))  # tiny tables: ask whether it *can* use one
        compiled = statement.compile(dialect=s.bind.dialect, compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
        rows = await s.execute(text(f"EXPLAIN {compiled}"))
        return "\n".join(row[0] for row in rows)


async def test_the_registration_search_by_name_or_email_uses_the_trigram_indexes(postgres_url: str) -> None:
    db = Database(postgres_url)
    try:
        condition = registration_queries.search_condition("santoso")
        assert condition is not None
        got = await plan(db, select(func.count()).select_from(Registration).where(condition))
    finally:
        await db.dispose()
    assert "ix_registrations_name_trgm" in got and "ix_registrations_email_trgm" in got


async def test_the_customer_search_by_name_or_email_uses_the_trigram_indexes(postgres_url: str) -> None:
    from ispbot.storage import billing_queries
    from ispbot.storage.models import Customer

    db = Database(postgres_url)
    try:
        condition = billing_queries.customer_condition("santoso")
        assert condition is not None
        got = await plan(db, select(func.count()).select_from(Customer).where(condition))
    finally:
        await db.dispose()
    assert "ix_customers_name_trgm" in got and "ix_customers_email_trgm" in got
