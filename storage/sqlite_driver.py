"""SQLAlchemy's aiosqlite adapter, with one trip to the connection's thread per statement.

aiosqlite runs each sqlite3 call on the connection's own thread and hands the result back
to the event loop, and SQLAlchemy's adapter makes one such call per DB-API step: open a
cursor, execute, fetch the rows, close the cursor — four thread round trips (each a queue
put, a thread wake-up, a self-pipe write and an event loop turn) for a statement that
SQLite itself runs in microseconds. Here the cursor does the four steps in ONE function
run on that thread and keeps the result (description, rows, rowcount, lastrowid).

The pool's rollback of a connection given back after a commit (no transaction open, so
sqlite3 would do nothing) is skipped as well.

Inside a transaction marked `on_loop` (the message path's: index lookups and single-row
writes, each microseconds in SQLite) the statements run on the event loop's own thread,
with no trip at all. BEGIN IMMEDIATE runs here too when the write lock is free (tried with
no busy wait); when another process holds it, the BEGIN goes to the connection's thread to
wait, so the loop never blocks on it. Once it holds the write lock nothing inside the
transaction waits, and COMMIT only appends to the WAL (no fsync with synchronous=NORMAL):
it runs here too, because the WAL is never checkpointed inside a COMMIT. SQLite's own
auto-checkpoint is off on these connections (it copies pages to the database file and
syncs, in whichever commit crosses 1,000 pages); instead every CHECKPOINT_EVERY commits of
the process, a PASSIVE checkpoint runs on the connection's thread. A long read (the
admin's pages, exports, jobs) is never marked, so it never stalls the loop either.

Nothing else changes: same sqlite3 connection (used by one thread at a time: every call,
here or on its thread, happens under the adapter's mutex and is awaited), same
transactions, same errors. Server-side (streaming) cursors keep SQLAlchemy's own class. It uses aiosqlite's `Connection._execute`
(run a function on the connection's thread) and `_conn` (the sqlite3 connection), as
SQLAlchemy's own adapter does for the isolation level; aiosqlite is pinned in
requirements.lock and the whole test suite runs through this class.
"""

from __future__ import annotations

import collections
import logging
import sqlite3
from contextvars import ContextVar
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

log = logging.getLogger(__name__)

_Result = tuple[Any, list[Any] | None, int, int | None]

BEGIN = "BEGIN IMMEDIATE"  # every transaction's first statement (storage.database)
BUSY_TIMEOUT_MS = 10_000  # how long a BEGIN waits for another process's writer
# A message's transaction writes a few pages, so about as often as SQLite's default
# auto-checkpoint (1,000 pages) would run.
CHECKPOINT_EVERY = 200

# Set by `Database.transaction(on_loop=True)` for the task running that transaction.
ON_LOOP: ContextVar[bool] = ContextVar("sqlite_statements_on_loop", default=False)


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Result:
    """On the connection's thread: the whole life of one cursor."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _on_loop(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Result | None:
    """A statement of an `on_loop` transaction, run here; None when it must go to the
    connection's thread instead: a BEGIN that would have to wait for another process's
    writer (tried once without waiting), or anything outside the transaction."""
    if conn.in_transaction:
        return _run(conn, operation, parameters, many)
    if operation != BEGIN:
        return None
    conn.execute("PRAGMA busy_timeout=0")
    try:
        return _run(conn, operation, None, False)
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
            raise
        return None  # the thread waits for the lock, up to the busy timeout
    finally:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        # No aiosqlite cursor (opening one is itself a thread round trip).
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1  # sqlite3's default

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        pass  # nothing is open: the rows are already here

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._trip(operation, seq_of_parameters, many=True)

    async def _trip(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection = self._connection
        async with self._adapt_connection._execute_mutex:
            raw = connection._conn
            result = _on_loop(raw, operation, parameters, many) if ON_LOOP.get() else None
            if result is None:
                result = await connection._execute(_run, raw, operation, parameters, many)
        self._description, rows, self._rowcount, self._lastrowid = result
        if rows is not None:
            self._rows = collections.deque(rows)


def _checkpoint(conn: sqlite3.Connection) -> None:
    """On the connection's thread: copy what the WAL holds into the database file, without
    waiting for readers or writers (it stops where one is); the WAL restarts from its
    beginning once all of it is copied."""
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor

    def commit(self) -> None:
        raw = self._connection._conn
        if ON_LOOP.get() and raw is not None and raw.in_transaction:
            try:
                raw.commit()  # WAL frames into the page cache: no checkpoint, no fsync
            except Exception as error:
                self._handle_exception(error)
        else:
            super().commit()
        self.dbapi.commits += 1
        if self.dbapi.commits % CHECKPOINT_EVERY == 0:
            try:
                await_(self._connection._execute(_checkpoint, self._connection._conn))
            except Exception:
                # The commit is done: a failed checkpoint must not report it failed (the
                # caller would redo the message). The WAL waits for the next checkpoint.
                log.warning("SQLite: WAL checkpoint failed; retried after more commits", exc_info=True)

    def rollback(self) -> None:
        # The pool rolls back every connection it is given back, also after a commit; with
        # no transaction open sqlite3's rollback does nothing, so skip the thread trip. (The
        # pool holds the connection then: no statement of ours can be running on it.)
        raw = self._connection._connection
        if raw is not None and not raw.in_transaction:
            return
        super().rollback()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    commits = 0  # of this engine's connections, for the checkpoint

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        kw["check_same_thread"] = False  # on_loop statements run on the loop's thread
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI:
    """For `create_async_engine(url, module=dbapi())` with a `sqlite+aiosqlite` URL."""
    return OneTripDBAPI(aiosqlite, sqlite3)
