"""WhatsApp messages to the ISP's own staff (SLA alerts to CS, the supervisors' digest):
rendered in ISPBOT_LOCALE and queued in the outbox like any other message, through the
configured gateway."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from ispbot import service_window
from ispbot.providers.messages import Contact
from ispbot.providers.phone import InvalidPhone, local_format, normalize_phone
from ispbot.services import Services
from ispbot.storage.models import Customer, Registration, Ticket, User

# Why a job was taken back from its technician: its registration rejected or cancelled
# (the visit is called off), the ticket unassigned or given to someone else, or closed or
# resolved in the admin by someone else before he had done it.
Withdrawn = Literal["rejected", "cancelled", "unassigned", "closed", "resolved"]


def staff_contact(target: str) -> Contact | None:
    """A staff number (`0812…`, `+62…`) or a gateway's group id (`1203…@g.us`, sent to on
    gateways that address chats by id: WAHA, Evolution). None when it is neither."""
    target = target.strip()
    if "@" in target:
        return Contact(phone=None, user_id=target)
    try:
        return Contact(phone=normalize_phone(target))
    except InvalidPhone:
        return None


async def send_to_staff(
    services: Services, session: AsyncSession, contact: Contact, template: str, *, purpose: str, **context: Any
) -> None:
    await service_window.queue(
        services, session, contact, template, purpose=purpose, locale=services.settings.locale,
        provider=services.settings.provider.value, admin_url=f"{services.settings.public_url}/admin", **context,
    )


async def _technician_contact(session: AsyncSession, user_id: int | None) -> Contact | None:
    technician = await session.get(User, user_id) if user_id else None
    return staff_contact(technician.phone) if technician is not None and technician.phone else None


async def tell_technician(
    services: Services, session: AsyncSession, ticket: Ticket, *, previous: datetime | None = None
) -> bool:
    """The ticket's job on the assigned staff member's WhatsApp (the number on their user
    page): what, when (and the time it replaces), where, whom to call. False without one."""
    contact = await _technician_contact(session, ticket.assigned_to)
    if contact is None:
        return False
    await send_to_staff(services, session, contact, "staff_ticket_assigned", purpose="staff:ticket", ticket=ticket,
                        previous=previous, call=local_format(ticket.contact_phone) if ticket.contact_phone else None)
    return True


async def tell_technician_withdrawn(
    services: Services, session: AsyncSession, ticket: Ticket, technician_id: int | None, *, reason: Withdrawn
) -> bool:
    """The job taken back from the technician it was sent to, so that he does not go to a
    visit that no longer holds: the ticket, whose it is and the time called off; nothing
    of the customer the assignment had not already told him. False without a number."""
    contact = await _technician_contact(session, technician_id)
    if contact is None:
        return False
    await send_to_staff(services, session, contact, "staff_ticket_withdrawn", purpose="staff:ticket", ticket=ticket,
                        reason=reason, customer=await _customer_name(session, ticket))
    return True


async def _customer_name(session: AsyncSession, ticket: Ticket) -> str | None:
    """Whose ticket it is; none once a registration's personal data is erased."""
    owner: Registration | Customer | None = None
    if ticket.registration_id:
        owner = await session.get(Registration, ticket.registration_id)
        if owner is not None and owner.personal_data_purged_at is not None:
            return None
    if owner is None and ticket.customer_id:
        owner = await session.get(Customer, ticket.customer_id)
    return owner.full_name if owner is not None else None
