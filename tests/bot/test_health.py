"""`/metrics` answers this machine's own Prometheus, and another machine only with
ISPBOT_METRICS_TOKEN as a bearer token; a request nginx on this host passes on is its
outside client's, not this machine's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from ispbot.config import ConfigError, load_settings
from ispbot.health import metrics
from tests.conftest import Harness

TOKEN = "metrics-0123456789abcdef"
OUTSIDE = "203.0.113.5"


@pytest.fixture
async def guarded(harness_factory: Callable[..., Any], sqlite_url: str) -> Harness:
    return await harness_factory(sqlite_url, metrics_token=TOKEN)  # type: ignore[no-any-return]


def from_outside(h: Harness, headers: dict[str, str] | None = None) -> web.Request:
    """A GET /metrics whose peer is another machine (the test server only has loopback)."""
    request = make_mocked_request("GET", "/metrics", headers=headers or {}, app=h.client.app)
    return request.clone(remote=OUTSIDE)


async def test_this_machine_reads_the_metrics_without_a_token(guarded: Harness) -> None:
    response = await guarded.client.get("/metrics")
    assert response.status == 200 and "ispbot_outbox_messages" in await response.text()


async def test_another_machine_without_a_token_is_refused(harness: Harness, guarded: Harness) -> None:
    assert (await metrics(from_outside(harness))).status == 403  # no token set: this machine only
    asked = await metrics(from_outside(guarded))
    assert asked.status == 401 and asked.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await metrics(from_outside(guarded, {"Authorization": "Bearer not-the-token"}))).status == 403
    assert (await metrics(from_outside(harness, {"Authorization": f"Bearer {TOKEN}"}))).status == 403


async def test_another_machine_with_the_token_reads_them(guarded: Harness) -> None:
    response = await metrics(from_outside(guarded, {"Authorization": f"Bearer {TOKEN}"}))
    assert response.status == 200 and isinstance(response.body, bytes)
    assert b"ispbot_outbox_messages" in response.body


@pytest.mark.parametrize("forwarded", [
    {"X-Forwarded-For": OUTSIDE},
    {"X-Forwarded-For": f"127.0.0.1, {OUTSIDE}"},  # the client wrote "127.0.0.1"; nginx appended who it is
    {"X-Real-IP": OUTSIDE},  # a proxy that does not say who in X-Forwarded-For: not this machine either
    {"Forwarded": f"for={OUTSIDE}"},
])
async def test_an_outside_client_through_nginx_on_this_host_is_not_this_machine(
    guarded: Harness, forwarded: dict[str, str]
) -> None:
    refused = await guarded.client.get("/metrics", headers=forwarded)
    assert refused.status == 401, forwarded
    allowed = await guarded.client.get("/metrics", headers={**forwarded, "Authorization": f"Bearer {TOKEN}"})
    assert allowed.status == 200, forwarded


async def test_a_local_program_through_nginx_is_still_this_machine(guarded: Harness) -> None:
    response = await guarded.client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert response.status == 200


@pytest.mark.parametrize("token", ["short", "a token with spaces in it", "tøken-with-non-ascii-0123"])
def test_a_metrics_token_that_cannot_work_stops_the_start(token: str, tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="ISPBOT_METRICS_TOKEN"):
        load_settings(metrics_token=token, data_dir=tmp_path, _env_file=None)


def test_an_empty_metrics_token_is_none(tmp_path: Any) -> None:
    assert load_settings(metrics_token="", data_dir=tmp_path, _env_file=None).metrics_token is None
