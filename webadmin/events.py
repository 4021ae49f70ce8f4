"""`GET /admin/events`: server-sent events for the admin's live list and detail pages.

Every new row in `registration_events` (a new registration, a status change, a note of the
system's in its history), from this process or any other (the chat, the public API, a second server on PostgreSQL), becomes
one `registration` event. The stream polls that table by primary key (a cheap, indexed
query) every second and resumes after `Last-Event-ID` when the browser reconnects.

For staff with the chat inbox, every touched conversation (a customer's message, a
handoff, an agent's reply) becomes one `conversation` event, and each batch of them an
`inbox` event with the number of conversations waiting for CS (also sent at connect).

A browser that leaves (a tab closed, even while its stream was opening) is no error: the
stream ends with a debug line, not a traceback per closed tab.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy import func, select

from ispbot.storage.models import Registration, RegistrationEvent
from ispbot.webadmin.auth import current, staff_view
from ispbot.webadmin.inbox import ConversationWatch
from ispbot.webadmin.labels import status_label
from ispbot.webadmin.roles import Permission
from ispbot.webhooks import SERVICES

log = logging.getLogger(__name__)

POLL_SECONDS = web.AppKey("events_poll_seconds", float)
CLOSING = web.AppKey("events_closing", asyncio.Event)
HEARTBEAT_SECONDS = 15.0


async def _latest_id(request: web.Request) -> int:
    async with request.app[SERVICES].db.sessions() as session:
        found = await session.execute(select(func.coalesce(func.max(RegistrationEvent.id), 0)))
        return int(found.scalar_one())


async def _events_after(request: web.Request, last_id: int) -> list[tuple[int, dict[str, object]]]:
    async with request.app[SERVICES].db.sessions() as session:
        rows = await session.execute(
            select(RegistrationEvent, Registration.registration_number)
            .join(Registration, Registration.id == RegistrationEvent.registration_id)
            .where(RegistrationEvent.id > last_id)
            .order_by(RegistrationEvent.id)
            .limit(100)
        )
        return [(event.id, _announced(event, number)) for event, number in rows]


def _announced(event: RegistrationEvent, number: str) -> dict[str, object]:
    """What the pages are told of one history row: a registration `created`, its `status`
    changed (a survey moved to another day included), or a `note` the system added with
    the status as it was (storage.registrations.add_note). A note's text stays on the
    registration's page."""
    data: dict[str, object] = {"registration_id": event.registration_id, "registration_number": number}
    if event.from_status == event.to_status and event.actor_user_id is None:
        return {"kind": "note", **data}
    return {
        "kind": "created" if event.from_status is None else "status", **data,
        "status": event.to_status, "status_label": status_label(event.to_status),
    }


def _frame(event: str, data: object, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data)}\n\n".encode()


async def _inbox_frames(request: web.Request, watch: ConversationWatch) -> list[bytes]:
    async with request.app[SERVICES].db.sessions() as session:
        changes, waiting = await watch.poll(session)
    frames = [
        _frame("conversation", {"id": c.conversation_id, "mode": c.mode, "unread": c.unread, "agent_id": c.agent_id})
        for c in changes
    ]
    if waiting is not None:
        frames.append(_frame("inbox", {"waiting": waiting}))
    return frames


@staff_view(Permission.VIEW_REGISTRATIONS)
async def stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    resume = request.headers.get("Last-Event-ID", "")
    closing, poll = request.app[CLOSING], request.app[POLL_SECONDS]
    watch = ConversationWatch() if current(request).can(Permission.HANDOFF) else None
    quiet = 0.0
    try:
        await response.prepare(request)  # a tab closed while the stream opened fails here already
        last_id = int(resume) if resume.isdigit() else await _latest_id(request)
        await response.write(_frame("ready", {"after": last_id}))
        if watch is not None:
            async with request.app[SERVICES].db.sessions() as session:
                await response.write(_frame("inbox", {"waiting": await watch.prime(session)}))
        while not closing.is_set():
            events = await _events_after(request, last_id)
            for event_id, data in events:
                await response.write(_frame("registration", data, event_id))
                last_id = event_id
            frames = await _inbox_frames(request, watch) if watch is not None else []
            for frame in frames:
                await response.write(frame)
            quiet = 0.0 if events or frames else quiet + poll
            if quiet >= HEARTBEAT_SECONDS:
                await response.write(b": keep-alive\n\n")
                quiet = 0.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closing.wait(), timeout=poll)
    except ConnectionError:  # aiohttp's ClientConnectionResetError too: the browser went away, nothing failed
        log.debug("live updates: the browser closed the stream")
    return response


async def _closing_event(app: web.Application) -> AsyncIterator[None]:
    app[CLOSING] = asyncio.Event()
    yield


async def _close_streams(app: web.Application) -> None:
    app[CLOSING].set()


def setup_events(app: web.Application, poll_seconds: float = 1.0) -> None:
    app[POLL_SECONDS] = poll_seconds
    app.cleanup_ctx.append(_closing_event)
    app.on_shutdown.append(_close_streams)
    app.router.add_get("/admin/events", stream)
