"""The HTTP client every gateway is spoken to with: httpx's API (the providers, their
tests' MockTransport) over aiohttp's connection pool (httpx-aiohttp).

httpcore's own pool looked at every idle connection on each request, under anyio locks
and cancel scopes: about a quarter of the service's CPU per message under load, by
py-spy. aiohttp's pool, already in the process for the web server, does not. The bench's
baseline app sends with this same client, so the comparison stays one of like with like.
"""

from __future__ import annotations

import httpx
from httpx_aiohttp import HttpxAiohttpClient

TIMEOUT = httpx.Timeout(15.0, connect=5.0)  # under the outbox lease (ISPBOT_OUTBOX_LEASE_SECONDS)
LIMITS = httpx.Limits(max_connections=50, max_keepalive_connections=20)


def gateway_client(
    transport: httpx.AsyncBaseTransport | None = None, *, timeout: httpx.Timeout = TIMEOUT
) -> httpx.AsyncClient:
    """A client for the gateways; with `transport` (tests) that transport instead of aiohttp."""
    return HttpxAiohttpClient(transport=transport, timeout=timeout, limits=LIMITS)
