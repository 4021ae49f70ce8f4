"""Survey, installation and support tickets: open → in_progress → resolved → closed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from ispbot.storage import sequences
from ispbot.storage.models import Ticket, TicketEvent

STATUSES = ("open", "in_progress", "resolved", "closed")
ACTIVE = ("open", "in_progress")
NEXT = {
    "open": ("in_progress", "resolved", "closed"),
    "in_progress": ("resolved", "open", "closed"),
    "resolved": ("closed", "in_progress"),
    "closed": ("open",),
}


class TicketTransitionRefused(Exception):
    pass


async def open_ticket(
    session: AsyncSession,
    *,
    kind: str,
    now: datetime,
    timezone: ZoneInfo,
    subject: str,
    description: str = "",
    category: str | None = None,
    customer_id: int | None = None,
    registration_id: int | None = None,
    contact_phone: str | None = None,
    scheduled_at: datetime | None = None,
    created_via: str = "admin",
    photo: str | None = None,
) -> Ticket:
    day = now.astimezone(timezone).strftime("%Y%m%d")
    number = await sequences.next_value(session, f"TKT-{day}")
    ticket = Ticket(
        ticket_number=f"TKT-{day}-{number:04d}",
        kind=kind,
        status="open",
        category=category,
        subject=subject[:200],
        description=description,
        customer_id=customer_id,
        registration_id=registration_id,
        contact_phone=contact_phone,
        scheduled_at=scheduled_at,
        created_via=created_via,
        photo=photo,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    await session.flush()
    session.add(TicketEvent(ticket_id=ticket.id, from_status=None, to_status="open", created_at=now))
    await session.flush()
    return ticket


def of_customer(customer_id: int) -> ColumnElement[bool]:
    """A customer's tickets: those opened for them (support, their installation) and the
    survey of the registration they came from, opened before there was a customer (its
    registration is the installation ticket's)."""
    installation = aliased(Ticket)
    their_registrations = select(installation.registration_id).where(
        installation.customer_id == customer_id, installation.registration_id.is_not(None)
    )
    return or_(Ticket.customer_id == customer_id, Ticket.registration_id.in_(their_registrations))


async def open_of_registration(session: AsyncSession, registration_id: int, kind: str) -> Ticket | None:
    """The registration's newest ticket of this kind that is not resolved or closed."""
    found = await session.execute(
        select(Ticket)
        .where(Ticket.registration_id == registration_id, Ticket.kind == kind, Ticket.status.in_(ACTIVE))
        .order_by(Ticket.id.desc())
        .limit(1)
    )
    return found.scalar_one_or_none()


async def add_customer_note(session: AsyncSession, ticket: Ticket, note: str, *, now: datetime) -> TicketEvent:
    """What the customer reported again about an open ticket, in its history for staff;
    the status stays as it is."""
    return await add_note(session, ticket, note, now=now)


async def add_note(session: AsyncSession, ticket: Ticket, note: str, *, now: datetime) -> TicketEvent:
    """A note in the ticket's history for staff (the customer's words, what the bot could
    not do); the status stays as it is."""
    event = TicketEvent(ticket_id=ticket.id, from_status=ticket.status, to_status=ticket.status, note=note,
                        created_at=now)
    ticket.updated_at = now
    session.add(event)
    await session.flush()
    return event


async def change_status(
    session: AsyncSession, ticket: Ticket, status: str, *, now: datetime, actor_user_id: int | None, note: str | None
) -> TicketEvent:
    if status not in NEXT.get(ticket.status, ()):
        raise TicketTransitionRefused(f"a ticket cannot go from {ticket.status} to {status}")
    event = TicketEvent(
        ticket_id=ticket.id, from_status=ticket.status, to_status=status,
        actor_user_id=actor_user_id, note=note, created_at=now,
    )
    ticket.status = status
    ticket.updated_at = now
    if status == "resolved":
        ticket.resolved_at = now
    if status == "closed":
        ticket.closed_at = now
    session.add(event)
    await session.flush()
    return event
