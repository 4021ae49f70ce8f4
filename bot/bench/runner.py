"""One benchmark run: the baseline, then the product on each database, each against the
same fake gateway and load generator. Every scenario gets its own customers (phones)."""

from __future__ import annotations

import asyncio
import itertools
import os
import secrets
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from tqdm import tqdm

from ispbot.bench import processes
from ispbot.bench.admin_pages import measure_pages
from ispbot.bench.customers import (
    CLOUDAPI_APP_SECRET,
    CLOUDAPI_NUMBER_ID,
    WEBHOOK_SECRET,
    LoadGenerator,
    Pacer,
    Tally,
)
from ispbot.bench.gateway import RecordingGateway, free_port
from ispbot.bench.results import Report, Scenario, lost_and_duplicated
from ispbot.bench.script import Customer, opening, whole_visit

PACED_RATE = 80.0  # messages/s: Meta's default per-number rate
STAFF = "bench-admin"


@dataclass(frozen=True)
class Options:
    quick: bool = False
    databases: tuple[str, ...] = ("sqlite", "postgres")
    postgres_url: str | None = None  # a server to create a throwaway database on
    customers: int = 200  # at saturation (each sends 21 messages)
    concurrency: int = 64  # customers at once at saturation
    paced_seconds: float = 30.0  # how long the 80 msg/s scenario offers load
    open_conversations: int = 10_000
    registrations: int = 100_000  # for the admin pages
    page_repeats: int = 40
    workers: int = 1
    progress: bool = True
    workdir: Path | None = None

    @classmethod
    def quick_run(cls, **overrides: object) -> Options:
        values: dict[str, object] = {
            "quick": True, "customers": 24, "concurrency": 24, "paced_seconds": 5.0,
            "open_conversations": 300, "registrations": 5_000, "page_repeats": 10,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


class Bench:
    def __init__(self, options: Options, workdir: Path) -> None:
        self.options = options
        self.workdir = workdir
        self.gateway = RecordingGateway()
        self.report = Report(quick=options.quick)
        self._numbers = itertools.count(1)
        self.bar = tqdm(total=self._planned(), unit="msg", disable=not options.progress, dynamic_ncols=True)

    def _planned(self) -> int:
        o = self.options
        per_target = o.customers * 21 + int(o.paced_seconds * PACED_RATE)
        return per_target * (1 + len(o.databases)) + 2 * o.open_conversations * len(o.databases)

    def customers(self, count: int) -> list[Customer]:
        numbers = [next(self._numbers) for _ in range(count)]
        return [Customer(n, "cloudapi" if n % 2 else "fonnte") for n in numbers]

    async def run(self) -> Report:
        await self.gateway.start()
        try:
            await self._baseline()
            for database in self.options.databases:
                await self._product(database)
        finally:
            await self.gateway.stop()
            self.bar.close()
        return self.report

    async def _baseline(self) -> None:
        port = free_port()
        process = await processes.start_baseline(self.gateway.url, port, self.workdir / "baseline.log")
        try:
            target = f"http://127.0.0.1:{port}"
            await self._scenarios(target, "baseline", "-", process.pid, check_replies=False)
        finally:
            await processes.stop(process)

    async def _scenarios(self, target: str, name: str, database: str, pid: int, *, check_replies: bool) -> None:
        o = self.options
        load = LoadGenerator(target, self.gateway, check_replies=check_replies)
        self.bar.set_description(f"{name} {database} saturation")
        customers = self.customers(o.customers)
        cpu = processes.cpu_seconds(pid)
        tally = await load.play(customers, whole_visit, concurrency=o.concurrency, on_message=self._tick)
        await self._record(name, database, "saturation", len(customers), tally, pid, cpu)
        self.bar.set_description(f"{name} {database} {PACED_RATE:.0f} msg/s")
        paced = max(1, int(o.paced_seconds * PACED_RATE / 21))
        customers = self.customers(paced)
        cpu = processes.cpu_seconds(pid)
        tally = await load.play(customers, whole_visit, concurrency=max(8, min(paced, 60)), pacer=Pacer(PACED_RATE),
                                on_message=self._tick)
        await self._record(name, database, f"{PACED_RATE:.0f} msg/s", len(customers), tally, pid, cpu)

    def _tick(self) -> None:
        self.bar.update(1)

    async def _record(
        self, name: str, database: str, load: str, customers: int, tally: Tally, pid: int, cpu_before: float | None
    ) -> None:
        await self._settle(tally)
        cpu_after = processes.cpu_seconds(pid)
        cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
        lost, duplicated = lost_and_duplicated(tally, self.gateway)
        self.report.notes.extend(f"{name} {database} {load}: {p}" for p in tally.problems)
        self.report.scenarios.append(Scenario.of(name, database, load, customers, tally, lost, duplicated, cpu))

    async def _settle(self, tally: Tally, within: float = 15.0) -> None:
        """Wait (bounded) until every acknowledged message has its reply, then a moment
        longer so that a duplicate would show."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            if all(self.gateway.count(p) >= n for p, n in tally.expected_by_phone.items()):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)

    async def _product(self, database: str) -> None:
        async with self._database(database) as url:
            if url is None:
                return
            env = self._env(url, database)
            port = free_port()
            extra = ("--workers", str(self.options.workers)) if self.options.workers > 1 else ()
            log = self.workdir / f"product-{database}.log"
            process = await processes.start_service(env, port, *extra, log=log)
            target = f"http://127.0.0.1:{port}"
            try:
                await self._scenarios(target, "product", database, process.pid, check_replies=True)
                await self._memory(target, database, process.pid)
            finally:
                await processes.stop(process)
            await self._admin(url, env, database, log)

    async def _memory(self, target: str, database: str, pid: int) -> None:
        """Resident memory before and after opening many conversations (each stops at
        the first registration question and stays open)."""
        count = self.options.open_conversations
        before = processes.memory_kib(pid)
        self.bar.set_description(f"product {database} {count} open conversations")
        load = LoadGenerator(target, self.gateway, check_replies=True)
        customers = self.customers(count)
        tally = await load.play(customers, opening, concurrency=self.options.concurrency, on_message=self._tick)
        await self._settle(tally)
        after = processes.memory_kib(pid)
        lost, duplicated = lost_and_duplicated(tally, self.gateway)
        self.report.notes.extend(f"product {database} opening: {p}" for p in tally.problems)
        if lost or duplicated:
            self.report.notes.append(f"{database}: opening conversations lost {lost}, duplicated {duplicated}")
        memory: dict[str, object] = {"open_conversations": count, "messages": tally.sent, "lost": lost,
                                     "duplicated": duplicated}
        if before and after:
            memory.update(
                rss_before_mib=round(before[0] / 1024, 1), rss_after_mib=round(after[0] / 1024, 1),
                peak_mib=round(after[1] / 1024, 1),
                kib_per_open_conversation=round(max(0, after[0] - before[0]) / count, 3),
            )
        else:
            memory.update(peak_mib=None, kib_per_open_conversation=None)
            self.report.notes.append("memory not measured: no /proc on this system")
        self.report.memory[database] = memory

    async def _admin(self, url: str, env: dict[str, str], database: str, log: Path) -> None:
        from ispbot.storage.database import Database
        from ispbot.storage.demo_registrations import seed_registrations

        count = self.options.registrations
        self.bar.set_description(f"product {database} seeding {count} registrations")
        db = Database(url)
        try:
            async with db.transaction() as session:
                await seed_registrations(session, count, datetime.now(UTC), ZoneInfo("Asia/Jakarta"))
            if db.is_postgres:
                # What autovacuum does within a minute of a bulk insert (PostgreSQL 13 and
                # later vacuum a table after inserts too): the statistics, without which the
                # planner scans a table it believes empty, and the visibility map, without
                # which an index-only scan reads every row's page as well; states no running
                # service stays in. (SQLite gathers none by itself and is measured as is.)
                async with db.engine.connect() as connection:
                    autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                    await autocommit.execute(text("VACUUM ANALYZE"))
        finally:
            await db.dispose()
        port = free_port()
        process = await processes.start_service(env, port, log=log)
        try:
            self.bar.set_description(f"product {database} admin pages")
            pages = await measure_pages(f"http://127.0.0.1:{port}", STAFF, env["BENCH_STAFF_PASSWORD"],
                                        self.options.page_repeats)
        finally:
            await processes.stop(process)
        self.report.admin[database] = {"registrations": count, "pages": pages}

    def _env(self, url: str, database: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("ISPBOT_")}
        env.update({
            "ISPBOT_DATABASE_URL": url,
            "ISPBOT_PROVIDER": "fonnte",
            "ISPBOT_FONNTE_TOKEN": "bench-token",
            "ISPBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "ISPBOT_FONNTE_BASE_URL": self.gateway.url,
            "ISPBOT_CLOUDAPI_TOKEN": "bench-token",
            "ISPBOT_CLOUDAPI_BASE_URL": f"{self.gateway.url}/v21.0",
            "ISPBOT_CLOUDAPI_APP_SECRET": CLOUDAPI_APP_SECRET,
            "ISPBOT_CLOUDAPI_PHONE_NUMBER_ID": CLOUDAPI_NUMBER_ID,
            "ISPBOT_PUBLIC_URL": "http://isp.example",
            "ISPBOT_DATA_DIR": str(self.workdir / f"data-{database}"),
            "ISPBOT_SECRET_KEY": secrets.token_urlsafe(32),
            "BENCH_STAFF_PASSWORD": self._password,
        })
        return env

    @property
    def _password(self) -> str:
        if not hasattr(self, "_staff_password"):
            self._staff_password = secrets.token_urlsafe(16)
        return self._staff_password

    @asynccontextmanager
    async def _database(self, database: str) -> AsyncIterator[str | None]:
        """A fresh, migrated database with the demo packages and a staff user: a file in
        the work folder, or a throwaway database on the PostgreSQL server (dropped after)."""
        if database == "sqlite":
            url = f"sqlite+aiosqlite:///{self.workdir / 'bench.db'}"
            await _prepare(url, self._password)
            yield url
            return
        if not self.options.postgres_url:
            self.report.notes.append(
                "PostgreSQL skipped: give --postgres-url (or ISPBOT_BENCH_POSTGRES_URL) naming a server "
                "where the bench may create and drop a throwaway database")
            yield None
            return
        async with throwaway_postgres(self.options.postgres_url) as url:
            await _prepare(url, self._password)
            yield url


async def _prepare(url: str, password: str) -> None:
    from ispbot.storage.database import Database
    from ispbot.storage.demo import seed_packages
    from ispbot.storage.migrations import upgrade
    from ispbot.storage.users import Role, create_user

    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        async with db.transaction() as session:
            await seed_packages(session)
            await create_user(session, username=STAFF, password=password, role=Role("admin"), now=datetime.now(UTC))
    finally:
        await db.dispose()


@asynccontextmanager
async def throwaway_postgres(server_url: str) -> AsyncIterator[str]:
    """CREATE DATABASE ispbot_bench_<random> on the server of `server_url`; drop it after."""
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(server_url)
    name = f"ispbot_bench_{uuid.uuid4().hex[:8]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        connection = await asyncpg.connect(admin_dsn, timeout=10)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


async def run_bench(options: Options) -> Report:
    if options.workdir is not None:
        options.workdir.mkdir(parents=True, exist_ok=True)
        return await Bench(options, options.workdir).run()
    with tempfile.TemporaryDirectory(prefix="ispbot-bench-") as tmp:
        return await Bench(options, Path(tmp)).run()
