"""`Database.reads` and `read_each`: the admin's reads never hold up a message's writes on
SQLite, and a page's independent reads run at once (each in a session of its own, at most
READ_PARALLELISM)."""

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


async def test_on_sqlite_a_long_read_does_not_hold_up_a_write(sqlite_url: str) -> None:
    """An export's read transaction is open (it has read rows and goes on reading) while a
    message's turn commits: the turn neither waits for it nor is seen by it until the
    reader's next transaction (before, the write waited for the whole read)."""
    db = Database(sqlite_url)
    try:
        async with db.transaction() as s:
            await s.execute(text("CREATE TABLE notes (n INTEGER)"))
            await s.execute(text("INSERT INTO notes VALUES (1)"))
        async with db.reads() as reader:
            assert await _scalar(reader, "SELECT count(*) FROM notes") == 1
            async with asyncio.timeout(5):  # it would wait for the reader's end: forever here
                async with db.transaction(on_loop=True) as writer:
                    await writer.execute(text("INSERT INTO notes VALUES (2)"))
            assert await _scalar(reader, "SELECT count(*) FROM notes") == 1  # its snapshot
        async with db.reads() as reader:
            assert await _scalar(reader, "SELECT count(*) FROM notes") == 2
        async with db.transaction() as writer:  # and a reader does not wait for a writer
            await writer.execute(text("INSERT INTO notes VALUES (3)"))
            async with asyncio.timeout(5), db.reads() as reader:
                assert await _scalar(reader, "SELECT count(*) FROM notes") == 2
    finally:
        await db.dispose()


async def _scalar(session: AsyncSession, sql: str) -> int:
    return int((await session.execute(text(sql))).scalar_one())
