"""WhatsApp messages to the ISP's own staff (SLA alerts to CS, the supervisors' digest):
rendered in ISPBOT_LOCALE and queued in the outbox like any other message, through the
configured gateway."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ispbot import service_window
from ispbot.providers.messages import Contact
from ispbot.providers.phone import InvalidPhone, local_format, normalize_phone
from ispbot.services import Services
from ispbot.storage.models import Ticket, User


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


async def tell_technician(
    services: Services, session: AsyncSession, ticket: Ticket, *, previous: datetime | None = None
) -> bool:
    """The ticket's job on the assigned staff member's WhatsApp (the number on their user
    page): what, when (and the time it replaces), where, whom to call. False without one."""
    technician = await session.get(User, ticket.assigned_to) if ticket.assigned_to else None
    contact = staff_contact(technician.phone) if technician is not None and technician.phone else None
    if contact is None:
        return False
    await send_to_staff(services, session, contact, "staff_ticket_assigned", purpose="staff:ticket", ticket=ticket,
                        previous=previous, call=local_format(ticket.contact_phone) if ticket.contact_phone else None)
    return True
