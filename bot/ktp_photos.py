"""KTP photos sent by chat, fetched and stored privately by the `ktp-photos` job (how, in
`ispbot.chat_photos`). A refused photo is dropped and the customer is told on WhatsApp why
and that staff will ask for the KTP at verification; so is one the gateway never handed
over (by its WhatsApp template once the customer's 24-hour window has closed), and staff
find a note of it in the registration's history."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ispbot import service_window
from ispbot.chat_photos import MAX_BYTES, PhotoColumn, fetch_pending
from ispbot.ktp_encryption import KTP_PHOTOS
from ispbot.providers.messages import Contact
from ispbot.services import Services
from ispbot.storage import registrations
from ispbot.storage.models import Registration


async def _tell(
    services: Services, session: AsyncSession, registration: Registration, provider: str, template: str,
    **context: object,
) -> None:
    """Hours after the photo was sent, maybe more than a day: through the service window."""
    await service_window.queue(
        services, session, Contact(phone=registration.phone), template, purpose=template, provider=provider,
        locale=registration.locale, number=registration.registration_number, **context,
    )


async def _tell_refused(
    services: Services, session: AsyncSession, registration: Registration, provider: str, too_large: bool
) -> None:
    await _tell(services, session, registration, provider, "ktp_photo_refused", too_large=too_large,
                max_mb=MAX_BYTES // (1024 * 1024))


NOT_RECEIVED_NOTE = ("📷 Foto KTP yang dikirim pelanggan lewat WhatsApp tidak bisa diambil dari gateway "
                     "(medianya kedaluwarsa atau tidak tersedia). Pelanggan sudah diberi tahu bahwa foto KTP "
                     "akan diminta saat verifikasi.")


async def _tell_not_received(
    services: Services, session: AsyncSession, registration: Registration, provider: str
) -> None:
    await registrations.add_note(session, registration, NOT_RECEIVED_NOTE, now=services.clock.now())
    await _tell(services, session, registration, provider, "ktp_photo_not_received")


KTP = PhotoColumn(Registration.id_card_photo, KTP_PHOTOS, _tell_refused, "ktp photo of registration",
                  _tell_not_received)


async def fetch_pending_photos(services: Services) -> int:
    return await fetch_pending(services, KTP)
