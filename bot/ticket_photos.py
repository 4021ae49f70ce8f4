"""The photo a customer sends with a fault report, fetched and stored privately by the
`ticket-photos` job (how, in `ispbot.chat_photos`) and shown to staff on the ticket's admin
page. A refused photo is dropped and the customer is told on WhatsApp why; the ticket
goes ahead without it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.chat_photos import MAX_BYTES, PhotoColumn, fetch_pending
from ispbot.ktp_encryption import TICKET_PHOTOS
from ispbot.providers.messages import Contact, OutboundKind, OutboundMessage
from ispbot.services import Services
from ispbot.storage import conversations, outbox
from ispbot.storage.models import Ticket


async def _tell_refused(
    services: Services, session: AsyncSession, ticket: Ticket, provider: str, too_large: bool
) -> None:
    if not ticket.contact_phone:
        return
    convo = await conversations.get(session, ticket.contact_phone)
    text = services.messages.render(
        (convo.locale if convo else None) or services.settings.locale, "ticket_photo_refused",
        number=ticket.ticket_number, too_large=too_large, max_mb=MAX_BYTES // (1024 * 1024),
    )
    message = OutboundMessage(to=Contact(phone=ticket.contact_phone), kind=OutboundKind.TEXT, text=text)
    await outbox.enqueue(session, provider=provider, message=message, now=services.clock.now(),
                         purpose="ticket_photo_refused")


TICKET = PhotoColumn(Ticket.photo, TICKET_PHOTOS, _tell_refused, "photo of ticket")


async def fetch_pending_photos(services: Services) -> int:
    return await fetch_pending(services, TICKET)
