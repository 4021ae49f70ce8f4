"""`/healthz` (liveness and database) and `/metrics` (Prometheus text).

`/metrics` tells how busy the ISP is and queries the database on every call, so it
answers only this machine's own callers (`client_address.from_this_machine`: a request
passed on by nginx on this host is its outside client's), and others holding
ISPBOT_METRICS_TOKEN as a bearer token: 401 without one, 403 with a wrong one or when
no token is set. A refused call costs no query.
"""

from __future__ import annotations

import hmac

from aiohttp import web
from sqlalchemy import func, select, text

from ispbot.client_address import from_this_machine
from ispbot.storage.models import OutboxMessage
from ispbot.webhooks import SERVICES


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        async with services.db.sessions() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:
        return web.json_response({"ok": False, "database": type(exc).__name__}, status=503)
    return web.json_response({"ok": True, "database": "ok"})


async def metrics(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    refused = _metrics_refusal(request, services.settings.metrics_token)
    if refused is not None:
        return refused
    async with services.db.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.provider, OutboxMessage.status, func.count())
            .where(OutboxMessage.status.in_(("pending", "sending", "dead")))
            .group_by(OutboxMessage.provider, OutboxMessage.status)
        )
    services.metrics.outbox.clear()
    for provider, status, count in rows:
        services.metrics.outbox.labels(provider, status).set(count)
    return web.Response(body=services.metrics.render(), content_type="text/plain", charset="utf-8")


def _metrics_refusal(request: web.Request, token: str | None) -> web.Response | None:
    """None when the caller may read /metrics, else the answer that says why not."""
    if from_this_machine(request):
        return None
    if token is None:
        return web.Response(status=403, text="/metrics answers this machine only; see ISPBOT_METRICS_TOKEN\n")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return web.Response(status=401, text="bearer token required\n",
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return web.Response(status=403, text="wrong token\n")
    return None


def setup_health(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
