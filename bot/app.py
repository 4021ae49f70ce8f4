"""The app factory: one `setup_*` per concern, long-lived resources in cleanup contexts."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import httpx
from aiohttp import web

from ispbot.clock import Clock, SystemClock
from ispbot.config import Settings
from ispbot.dispatcher import Dispatcher, Handler
from ispbot.gateway_http import gateway_client
from ispbot.health import setup_health
from ispbot.messages import Messages
from ispbot.metrics import Metrics
from ispbot.providers.registry import build_providers
from ispbot.sender import OutboxSender
from ispbot.services import Services
from ispbot.storage.database import Database
from ispbot.webhooks import MAX_BODY, SERVICES, WAKE_DISPATCHER, setup_webhooks

log = logging.getLogger(__name__)

DISPATCHER = web.AppKey("dispatcher", Dispatcher)
SENDER = web.AppKey("sender", OutboxSender)


def default_handler() -> Handler:
    from ispbot.flows.router import handle

    return handle


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Services:
    http = gateway_client(transport)
    return Services(
        settings=settings,
        db=Database(settings.database_url),
        clock=clock or SystemClock(),
        messages=Messages(ZoneInfo(settings.timezone)),
        providers=build_providers(settings, http),
        http=http,
        metrics=Metrics(),
    )


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    handler: Handler | None = None,
    background: bool = True,
) -> web.Application:
    """The whole service. With `background=False` the dispatcher and sender do not run by
    themselves; tests drive them with `drain()` instead."""
    app = web.Application(client_max_size=MAX_BODY)
    services = build_services(settings, clock=clock, transport=transport)
    app[SERVICES] = services
    sender = OutboxSender(services)
    dispatcher = Dispatcher(
        services, handler or default_handler(), on_outbox=sender.wake, replies=sender
    )
    app[SENDER] = sender
    app[DISPATCHER] = dispatcher
    app[WAKE_DISPATCHER] = dispatcher.wake if background else (lambda *_: None)

    setup_webhooks(app)
    setup_health(app)
    setup_web(app)
    app.cleanup_ctx.append(_resources)
    if background:
        app.cleanup_ctx.append(_background_workers)
    return app


def setup_web(app: web.Application) -> None:
    """The web pages: the sandbox chat (when the sandbox gateway is on), the staff admin,
    the public tracking page and the JSON API."""
    from ispbot.webadmin import setup_admin
    from ispbot.webadmin.sandbox import setup_sandbox

    if list(app[SERVICES].providers) == ["sandbox"]:  # never beside a real gateway
        setup_sandbox(app)
    setup_admin(app)


async def _resources(app: web.Application) -> AsyncIterator[None]:
    yield
    services = app[SERVICES]
    await services.http.aclose()
    await services.db.dispose()


async def _background_workers(app: web.Application) -> AsyncIterator[None]:
    """The dispatcher and the outbox sender; on start they resume whatever an earlier run
    left unfinished (pending inbox rows, unsent outbox rows)."""
    from ispbot.scheduler import JobRunner
    from ispbot.storage.regions import warm_up

    # The region index (NIK, city, kecamatan… look-ups) takes about 0.7 s of CPU to load;
    # loading it here, before the first request, keeps that stall off the event loop at
    # the first customer who types a NIK (and off every message queued behind it).
    await asyncio.to_thread(warm_up)
    # What start-up made (modules, SQLAlchemy's mappings, templates, the region index) lives
    # as long as the process: moved out of the collector's sight, a full collection walks
    # only what requests made since (py-spy and gc.callbacks: 70-110 ms pauses under load).
    gc.collect()
    gc.freeze()
    dispatcher, sender = app[DISPATCHER], app[SENDER]
    runner = JobRunner(app[SERVICES])
    runner.start()
    tasks = [
        asyncio.create_task(dispatcher.run(), name="dispatcher"),
        asyncio.create_task(sender.run(), name="sender"),
    ]
    yield
    runner.stop()
    await dispatcher.stop()
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
