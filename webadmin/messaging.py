"""WhatsApp messages staff send from the admin: resending a registration's last
notification, a custom text, and ticket updates. Each is rendered from a template in the
customer's language and queued in the outbox in the caller's transaction, through the
gateway the customer last wrote to (as `ispbot.workflow.notify` does)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ispbot import service_window
from ispbot.providers.messages import Contact
from ispbot.services import Services
from ispbot.storage import conversations
from ispbot.storage.lifecycle import Status
from ispbot.storage.models import Customer, Package, Registration, Ticket, User
from ispbot.webadmin.labels import TICKET_STATUS
from ispbot.workflow import tracking_url

# The message a registration's current status was announced with.
STATUS_TEMPLATE = {
    Status.PENDING_VERIFICATION: "registration_confirmation",
    Status.VERIFIED: "notify_verified",
    Status.SURVEY_SCHEDULED: "notify_survey_scheduled",
    Status.SURVEY_COMPLETED: "notify_survey_completed",
    Status.APPROVED: "notify_approved",
    Status.REJECTED: "notify_rejected",
    Status.CUSTOMER_CREATED: "notify_customer_created",
    Status.CANCELLED: "notify_cancelled",
}

TICKET_STATUS_EN = {"open": "Open", "in_progress": "In progress", "resolved": "Resolved", "closed": "Closed"}

MAX_CUSTOM_TEXT = 1500


async def queue(
    services: Services,
    session: AsyncSession,
    *,
    phone: str,
    contact_key: str | None,
    template: str,
    purpose: str,
    sent_by: User | None,
    locale: str | None = None,
    **context: Any,
) -> str:
    """Render `template` for this contact and put it in the outbox. Returns the text."""
    return await service_window.queue(
        services, session, Contact(phone=phone), template, purpose=purpose, conversation_key=contact_key or phone,
        locale=locale, sent_by=sent_by.id if sent_by else None, **context,
    )


async def resend_last(
    services: Services, session: AsyncSession, registration: Registration, actor: User
) -> str:
    """Send again the message that announced the registration's current status."""
    template = STATUS_TEMPLATE[Status(registration.status)]
    customer = None
    if registration.customer_id is not None:
        customer = await session.get(Customer, registration.customer_id)
    package = await session.get(Package, registration.package_id)
    await queue(
        services, session, phone=registration.phone, contact_key=registration.contact_key,
        template=template, purpose=f"resend:{template}", sent_by=actor, locale=registration.locale,
        registration=registration, customer=customer, package=package,
        tracking_url=tracking_url(services, registration),
    )
    return template


async def send_custom(
    services: Services, session: AsyncSession, registration: Registration, text: str, actor: User
) -> None:
    await queue(
        services, session, phone=registration.phone, contact_key=registration.contact_key,
        template="custom_message", purpose="custom", sent_by=actor, locale=registration.locale,
        name=registration.full_name, text=text,
    )


async def _ticket_contact(session: AsyncSession, ticket: Ticket) -> tuple[str | None, str | None, str | None]:
    """(phone, contact key, name) of the person a ticket is about."""
    if ticket.registration_id is not None:
        reg = await session.get(Registration, ticket.registration_id)
        if reg is not None:
            return ticket.contact_phone or reg.phone, reg.contact_key, reg.full_name
    if ticket.customer_id is not None:
        customer = await session.get(Customer, ticket.customer_id)
        if customer is not None:
            return ticket.contact_phone or customer.phone, None, customer.full_name
    return ticket.contact_phone, None, None


async def notify_ticket_status(
    services: Services, session: AsyncSession, ticket: Ticket, *, note: str | None, actor: User
) -> bool:
    """Tell the customer their ticket's new status. False when the ticket has no phone."""
    phone, contact_key, name = await _ticket_contact(session, ticket)
    if not phone:
        return False
    convo = await conversations.get(session, contact_key or phone)
    locale = (convo.locale if convo else None) or services.settings.locale
    label = (TICKET_STATUS_EN if locale == "en" else TICKET_STATUS).get(ticket.status, ticket.status)
    await queue(
        services, session, phone=phone, contact_key=contact_key, template="ticket_status",
        purpose=f"ticket:{ticket.status}", sent_by=actor, locale=locale,
        ticket=ticket, status_label=label, note=note, name=name,
    )
    return True


async def notify_ticket_assigned(
    services: Services, session: AsyncSession, ticket: Ticket, technician: User, *, actor: User
) -> bool:
    phone, contact_key, name = await _ticket_contact(session, ticket)
    if not phone:
        return False
    await queue(
        services, session, phone=phone, contact_key=contact_key, template="ticket_assigned",
        purpose="ticket:assigned", sent_by=actor, ticket=ticket, name=name,
        technician=technician.full_name or technician.username,
    )
    return True



async def notify_ticket_scheduled(
    services: Services, session: AsyncSession, ticket: Ticket, *, previous: datetime | None, actor: User
) -> bool:
    """Tell the customer when the technician comes (and the time it replaces)."""
    phone, contact_key, name = await _ticket_contact(session, ticket)
    if not phone:
        return False
    await queue(
        services, session, phone=phone, contact_key=contact_key, template="ticket_scheduled",
        purpose="ticket:scheduled", sent_by=actor, ticket=ticket, name=name, previous=previous,
    )
    return True

