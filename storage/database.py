"""Engine and sessions. SQLite gets WAL, foreign keys and a busy timeout on every
connection; PostgreSQL runs through asyncpg. Nothing is created at import time.

SQLite lets one writer in at a time and every transaction here begins IMMEDIATE, so two
sessions of one process would only meet in SQLite's busy handler, which sleeps (up to
100 ms a try). Instead the sessions of one process take turns on an asyncio lock (a task
already holding it passes through); other processes still meet at the file lock. Sessions
that only read (`reads()`: the admin's lists, exports and analytics) begin DEFERRED on
connections of their own and take no turn: WAL lets them run beside the writer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from ispbot.storage import sequences, sqlite_driver


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin below, not by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={sqlite_driver.BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    if isinstance(dbapi_connection, sqlite_driver.OneTripConnection):
        cursor.execute("PRAGMA wal_autocheckpoint=0")  # it checkpoints on the thread instead
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock at the start, so a transaction that reads and then
    # writes waits for another writer instead of failing with "database is locked".
    connection.exec_driver_sql(sqlite_driver.BEGIN)


def _sqlite_begin_reading(connection: Any) -> None:
    # DEFERRED: a reader takes no write lock, so in WAL mode it neither waits for the
    # writer nor holds it up (`Database.reads`).
    connection.exec_driver_sql("BEGIN")


def create_engine(url: str, *, reading: bool = False, **kwargs: Any) -> AsyncEngine:
    """`reading` (SQLite): connections for read-only sessions, begun DEFERRED."""
    if url.startswith("sqlite"):
        if url.startswith("sqlite+aiosqlite"):
            kwargs.setdefault("module", sqlite_driver.dbapi())  # one thread trip per statement
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_reading if reading else _sqlite_begin)
        return engine
    # A fixed pool: a session past it waits for a connection rather than opening one for
    # a single transaction, whose connect (and statement preparing) cost more than the
    # wait (an overflow connection is closed at check-in). 20 per process stays far under
    # PostgreSQL's default max_connections (100) with a few processes.
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 0)
    # No ping at each checkout: asyncpg's costs three round trips (BEGIN, ";", ROLLBACK),
    # on every transaction. A connection the server has closed (a restart) fails its first
    # statement instead, and SQLAlchemy then renews the whole pool: the webhook answers
    # 503 once (the gateway retries), a turn or a send is retried. Tested in
    # tests/bot/test_database_restart.py.
    kwargs.setdefault("pool_pre_ping", False)
    return create_async_engine(url, **kwargs)


class _TakingTurns:
    """`async with sessions() as session`, where the sessions of one process take turns
    (SQLite). Re-entrant within a task, so a session opened inside another one works."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory
        self._lock = asyncio.Lock()
        self._holding: ContextVar[bool] = ContextVar(f"holding_{id(self)}", default=False)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        if self._holding.get():
            async with self._factory() as session:
                yield session
            return
        async with self._lock:
            token = self._holding.set(True)
            try:
                async with self._factory() as session:
                    yield session
            finally:
                self._holding.reset(token)


READ_PARALLELISM = 4  # sessions one `read_each` holds at once (of PostgreSQL's pool of 20)


class Database:
    """The engine and a session factory; `transaction()` is the unit of work."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        # PostgreSQL: per-day numbers are taken on their own, committed at once (see
        # storage.sequences), on a pool of their own so that they never wait for one of
        # the sessions' connections, all of which may be held by sessions wanting one.
        self.counters: AsyncEngine | None = None
        info: dict[str, Any] = {}
        if not url.startswith("sqlite"):
            self.counters = create_engine(url, pool_size=2, isolation_level="AUTOCOMMIT")
            info[sequences.COUNTERS] = self.counters
        factory = async_sessionmaker(self.engine, expire_on_commit=False, info=info)
        self.sessions: Any = _TakingTurns(factory) if url.startswith("sqlite") else factory
        # SQLite: readers on connections of their own, outside the turns (see `reads`).
        self._reader: AsyncEngine | None = None
        self._read_sessions: Any = self.sessions  # in memory: one database, so the writers' turns
        if url.startswith("sqlite") and make_url(url).database not in (None, "", ":memory:"):  # a file
            self._reader = create_engine(url, reading=True, **engine_kwargs)
            self._read_sessions = async_sessionmaker(self._reader, expire_on_commit=False, info=info)
        self._parallel_reads = asyncio.Semaphore(READ_PARALLELISM)
        self._autocommit_sessions = None if url.startswith("sqlite") else async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False, info=info)

    @asynccontextmanager
    async def reads(self) -> AsyncIterator[AsyncSession]:
        """A session that only reads (an admin list, an export, the analytics). On SQLite it
        runs on a connection of its own, begun DEFERRED, and does not take turns with the
        writers: in WAL mode a reader sees the last commit and neither waits for the writer
        nor holds it up, so a CS agent's export of 100,000 registrations no longer stops
        every chat of the process until it is done. On PostgreSQL, a session."""
        async with self._read_sessions() as session:
            yield session

    async def read_each(self, *reads: Callable[[AsyncSession], Awaitable[Any]]) -> list[Any]:
        """Independent reads (each a function of a session), their results in order, each
        in a `reads()` session of its own, up to READ_PARALLELISM at once: a page of
        aggregates waits for its slowest query rather than for their sum (PostgreSQL's
        server, or SQLite on its connections' threads, works on several), and never takes
        more of the pool than that from the messages."""

        async def alone(read: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
            async with self._parallel_reads, self.reads() as session:
                return await read(session)

        return list(await asyncio.gather(*(alone(read) for read in reads)))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @asynccontextmanager
    async def transaction(self, *, on_loop: bool = False) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error.

        `on_loop` (SQLite; nothing on PostgreSQL): the statements between BEGIN and COMMIT
        run on the event loop's thread instead of a round trip each to the connection's
        thread. Only for short transactions of indexed reads and small writes, such as a
        message's; see `sqlite_driver`."""
        token = sqlite_driver.ON_LOOP.set(on_loop)
        try:
            async with self.sessions() as session, session.begin():
                yield session
        finally:
            sqlite_driver.ON_LOOP.reset(token)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncSession]:
        """A session for writes each of which is whole by itself (an insert a retry
        repeats harmlessly, a mark): on PostgreSQL every statement commits on its own,
        which saves BEGIN and COMMIT, two round trips of the three a single write took.
        On SQLite it is `transaction(on_loop=True)`, where BEGIN and COMMIT cost no trip."""
        if self._autocommit_sessions is None:
            async with self.transaction(on_loop=True) as session:
                yield session
            return
        async with self._autocommit_sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._reader is not None:
            await self._reader.dispose()
        if self.counters is not None:
            await self.counters.dispose()
