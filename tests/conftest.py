"""Shared fixtures: databases (SQLite always, PostgreSQL where reachable and always in CI),
an injected clock, and a harness that runs the whole service against a fake gateway."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from ispbot.app import DISPATCHER, SENDER, create_app
from ispbot.clock import FakeClock
from ispbot.config import Settings
from ispbot.services import Services
from ispbot.storage.migrations import upgrade
from ispbot.webhooks import SERVICES
from tests import cpython_ast_bug
from tests.fakes import FakeGateway

POSTGRES_URL = os.environ.get(
    "ISPBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
CONFORMANCE = Path(__file__).parent / "conformance"


def pytest_configure(config: pytest.Config) -> None:
    cpython_ast_bug.install()


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A test that runs the CLI configures logging to its captured stderr, which is closed
    after it: later log lines (another test's server thread) would then fail to print."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    target = tmp_path / "ispbot.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite+aiosqlite:///{target}"


async def _pg_reset(url: str, *, migrate: bool) -> None:
    import asyncpg

    dsn = url.replace("postgresql+asyncpg", "postgresql")
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        if migrate:
            await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        else:
            tables = await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
            if tables:
                names = ", ".join(f'"{t["tablename"]}"' for t in tables)
                await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def postgres_schema() -> str:
    try:
        asyncio.run(_pg_reset(POSTGRES_URL, migrate=True))
    except Exception as exc:
        if os.environ.get("ISPBOT_REQUIRE_POSTGRES") or os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required here but unreachable at {POSTGRES_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}")
    upgrade(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_schema: str) -> str:
    asyncio.run(_pg_reset(postgres_schema, migrate=False))
    return postgres_schema


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


WEBHOOK_SECRET = "test-webhook-secret"


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "secret_key": "test-secret-key-not-for-production",
        "public_url": "https://isp.example",
        "provider": "sandbox",
        "webhook_secret": WEBHOOK_SECRET,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Harness:
    """The whole service in-process: webhooks through a real HTTP test client, the
    dispatcher and sender driven by `settle()`, sends captured by a FakeGateway."""

    def __init__(self, client: TestClient, gateway: FakeGateway, clock: FakeClock) -> None:
        self.client = client
        self.gateway = gateway
        self.clock = clock

    @property
    def services(self) -> Services:
        return self.client.app[SERVICES]  # type: ignore[index]

    async def post(
        self, provider: str, body: Any, *, headers: dict[str, str] | None = None, query: str = "",
        secret: bool = True,
    ) -> Any:
        """A webhook as the gateway posts it; with the shared secret (as Fonnte's webhook
        URL carries it) unless `secret=False`."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs = {"content-type": "application/json", **(headers or {})}
        if secret and "secret=" not in query:
            hdrs.setdefault("x-webhook-secret", WEBHOOK_SECRET)
        return await self.client.post(f"/webhooks/{provider}{query}", data=data, headers=hdrs)

    async def settle(self) -> None:
        """Handle every stored message and send every due reply."""
        app = self.client.app
        for _ in range(50):
            await app[DISPATCHER].drain()  # type: ignore[index]
            if not await app[SENDER].drain():  # type: ignore[index]
                async with self.services.db.sessions() as session:
                    from ispbot.storage import inbox

                    if not await inbox.pending_contacts(session):
                        return


@pytest.fixture
async def harness_factory(
    tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Callable[..., Any]]:
    clients: list[TestClient] = []

    async def make(database_url: str, **overrides: Any) -> Harness:
        gateway = FakeGateway()
        settings = make_settings(database_url, tmp_path / "data", **overrides)
        app = create_app(settings, clock=clock, transport=gateway.transport(), background=False)
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return Harness(client, gateway, clock)

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def harness(harness_factory: Callable[..., Any], sqlite_url: str) -> Harness:
    return await harness_factory(sqlite_url)  # type: ignore[no-any-return]


async def _seeded(harness_factory: Callable[..., Any], url: str, settings: dict[str, str]) -> Harness:
    from ispbot.storage.demo import seed_packages

    h: Harness = await harness_factory(url, **settings)
    async with h.services.db.transaction() as s:
        await seed_packages(s)
    return h


@pytest.fixture
async def fonnte(harness_factory: Callable[..., Any], sqlite_url: str) -> Harness:
    """The whole service on Fonnte (numbered choices), with the demo packages."""
    from tests.flows.chat import FONNTE

    return await _seeded(harness_factory, sqlite_url, FONNTE)


@pytest.fixture
async def cloudapi(harness_factory: Callable[..., Any], sqlite_url: str) -> Harness:
    """The whole service on Meta's Cloud API (buttons and lists), with the demo packages."""
    from tests.flows.chat import CLOUDAPI

    return await _seeded(harness_factory, sqlite_url, CLOUDAPI)
