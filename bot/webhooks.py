"""`POST /webhooks/{provider}`: authenticate, parse, store in the inbox, answer 200.

Nothing else happens before the answer: the dispatcher is woken and does the work. The
answers: 200 once stored; 401/403 for a missing/wrong signature or secret; 400 for a body
the gateway would never send; 413 over 1 MiB (aiohttp's client_max_size); 404 for a gateway
that is not enabled; 503 when the database cannot store the message (the gateway retries).
Never 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from ispbot import service_window
from ispbot.providers.base import WebhookRequest
from ispbot.providers.errors import WebhookRejected
from ispbot.providers.messages import DeliveryStatus, InboundMessage
from ispbot.services import Services
from ispbot.storage import inbox, outbox

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024

SERVICES = web.AppKey("services", Services)
WAKE_DISPATCHER = web.AppKey("wake_dispatcher", Callable[..., None])  # (contact keys) or ()


async def _as_webhook_request(request: web.Request) -> WebhookRequest:
    body = await request.read()
    return WebhookRequest(
        method=request.method,
        body=body,
        headers={k.lower(): v for k, v in request.headers.items()},
        query=dict(request.query),
    )


async def receive(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    name = request.match_info["provider"]
    provider = services.providers.get(name)
    if provider is None:
        return web.json_response({"ok": False, "error": "unknown gateway"}, status=404)
    try:
        webhook = await _as_webhook_request(request)
        provider.authenticate(webhook)
        events = provider.parse_webhook(webhook)
    except web.HTTPRequestEntityTooLarge:
        services.metrics.webhooks.labels(name, "too_large").inc()
        return web.json_response({"ok": False, "error": "body over 1 MiB"}, status=413)
    except WebhookRejected as exc:
        services.metrics.webhooks.labels(name, f"rejected_{exc.status}").inc()
        return web.json_response({"ok": False, "error": str(exc)}, status=exc.status)
    except Exception:
        log.exception("webhook %s: parser failed on a body", name)
        services.metrics.webhooks.labels(name, "rejected_400").inc()
        return web.json_response({"ok": False, "error": "unreadable body"}, status=400)
    try:
        contacts = await store_inbound(services, name, events)
    except Exception:
        log.exception("webhook %s: could not store", name)
        services.metrics.webhooks.labels(name, "unavailable").inc()
        return web.json_response({"ok": False, "error": "try again"}, status=503)
    services.metrics.webhooks.labels(name, "accepted").inc()
    if contacts:
        request.app[WAKE_DISPATCHER](contacts)
    return web.json_response({"ok": True, "stored": len(contacts)})


async def store_events(services: Services, provider: str, events: list[InboundMessage | DeliveryStatus]) -> int:
    """Store a webhook's events; how many messages were new."""
    return len(await store_inbound(services, provider, events))


async def store_inbound(
    services: Services, provider: str, events: list[InboundMessage | DeliveryStatus]
) -> list[str]:
    """Store a webhook's events; the contact key of each new message (for the dispatcher)."""
    if not events:
        return []
    stored: list[str] = []
    now = services.clock.now()
    # Each event's statement commits by itself (PostgreSQL): a failure after some answers
    # 503, the gateway's retry finds those stored (duplicates stop at the inbox's unique
    # key), and the dispatcher's inbox poll, not this wake, takes them within a second.
    async with services.db.autocommit() as session:
        for event in events:
            if isinstance(event, DeliveryStatus):
                failed = await outbox.record_delivery(session, event)
                if failed is not None and event.window_closed:
                    await service_window.resend_as_template(session, failed, now)
                continue
            if await inbox.store(session, event, now) is None:
                services.metrics.duplicates.labels(provider).inc()
            else:
                stored.append(event.contact.key)
    return stored


async def verify_cloudapi(request: web.Request) -> web.Response:
    """Meta's subscription handshake: echo hub.challenge when the verify token matches."""
    services = request.app[SERVICES]
    provider = services.providers.get("cloudapi")
    if provider is None:
        return web.Response(status=404)
    try:
        challenge = provider.verify_subscription(dict(request.query))  # type: ignore[attr-defined]
    except WebhookRejected as exc:
        return web.Response(status=exc.status, text="verification failed")
    return web.Response(text=challenge)


def setup_webhooks(app: web.Application) -> None:
    app.router.add_get("/webhooks/cloudapi", verify_cloudapi)
    app.router.add_post("/webhooks/{provider}", receive)
