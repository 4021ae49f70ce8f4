"""The one-trip aiosqlite cursor (ispbot.storage.sqlite_driver) behaves as SQLAlchemy's own."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite.core
import pytest
from sqlalchemy import exc, text

from ispbot.storage import sqlite_driver
from ispbot.storage.database import Database
from ispbot.storage.sqlite_driver import OneTripConnection


async def test_statements_results_and_errors(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    try:
        async with db.transaction() as session:
            raw = await (await session.connection()).get_raw_connection()
            assert isinstance(raw.dbapi_connection, OneTripConnection)
            await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
            inserted = await session.execute(text("INSERT INTO t (name) VALUES ('a') RETURNING id"))
            assert inserted.scalar_one() == 1
            await session.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}])
            updated = await session.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
            assert updated.rowcount == 2
            rows = await session.execute(text("SELECT id, name FROM t ORDER BY id"))
            assert rows.all() == [(1, "a"), (2, "b!"), (3, "c!")]
            empty = await session.execute(text("SELECT id FROM t WHERE id > 10"))
            assert empty.first() is None
        with pytest.raises(exc.IntegrityError):
            async with db.transaction() as session:
                await session.execute(text("INSERT INTO t (name) VALUES ('x')"))
                await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
        async with db.transaction() as session:  # the failed transaction was rolled back
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 3
    finally:
        await db.dispose()


async def test_one_thread_trip_per_statement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    trips = 0
    run = aiosqlite.core.Connection._execute

    async def counted(self: aiosqlite.core.Connection, fn: object, *args: object, **kwargs: object) -> object:
        nonlocal trips
        trips += 1
        return await run(self, fn, *args, **kwargs)

    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
        async with db.transaction() as session:
            await session.execute(text("INSERT INTO t (id) VALUES (1)"))
            await session.execute(text("SELECT id FROM t"))
        # BEGIN IMMEDIATE, INSERT, SELECT, COMMIT (SQLAlchemy's own cursor: 3-4 trips each)
        assert trips == 4
    finally:
        await db.dispose()


async def test_on_loop_transactions_make_no_thread_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    trips: list[str] = []
    run = aiosqlite.core.Connection._execute

    async def counted(self: aiosqlite.core.Connection, fn: object, *args: object, **kwargs: object) -> object:
        trips.append(str(args[1]) if len(args) > 1 else getattr(fn, "__name__", "?"))
        return await run(self, fn, *args, **kwargs)

    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
        monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
        async with db.transaction(on_loop=True) as session:
            await session.execute(text("INSERT INTO t (id, name) VALUES (1, 'a')"))
            await session.execute(text("INSERT INTO t (id, name) VALUES (:i, :n)"), [{"i": 2, "n": "b"}, {"i": 3, "n": "c"}])
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 3
        assert trips == []  # BEGIN (the write lock was free) and COMMIT too ran on the loop
        with pytest.raises(exc.IntegrityError):  # errors and rollback as on the thread
            async with db.transaction(on_loop=True) as session:
                await session.execute(text("INSERT INTO t (id, name) VALUES (4, 'd')"))
                await session.execute(text("INSERT INTO t (id, name) VALUES (5, 'a')"))
        trips.clear()
        async with db.transaction() as session:  # not marked: every statement on the thread
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 3
        assert trips == ["BEGIN IMMEDIATE", "SELECT count(*) FROM t", "commit"]
    finally:
        await db.dispose()


async def test_waiting_for_another_processes_writer_never_blocks_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None)  # stands for a second process
    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t (id) VALUES (1)")

        async def write() -> int:
            async with db.transaction(on_loop=True) as session:
                await session.execute(text("INSERT INTO t (id) VALUES (2)"))
                return int((await session.execute(text("SELECT count(*) FROM t"))).scalar_one())

        writing = asyncio.create_task(write())
        ticks = 0
        while ticks < 200:  # the loop keeps running other tasks while BEGIN waits
            await asyncio.sleep(0)
            ticks += 1
        assert not writing.done()
        other.execute("COMMIT")
        assert await writing == 2
    finally:
        other.close()
        await db.dispose()


async def test_the_wal_is_checkpointed_on_the_thread_and_stays_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's auto-checkpoint is off (it would run inside a COMMIT on the loop): the
    driver checkpoints every CHECKPOINT_EVERY commits, on the thread, so the WAL file does
    not grow with the number of transactions."""
    path = tmp_path / "d.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    checkpoints = 0
    run = aiosqlite.core.Connection._execute

    async def counted(self: aiosqlite.core.Connection, fn: object, *args: object, **kwargs: object) -> object:
        nonlocal checkpoints
        checkpoints += fn is sqlite_driver._checkpoint
        return await run(self, fn, *args, **kwargs)

    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)"))
            raw = await (await session.connection()).get_raw_connection()
            assert raw.dbapi_connection._connection._conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
        for _ in range(4 * sqlite_driver.CHECKPOINT_EVERY):
            async with db.transaction(on_loop=True) as session:
                await session.execute(text("INSERT INTO t (body) VALUES (:b)"), {"b": "x" * 3000})
        assert checkpoints == 4
        frames = path.with_name(path.name + "-wal").stat().st_size // (4096 + 24)
        # Each commit appends 3 frames (leaf, interior and root page). Without checkpoints
        # the WAL would hold all 800 commits' 2,400; it restarts after each checkpoint.
        assert frames <= 3 * sqlite_driver.CHECKPOINT_EVERY + 10
        async with db.transaction() as session:
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar_one() == 800
    finally:
        await db.dispose()
