"""The supervisors' daily digest by WhatsApp: yesterday's registrations, approvals,
rejections, tickets opened and resolved/closed, and the pending backlog now.

Sent once per local day (ISPBOT_TIMEZONE), from ISPBOT_DIGEST_HOUR on, to every active
supervisor and admin with a phone number on their staff account. The job runs often and
does nothing until then; a `daily_digests` row written in the same transaction as the
messages makes it once per day even after a restart or a late start."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.config import Settings
from ispbot.services import Services
from ispbot.staff_whatsapp import send_to_staff, staff_contact
from ispbot.storage.lifecycle import Status
from ispbot.storage.models import DailyDigest, Registration, Ticket, User
from ispbot.storage.upsert import insert_for

log = logging.getLogger(__name__)

RECIPIENT_ROLES = ("supervisor", "admin")


@dataclass(frozen=True)
class DayFigures:
    day: date
    registrations: int
    approved: int
    rejected: int
    pending: int  # pending verification now, whenever created
    overdue: int  # of which waiting longer than ISPBOT_SLA_PENDING_HOURS
    tickets_opened: int
    tickets_closed: int  # resolved or closed that day


def day_bounds(day: date, settings: Settings) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=settings.tz)
    return start, start + timedelta(days=1)


async def figures(session: AsyncSession, day: date, settings: Settings, now: datetime) -> DayFigures:
    start, end = day_bounds(day, settings)

    def within(column: object) -> object:
        return and_(column >= start, column < end)  # type: ignore[operator]

    def count_of(condition: object) -> object:
        return func.count().filter(condition)  # type: ignore[arg-type]

    pending = Registration.status == Status.PENDING_VERIFICATION.value
    reg = (await session.execute(select(
        count_of(within(Registration.created_at)),
        count_of(within(Registration.approved_at)),
        count_of(within(Registration.rejected_at)),
        count_of(pending),
        count_of(and_(pending, Registration.created_at <= now - timedelta(hours=settings.sla_pending_hours))),
    ))).one()
    tickets = (await session.execute(select(
        count_of(within(Ticket.created_at)),
        count_of(or_(within(Ticket.resolved_at), within(Ticket.closed_at))),
    ))).one()
    return DayFigures(day, *(int(v) for v in reg), *(int(v) for v in tickets))


def digest_day(settings: Settings, now: datetime) -> date | None:
    """The day whose digest is due now (yesterday, once the hour has come), else None."""
    local = now.astimezone(settings.tz)
    if local.hour < settings.digest_hour:
        return None
    return local.date() - timedelta(days=1)


def next_digest_at(settings: Settings, now: datetime, last_day: date | None) -> datetime:
    """When the digest goes out next, given the last day sent (for `ispbot jobs`)."""
    local = now.astimezone(settings.tz)
    today_at = datetime.combine(local.date(), time(settings.digest_hour), tzinfo=settings.tz)
    if local < today_at:
        return today_at
    if last_day is not None and last_day >= local.date() - timedelta(days=1):
        return today_at + timedelta(days=1)
    return local  # due now


async def send_daily_digest(services: Services) -> int:
    """Returns how many supervisors were sent the digest (0 when not due or already sent)."""
    settings, now = services.settings, services.clock.now()
    day = digest_day(settings, now)
    if day is None:
        return 0
    async with services.db.transaction() as session:
        if await session.get(DailyDigest, day) is not None:
            return 0
        recipients = list((await session.execute(
            select(User).where(User.is_active.is_(True), User.role.in_(RECIPIENT_ROLES), User.phone.is_not(None))
            .order_by(User.id)
        )).scalars())
        contacts = [c for c in (staff_contact(u.phone or "") for u in recipients) if c is not None]
        claimed = await session.execute(
            insert_for(session, DailyDigest).values(day=day, sent_at=now, recipients=len(contacts))
            .on_conflict_do_nothing().returning(DailyDigest.day)
        )
        if claimed.scalar_one_or_none() is None:
            return 0  # another run sent it meanwhile
        if not contacts:
            log.warning("daily digest for %s: no active supervisor or admin has a phone number", day)
            return 0
        numbers = await figures(session, day, settings, now)
        for contact in contacts:
            await send_to_staff(services, session, contact, "daily_digest", purpose="staff:daily_digest",
                                f=asdict(numbers), day=day)
    return len(contacts)
