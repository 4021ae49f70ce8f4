"""The real gateway client (httpx over aiohttp's pool) against a real local HTTP server:
every way a gateway can fail is sorted into retry-later or give-up, as the sender needs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web

from ispbot.bench.gateway import free_port
from ispbot.gateway_http import gateway_client
from ispbot.providers.base import post_checked
from ispbot.providers.errors import PermanentGatewayError, RetryableGatewayError


async def _ok(request: web.Request) -> web.Response:
    form = await request.post()
    return web.json_response({"status": True, "id": [f"sent-to-{form['target']}"]})


async def _busy(_request: web.Request) -> web.Response:
    return web.json_response({"status": False}, status=429, headers={"Retry-After": "7"})


async def _down(_request: web.Request) -> web.Response:
    return web.Response(status=503, text="maintenance")


async def _refused(_request: web.Request) -> web.Response:
    return web.json_response({"reason": "invalid token"}, status=401)


async def _sets_cookie(request: web.Request) -> web.Response:
    response = web.json_response({"status": True, "cookie": request.headers.get("Cookie")})
    response.set_cookie("__cf_bm", "edge-session", path="/")
    return response


async def _not_json(_request: web.Request) -> web.Response:
    return web.Response(text="<html>proxy error</html>", content_type="text/html")


@pytest.fixture
async def gateway() -> AsyncIterator[str]:
    never = asyncio.Event()

    async def silent(_request: web.Request) -> web.Response:
        await never.wait()  # answers nothing until the client gives up
        raise AssertionError("unreachable")

    async def drop(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.abort()  # the connection dies before any answer
        await never.wait()
        raise AssertionError("unreachable")

    app = web.Application()
    for path, handler in {"/ok": _ok, "/busy": _busy, "/down": _down, "/refused": _refused,
                          "/not-json": _not_json, "/cookie": _sets_cookie, "/silent": silent, "/drop": drop}.items():
        app.router.add_post(path, handler)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    never.set()
    await runner.cleanup()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    http = gateway_client(timeout=httpx.Timeout(0.3, connect=0.3))
    yield http
    await http.aclose()


async def test_an_accepted_message_returns_the_gateways_answer(gateway: str, client: httpx.AsyncClient) -> None:
    answer = await post_checked(client, f"{gateway}/ok", data={"target": "6281200000101", "message": "halo"})
    assert answer == {"status": True, "id": ["sent-to-6281200000101"]}


async def test_the_connection_is_reused_between_messages(gateway: str, client: httpx.AsyncClient) -> None:
    for n in range(5):
        await post_checked(client, f"{gateway}/ok", data={"target": f"62812000001{n:02d}"})
    transport = client._transport  # the one aiohttp pool behind the client
    connector = transport.client.connector  # type: ignore[attr-defined]
    assert sum(len(idle) for idle in connector._conns.values()) == 1


async def test_a_cookie_one_gateway_call_got_is_not_sent_with_the_next(gateway: str, client: httpx.AsyncClient) -> None:
    """The gateways authenticate by token; the client keeps no cookie jar to carry an edge
    proxy's cookie from one customer's message into the next."""
    first = await post_checked(client, f"{gateway}/cookie", data={"target": "6281200000101"})
    second = await post_checked(client, f"{gateway}/cookie", data={"target": "6281200000102"})
    assert first["cookie"] is None and second["cookie"] is None


async def test_rate_limit_is_retried_after_the_gateways_retry_after(gateway: str, client: httpx.AsyncClient) -> None:
    with pytest.raises(RetryableGatewayError) as failure:
        await post_checked(client, f"{gateway}/busy", data={"target": "6281200000101"})
    assert failure.value.retry_after == 7.0


@pytest.mark.parametrize("path", ["/down", "/silent", "/drop", "/not-json"])
async def test_outages_timeouts_and_dropped_connections_are_retried(
    gateway: str, client: httpx.AsyncClient, path: str
) -> None:
    with pytest.raises(RetryableGatewayError):
        await post_checked(client, f"{gateway}{path}", data={"target": "6281200000101"})


async def test_a_gateway_that_is_not_running_is_retried(client: httpx.AsyncClient) -> None:
    with pytest.raises(RetryableGatewayError):
        await post_checked(client, f"http://127.0.0.1:{free_port()}/send", data={"target": "6281200000101"})


async def test_a_refusal_is_permanent(gateway: str, client: httpx.AsyncClient) -> None:
    with pytest.raises(PermanentGatewayError, match="401"):
        await post_checked(client, f"{gateway}/refused", data={"target": "6281200000101"})
