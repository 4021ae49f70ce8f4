"""Scheduled jobs. Each is a plain async function of the services that reads the database,
so timers survive restarts and any job can be run by hand (`ispbot jobs run NAME`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from ispbot.providers.messages import Contact, OutboundKind, OutboundMessage
from ispbot.services import Services
from ispbot.storage import conversations, otp, outbox
from ispbot.storage.models import Conversation

log = logging.getLogger(__name__)

# WhatsApp only lets a business write freely within 24 hours of the customer's last message.
SERVICE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Services], Awaitable[int]]
    every: timedelta
    description: str


async def remind_quiet_registrations(services: Services) -> int:
    """Remind customers who stopped mid-registration (e.g. after 1 h and 23 h); drop the
    draft after ISPBOT_DRAFT_EXPIRY_HOURS. Returns how many conversations were touched."""
    now = services.clock.now()
    steps = [timedelta(minutes=m) for m in services.settings.reminder_after_minutes]
    expiry = timedelta(hours=services.settings.draft_expiry_hours)
    earliest = min([*steps, expiry])
    async with services.db.sessions() as session:
        candidates = list(
            (
                await session.execute(
                    select(Conversation.contact_key).where(
                        Conversation.flow == "registration",
                        Conversation.mode == "bot",
                        Conversation.updated_at <= now - earliest,
                    )
                )
            ).scalars()
        )
    touched = 0
    for contact_key in candidates:
        async with services.db.transaction() as session:
            convo = await conversations.get(session, contact_key, for_update=True)
            if convo is None or convo.flow != "registration":
                continue  # the customer answered meanwhile
            idle = now - convo.updated_at
            template = None
            if idle >= expiry:
                data = dict(convo.data or {})
                data.pop("registration", None)
                convo.data, convo.flow, convo.state = data, "menu", "MENU"
                conversations.record_event(session, convo, "abandoned", now, convo.state)
                inside_window = convo.last_inbound_at is not None and now - convo.last_inbound_at < SERVICE_WINDOW
                template = "draft_expired" if inside_window else None
            elif convo.reminders_sent < len(steps) and idle >= steps[convo.reminders_sent]:
                convo.reminders_sent += 1
                template = f"reminder_{convo.reminders_sent}"
            else:
                continue
            touched += 1
            if template:
                text = services.messages.render(
                    convo.locale, template, isp_name=services.settings.isp_name, cs_phone=services.settings.cs_phone
                )
                message = OutboundMessage(to=Contact(phone=convo.phone, user_id=convo.user_id), kind=OutboundKind.TEXT, text=text)
                await outbox.enqueue(session, provider=convo.provider, message=message, now=now, purpose=template)
    return touched


async def purge_expired_otps(services: Services) -> int:
    async with services.db.transaction() as session:
        return await otp.purge_expired(session, services.clock.now())


async def _fetch_ktp_photos(services: Services) -> int:
    from ispbot.ktp_photos import fetch_pending_photos

    return await fetch_pending_photos(services)


JOBS: dict[str, Job] = {
    job.name: job
    for job in [
        Job("reminders", remind_quiet_registrations, timedelta(minutes=1),
            "remind customers who stopped mid-registration; drop stale drafts"),
        Job("otp-purge", purge_expired_otps, timedelta(hours=1), "delete expired one-time codes"),
        Job("ktp-photos", _fetch_ktp_photos, timedelta(minutes=1),
            "fetch KTP photos sent by chat and store them privately"),
    ]
}
