"""The HTTP client every gateway is spoken to with: httpx's API (the providers, their
tests' MockTransport) over aiohttp's connection pool (httpx-aiohttp).

httpcore's own pool looked at every idle connection on each request, under anyio locks
and cancel scopes: about a quarter of the service's CPU per message under load, by
py-spy. aiohttp's pool, already in the process for the web server, does not. The bench's
baseline app sends with this same client, so the comparison stays one of like with like.

A plain request (not streamed, no auth, no redirect to follow) goes straight to the
transport (`GatewayClient.send`): httpx's auth and redirect layers have nothing to do for
a gateway call, and its cookie jar parsed every response's headers through
http.cookiejar (about a sixth of the client's time) for cookies no gateway needs: they
all authenticate with a token or key in a header or the body.
"""

from __future__ import annotations

from typing import Any

import httpx
from httpx import USE_CLIENT_DEFAULT
from httpx_aiohttp import HttpxAiohttpClient

TIMEOUT = httpx.Timeout(15.0, connect=5.0)  # under the outbox lease (ISPBOT_OUTBOX_LEASE_SECONDS)
LIMITS = httpx.Limits(max_connections=50, max_keepalive_connections=20)


class GatewayClient(HttpxAiohttpClient):
    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = USE_CLIENT_DEFAULT,
        follow_redirects: Any = USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        plain = not stream and auth is USE_CLIENT_DEFAULT and self.auth is None and not (
            self.follow_redirects if follow_redirects is USE_CLIENT_DEFAULT else follow_redirects
        )
        if not plain or self.is_closed:
            return await super().send(request, stream=stream, auth=auth, follow_redirects=follow_redirects)
        # The pool, or a proxy's (HTTPS_PROXY), as httpx picks; the timeout is in the request.
        response = await self._transport_for_url(request.url).handle_async_request(request)
        response.request = request
        try:
            await response.aread()
        finally:
            await response.aclose()
        return response


def gateway_client(
    transport: httpx.AsyncBaseTransport | None = None, *, timeout: httpx.Timeout = TIMEOUT
) -> httpx.AsyncClient:
    """A client for the gateways; with `transport` (tests) that transport instead of aiohttp."""
    return GatewayClient(transport=transport, timeout=timeout, limits=LIMITS)
