"""`/healthz` (liveness and database) and `/metrics` (Prometheus text)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import func, select, text

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


def setup_health(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
