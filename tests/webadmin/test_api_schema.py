"""schemathesis against /api/openapi.json: for every operation it describes, generated
requests (bounded in number) never get a 500 and every answer matches the document.

The service runs on a real port in a thread of its own, because schemathesis calls it
synchronously; staff operations are called with an admin's bearer token."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import pkgutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from ispbot.app import create_app
from ispbot.clock import FakeClock
from ispbot.storage.demo import seed_packages
from ispbot.storage.models import User
from ispbot.webadmin.auth import new_api_token
from ispbot.webhooks import SERVICES
from tests import cpython_ast_bug
from tests.conftest import make_settings
from tests.fakes import FakeGateway

# schemathesis imports many of its modules lazily, at first use. Imported deep inside a long
# test run (pytest rewrites their asserts, parsing them with `ast`), such a module can trip
# CPython 3.11's "AST constructor recursion depth mismatch" (a SystemError of the
# interpreter, not of the API): CI saw it for the loader and for schemathesis.wfc. So every
# module of schemathesis is imported here, at collection, where the stack is shallow. The
# same bug in hypothesis's naming of lambdas is guarded in tests/cpython_ast_bug.py.
for _module in pkgutil.walk_packages(schemathesis.__path__, "schemathesis."):
    with contextlib.suppress(ImportError):  # optional integrations (allure) not installed
        importlib.import_module(_module.name)


class ServedApp:
    """The app on 127.0.0.1:<port>, its own event loop in a daemon thread."""

    def __init__(self, sqlite_url: str, data_dir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.clock = FakeClock()
        settings = make_settings(sqlite_url, data_dir, provider="fonnte", fonnte_token="tok", public_url=self.url)
        self.app = create_app(settings, clock=self.clock, transport=FakeGateway().transport(), background=False)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner = web.AppRunner(self.app, shutdown_timeout=1)
        self.token = self.run(self._start())

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=30)

    async def _start(self) -> str:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        services = self.app[SERVICES]
        token, digest = new_api_token()
        async with services.db.transaction() as session:
            await seed_packages(session)
            session.add(User(username="admin", full_name="Staf Admin", role="admin", password_hash="x",
                             is_active=True, is_technician=False, failed_logins=0, created_at=self.clock.now(),
                             api_token_hash=digest))
        return token

    def close(self) -> None:
        self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@pytest.fixture
def served(sqlite_url: str, tmp_path: Path) -> Iterator[ServedApp]:
    app = ServedApp(sqlite_url, tmp_path / "data")
    yield app
    app.close()


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_api_answers_as_its_openapi_document_says(served: ServedApp) -> None:
    schema = schemathesis.openapi.from_url(f"{served.url}/api/openapi.json")
    headers = {"Authorization": f"Bearer {served.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @settings(max_examples=20, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            case.call_and_validate(base_url=served.url, headers=headers, checks=CHECKS, timeout=10)

        cpython_ast_bug.retried(call)


def test_unknown_api_paths_and_huge_ids_answer_json_404s(served: ServedApp) -> None:
    import httpx

    auth = {"Authorization": f"Bearer {served.token}"}
    for path in ("/api/registrations/99999999999999999999999", "/api/no-such-thing",
                 "/api/registrations/" + "9" * 5000):
        response = httpx.get(served.url + path, headers=auth)
        assert response.status_code == 404, path
        assert response.json()["success"] is False
    assert httpx.delete(f"{served.url}/api/registrations/stats", headers=auth).status_code == 405
    admin = httpx.get(f"{served.url}/admin/registrations/99999999999999999999999", follow_redirects=False)
    assert admin.status_code in (303, 404)  # anonymous: the login page; never a 500
