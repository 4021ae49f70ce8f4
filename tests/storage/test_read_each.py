"""`Database.read_each`: a page's independent reads, at once on PostgreSQL (each in a
session of its own, at most READ_PARALLELISM), one after another on SQLite."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.database import READ_PARALLELISM, Database


async def test_results_come_back_in_the_order_asked(db_url: str) -> None:
    db = Database(db_url)
    try:
        reads = [lambda s, n=n: _scalar(s, f"SELECT {n}") for n in range(7)]
        assert await db.read_each(*reads) == list(range(7))
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_on_postgresql_the_reads_run_at_once_but_never_more_than_the_cap(postgres_url: str) -> None:
    db = Database(postgres_url)
    running, most = 0, 0
    backends: set[int] = set()

    async def read(session: AsyncSession) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        backends.add(await _scalar(session, "SELECT pg_backend_pid()"))
        await session.execute(text("SELECT pg_sleep(0.05)"))
        running -= 1
        return 1

    try:
        assert await db.read_each(*[read] * (READ_PARALLELISM + 3)) == [1] * (READ_PARALLELISM + 3)
    finally:
        await db.dispose()
    assert most == READ_PARALLELISM  # at once (in sequence it would be 1), capped
    assert len(backends) >= READ_PARALLELISM  # each in a session (connection) of its own


async def test_on_sqlite_they_run_one_after_another(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    running, most = 0, 0

    async def read(session: AsyncSession) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)
        value = await _scalar(session, "SELECT 1")
        running -= 1
        return value

    try:
        assert await db.read_each(read, read, read) == [1, 1, 1]
    finally:
        await db.dispose()
    assert most == 1


async def _scalar(session: AsyncSession, sql: str) -> int:
    return int((await session.execute(text(sql))).scalar_one())
