"""The photo a customer sends with a fault report, fetched and stored privately by the
`ticket-photos` job (how, in `ispbot.chat_photos`) and shown to staff on the ticket's admin
page. A refused photo is dropped and the customer is told on WhatsApp why; the ticket
goes ahead without it. So it does without one the gateway never handed over: the customer
is told (by its WhatsApp template once their 24-hour window has closed), and staff find a
note of it in the ticket's history."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ispbot import service_window
from ispbot.chat_photos import MAX_BYTES, PhotoColumn, fetch_pending
from ispbot.ktp_encryption import TICKET_PHOTOS
from ispbot.providers.messages import Contact
from ispbot.services import Services
from ispbot.storage import tickets
from ispbot.storage.models import Ticket


async def _tell(
    services: Services, session: AsyncSession, ticket: Ticket, provider: str, template: str, **context: object
) -> None:
    """In the customer's language, through the service window (hours after the photo was sent)."""
    if not ticket.contact_phone:
        return
    await service_window.queue(
        services, session, Contact(phone=ticket.contact_phone), template, purpose=template, provider=provider,
        number=ticket.ticket_number, **context,
    )


async def _tell_refused(
    services: Services, session: AsyncSession, ticket: Ticket, provider: str, too_large: bool
) -> None:
    await _tell(services, session, ticket, provider, "ticket_photo_refused", too_large=too_large,
                max_mb=MAX_BYTES // (1024 * 1024))


NOT_RECEIVED_NOTE = ("📷 Foto yang dikirim pelanggan dengan laporan ini tidak bisa diambil dari gateway WhatsApp "
                     "(medianya kedaluwarsa atau tidak tersedia). Pelanggan sudah diberi tahu; mintalah fotonya "
                     "lewat chat bila diperlukan.")


async def _tell_not_received(services: Services, session: AsyncSession, ticket: Ticket, provider: str) -> None:
    await tickets.add_note(session, ticket, NOT_RECEIVED_NOTE, now=services.clock.now())
    await _tell(services, session, ticket, provider, "ticket_photo_not_received")


TICKET = PhotoColumn(Ticket.photo, TICKET_PHOTOS, _tell_refused, "photo of ticket", _tell_not_received)


async def fetch_pending_photos(services: Services) -> int:
    return await fetch_pending(services, TICKET)
