"""Scheduled jobs. Each is a plain async function of the services that reads the database,
so timers survive restarts and any job can be run by hand (`ispbot jobs run NAME`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ispbot import service_window
from ispbot.providers.messages import Contact, OutboundKind, OutboundMessage
from ispbot.services import Services
from ispbot.storage import conversations, otp, outbox
from ispbot.storage.models import Conversation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Services], Awaitable[int]]
    every: timedelta
    description: str
    # For jobs that act at a set time (the daily digest): when they next act, for `ispbot jobs`.
    next_due: Callable[[Services], Awaitable[datetime]] | None = None
    schedule: str = ""  # how to say the schedule when it is not just "every …"


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
                conversations.record_event(session, convo, "abandoned", now, convo.state)  # where they stopped
                data = dict(convo.data or {})
                data.pop("registration", None)
                convo.data, convo.flow, convo.state = data, "menu", "MENU"
                template = "draft_expired" if service_window.is_open(convo.last_inbound_at, now) else None
            elif convo.reminders_sent < len(steps) and idle >= steps[convo.reminders_sent]:
                convo.reminders_sent += 1
                # A nudge has no WhatsApp template: past the window (a reminder step set over
                # a day, or a job that could not run), it is counted and not sent.
                if service_window.is_open(convo.last_inbound_at, now):
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
    return touched + await _drop_parked_drafts(services, now, expiry)


async def _drop_parked_drafts(services: Services, now: datetime, expiry: timedelta) -> int:
    """A draft kept while the customer went to the menu (to check a bill, say) expires as
    one left in the registration does: it holds a NIK, kept no longer than it is useful."""
    async with services.db.sessions() as session:
        candidates = list((await session.execute(
            select(Conversation.contact_key).where(
                Conversation.flow != "registration",
                Conversation.updated_at <= now - expiry,
                Conversation.data["registration"].as_string().is_not(None),  # the key is there
            )
        )).scalars())
    dropped = 0
    for contact_key in candidates:
        async with services.db.transaction() as session:
            convo = await conversations.get(session, contact_key, for_update=True)
            if convo is None or convo.flow == "registration" or now - convo.updated_at < expiry:
                continue  # back at it meanwhile
            data = dict(convo.data or {})
            if data.pop("registration", None) is None:
                continue
            convo.data = data
            dropped += 1
    return dropped


async def purge_expired_otps(services: Services) -> int:
    async with services.db.transaction() as session:
        return await otp.purge_expired(session, services.clock.now())


async def _issue_monthly_invoices(services: Services) -> int:
    from ispbot.billing import issue_monthly_invoices

    return await issue_monthly_invoices(services)


async def _send_invoice_reminders(services: Services) -> int:
    from ispbot.billing import send_due_reminders

    return await send_due_reminders(services)


async def _fetch_ktp_photos(services: Services) -> int:
    from ispbot.ktp_photos import fetch_pending_photos

    return await fetch_pending_photos(services)


async def _fetch_ticket_photos(services: Services) -> int:
    from ispbot.ticket_photos import fetch_pending_photos

    return await fetch_pending_photos(services)


async def _encrypt_ktp_photos(services: Services) -> int:
    from ispbot.ktp_encryption import encrypt_stored_photos

    return await encrypt_stored_photos(services)


async def _sla_alerts(services: Services) -> int:
    from ispbot.sla_alerts import alert_overdue_registrations

    return await alert_overdue_registrations(services)


async def _daily_digest(services: Services) -> int:
    from ispbot.daily_digest import send_daily_digest

    return await send_daily_digest(services)


async def _next_digest(services: Services) -> datetime:
    from sqlalchemy import func

    from ispbot.daily_digest import next_digest_at
    from ispbot.storage.models import DailyDigest

    async with services.db.sessions() as session:
        last = (await session.execute(select(func.max(DailyDigest.day)))).scalar_one_or_none()
    return next_digest_at(services.settings, services.clock.now(), last)


async def _retention_purge(services: Services) -> int:
    from ispbot.data_retention import purge_ended_registrations, purge_ended_ticket_photos

    return await purge_ended_registrations(services) + await purge_ended_ticket_photos(services)


async def _housekeeping(services: Services) -> int:
    from ispbot.data_retention import prune_messages_and_sessions

    return await prune_messages_and_sessions(services)
async def _roll_up_chat_funnel(services: Services) -> int:
    from ispbot.storage.chat_funnel import roll_up

    async with services.db.transaction() as session:
        return await roll_up(session, services.clock.now(), services.settings.tz)


async def _return_quiet_handoffs(services: Services) -> int:
    from ispbot.handoff import return_quiet_handoffs

    return await return_quiet_handoffs(services)


JOBS: dict[str, Job] = {
    job.name: job
    for job in [
        Job("reminders", remind_quiet_registrations, timedelta(minutes=1),
            "remind customers who stopped mid-registration; drop stale drafts"),
        Job("otp-purge", purge_expired_otps, timedelta(hours=1), "delete expired one-time codes"),
        Job("ktp-photos", _fetch_ktp_photos, timedelta(minutes=1),
            "fetch KTP photos sent by chat and store them privately"),
        Job("ticket-photos", _fetch_ticket_photos, timedelta(minutes=1),
            "fetch the photos customers send with a fault report and store them privately"),
        Job("ktp-encrypt", _encrypt_ktp_photos, timedelta(hours=6),
            "encrypt KTP and ticket photos stored before encryption or under a previous ISPBOT_DATA_KEY"),
        Job("sla-alerts", _sla_alerts, timedelta(minutes=15),
            "tell CS by WhatsApp about registrations pending verification too long (once each)"),
        Job("daily-digest", _daily_digest, timedelta(minutes=15),
            "yesterday's figures to supervisors by WhatsApp, once a day at ISPBOT_DIGEST_HOUR",
            next_due=_next_digest, schedule="daily"),
        Job("retention-purge", _retention_purge, timedelta(hours=6),
            "delete NIK and KTP photo of rejected/cancelled registrations, and photos of ended tickets, after ISPBOT_RETENTION_DAYS"),
        Job("housekeeping", _housekeeping, timedelta(hours=1),
            "delete old delivered/processed messages and expired staff sessions"),
        Job("funnel-rollup", _roll_up_chat_funnel, timedelta(hours=1),
            "sum finished days of the chat funnel for the analytics page (once each)"),
        Job("handoff-timeout", _return_quiet_handoffs, timedelta(minutes=1),
            "return CS handoffs nobody took (or nobody wrote in) to the bot, with an apology"),
        Job("billing", _issue_monthly_invoices, timedelta(hours=1),
            "issue this month's invoices from ISPBOT_BILLING_DAY on (once per customer)"),
        Job("invoice-reminders", _send_invoice_reminders, timedelta(hours=1),
            "WhatsApp reminders before/on/after each invoice's due date (each once)"),
    ]
}
