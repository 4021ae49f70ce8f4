"""Carrying out a customer's data deletion request (UU 27/2022 PDP), by staff in the admin.

Deleted or anonymised:
- every registration of the number that did not become a subscription: NIK, KTP photo
  (file too), name, email, phone, street address, RT/RW, location, landmark and notes;
  one still in progress is cancelled first. Kept on it: the number, dates, status, package
  and the area (city, kecamatan, kelurahan, postcode) — not personal on their own, and the
  statistics need them;
- on an approved registration or a customer's: the NIK and KTP photo (verification is
  done) — the rest is the subscription contract;
- the chat: conversation state, every stored message to and from the number, the
  conversation events, the number's one-time codes;
- the tickets of those registrations and the number's support tickets (not a customer's):
  text, photo (file too) and phone; an open one is closed.
Kept, because the law requires it: the customer record and its invoices (contract and tax
records, UU KUP), and the audit log and the request itself (proof of the processing).

A number with none of those (no registration, customer or ticket: `holds_records`) has
only its chat: that is deleted at once from the chat itself (`erase_chat_only`), the
request recorded as done, with no staff step that could add nothing.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot import service_window
from ispbot.chat_photos import stored_file
from ispbot.ktp_encryption import KTP_PHOTOS, TICKET_PHOTOS
from ispbot.providers.messages import Contact
from ispbot.services import Services
from ispbot.staff_whatsapp import tell_technician_withdrawn
from ispbot.storage import audit, conversations, pending_photos, registrations, tickets
from ispbot.storage.lifecycle import BEFORE_APPROVAL, Action, Status
from ispbot.storage.models import (
    Conversation,
    ConversationEvent,
    Customer,
    DataDeletionRequest,
    InboxMessage,
    Invoice,
    OtpCode,
    OutboxMessage,
    Registration,
    Ticket,
    User,
)

SUBSCRIBED = (Status.APPROVED.value, Status.CUSTOMER_CREATED.value)
ANONYMISED = "(dihapus)"


async def found_for(session: AsyncSession, request: DataDeletionRequest) -> tuple[list[Registration], list[Customer]]:
    """The registrations and customers of the requesting number."""
    return await _found(session, request.contact_key, request.phone)


async def _found(session: AsyncSession, contact_key: str, phone: str | None) -> tuple[list[Registration], list[Customer]]:
    conditions = [Registration.contact_key == contact_key]
    if phone:
        conditions.append(Registration.phone == phone)
    regs = list((await session.execute(select(Registration).where(or_(*conditions)).order_by(Registration.id))).scalars())
    customers = list((await session.execute(
        select(Customer).where(Customer.phone == phone).order_by(Customer.id)
    )).scalars()) if phone else []
    return regs, customers


async def holds_records(session: AsyncSession, contact_key: str, phone: str | None) -> bool:
    """Whether anything but the chat is stored for the number: a registration, a customer,
    or a support ticket of its own (what `erase` scrubs besides the chat)."""
    regs, customers = await _found(session, contact_key, phone)
    if regs or customers:
        return True
    if not phone:
        return False
    ticket = await session.execute(
        select(Ticket.id).where(Ticket.customer_id.is_(None), Ticket.contact_phone == phone).limit(1))
    return ticket.first() is not None


async def _erase_chat(session: AsyncSession, contact_key: str, phone: str | None) -> int:
    """The stored messages to and from the number (those still to be sent or read stay),
    its conversation events and one-time codes. Returns how many messages went."""
    messages = 0
    for table, done in ((OutboxMessage, OutboxMessage.status.in_(("sent", "dead"))),
                        (InboxMessage, InboxMessage.status != "pending")):
        result = await session.execute(delete(table).where(table.contact_key == contact_key, done))
        messages += int(result.rowcount or 0)  # type: ignore[attr-defined]
    await session.execute(delete(ConversationEvent).where(ConversationEvent.contact_key == contact_key))
    if phone:
        await session.execute(delete(OtpCode).where(OtpCode.phone == phone))
    return messages


# Kept in the conversation when its chat is erased from the chat: the unknown customer ids
# tried this hour (times only), or erasing would make room for three more guesses.
_KEPT_IN_CONVERSATION = ("_account_id_misses",)


async def erase_chat_only(
    session: AsyncSession, request: DataDeletionRequest, conversation: Conversation, now: datetime
) -> dict[str, Any]:
    """A number with nothing but its chat (`holds_records` False): the chat erased now, from
    the chat, the conversation row kept for the chat to go on (its answers, link and codes
    emptied), the request marked done and audited. Returns the outcome."""
    messages = await _erase_chat(session, request.contact_key, request.phone)
    conversation.data = {k: v for k, v in (conversation.data or {}).items() if k in _KEPT_IN_CONVERSATION}
    outcome: dict[str, Any] = {
        "registrations_anonymised": [], "registrations_cancelled": [], "registrations_identity_deleted": [],
        "photos_deleted": 0, "chat_messages_deleted": messages, "tickets_scrubbed": [], "customers_kept": [],
        "invoices_kept": 0, "by_chat": True,
    }
    request.status, request.handled_at, request.outcome = "done", now, outcome
    audit.record(session, action="data_request.complete", now=now, actor_label="chat",
                 target_type="data_request", target_id=f"HD-{request.id}", detail=outcome)
    return outcome


def _anonymise(registration: Registration) -> None:
    registration.full_name = ANONYMISED
    registration.email = f"dihapus-{registration.id}@invalid"
    registration.phone = ""
    registration.contact_key = None
    registration.address = ANONYMISED
    registration.rt = registration.rw = None
    registration.latitude = registration.longitude = None
    registration.address_notes = registration.notes = None


async def erase(
    services: Services, session: AsyncSession, request: DataDeletionRequest, actor: User, ip: str | None
) -> list[Path]:
    """Do what the module says, mark the request done, audit it and tell the customer.
    Returns the photo files to delete once the transaction has committed."""
    now = services.clock.now()
    regs, customers = await found_for(session, request)
    files: list[Path] = []
    cancelled, anonymised, identity_only = [], [], []
    for registration in regs:
        if registration.status in BEFORE_APPROVAL:
            await registrations.apply(session, registration, Action.CANCEL, now=now, actor=actor,
                                      note=f"permintaan hapus data HD-{request.id}")
            cancelled.append(registration.registration_number)
        if (path := stored_file(services.settings.data_dir, KTP_PHOTOS, registration.id_card_photo)) is not None:
            files.append(path)
        await pending_photos.forget(session, registration.id_card_photo)
        registration.id_card_number = registration.id_card_photo = None
        registration.personal_data_purged_at = now
        if registration.status in SUBSCRIBED:
            identity_only.append(registration.registration_number)
        else:
            _anonymise(registration)
            anonymised.append(registration.registration_number)

    scrubbed, ticket_photos = await _scrub_tickets(
        services, session, request, [r.id for r in regs if r.status not in SUBSCRIBED], actor, now
    )
    files += [path for name in ticket_photos
              if (path := stored_file(services.settings.data_dir, TICKET_PHOTOS, name)) is not None]

    key = request.contact_key
    convo = await conversations.get(session, key)
    provider = convo.provider if convo else services.settings.provider.value
    locale = convo.locale if convo else services.settings.locale
    messages = await _erase_chat(session, key, request.phone)
    await session.execute(delete(Conversation).where(Conversation.contact_key == key))
    invoices = 0
    if customers:
        invoices = int((await session.execute(
            select(func.count()).select_from(Invoice).where(Invoice.customer_id.in_([c.id for c in customers]))
        )).scalar_one())

    outcome: dict[str, Any] = {
        "registrations_anonymised": anonymised, "registrations_cancelled": cancelled,
        "registrations_identity_deleted": identity_only, "photos_deleted": len(files),
        "chat_messages_deleted": messages, "tickets_scrubbed": scrubbed,
        "customers_kept": [c.customer_code for c in customers],
        "invoices_kept": invoices,
    }
    request.status, request.handled_at, request.handled_by, request.outcome = "done", now, actor.id, outcome
    audit.record(session, action="data_request.complete", now=now, actor=actor, ip=ip,
                 target_type="data_request", target_id=f"HD-{request.id}", detail=outcome)
    deleted, kept = _summary(outcome, locale)
    to = Contact(phone=request.phone, user_id=None if request.phone else key.removeprefix("uid:"))
    await service_window.queue(services, session, to, "deletion_done", purpose="data_request:done",
                               conversation=convo, locale=locale, provider=provider, sent_by=actor.id,
                               request_id=request.id, deleted=deleted, kept=kept)
    return files


async def _scrub_tickets(
    services: Services, session: AsyncSession, request: DataDeletionRequest, registration_ids: list[int],
    actor: User, now: datetime,
) -> tuple[list[str], list[str]]:
    """The tickets of the anonymised registrations and the number's own support tickets
    (those of no customer): their text (name, address, the complaint), photo and phone go;
    an open one is closed and its technician told, so no one goes to an address that is no
    longer known, and nothing is sent to the number. A customer's tickets stay with the
    subscription.
    Returns their numbers and the names of the photos whose files are to be deleted."""
    mine = [Ticket.registration_id.in_(registration_ids)] if registration_ids else []
    if request.phone:
        mine.append(and_(Ticket.customer_id.is_(None), Ticket.contact_phone == request.phone))
    if not mine:
        return [], []
    found = list((await session.execute(
        select(Ticket).where(or_(*mine), Ticket.customer_id.is_(None)).order_by(Ticket.id)
    )).scalars())
    photos = []
    for ticket in found:
        if ticket.status != "closed":
            visit_ahead = ticket.status in tickets.ACTIVE
            await tickets.change_status(session, ticket, "closed", now=now, actor_user_id=actor.id,
                                        note=f"Data dihapus atas permintaan HD-{request.id}")
            if visit_ahead:
                await tell_technician_withdrawn(services, session, ticket, ticket.assigned_to,
                                                reason="cancelled" if ticket.registration_id else "unassigned")
        if ticket.photo:
            photos.append(ticket.photo)
            await pending_photos.forget(session, ticket.photo)
        ticket.description, ticket.photo, ticket.contact_phone = ANONYMISED, None, None
    return [t.ticket_number for t in found], photos


def _summary(outcome: dict[str, Any], locale: str) -> tuple[list[str], list[str]]:
    en = locale == "en"
    deleted = ["chat history and conversation data" if en else "riwayat chat dan data percakapan"]
    if outcome["registrations_anonymised"]:
        numbers = ", ".join(outcome["registrations_anonymised"])
        deleted.append(f"NIK, KTP photo, name, email, phone and address of {numbers}" if en
                       else f"NIK, foto KTP, nama, email, nomor dan alamat pada {numbers}")
    if outcome["registrations_identity_deleted"]:
        numbers = ", ".join(outcome["registrations_identity_deleted"])
        deleted.append(f"NIK and KTP photo of {numbers}" if en else f"NIK dan foto KTP pada {numbers}")
    if outcome["registrations_cancelled"]:
        deleted.append(("cancelled: " if en else "dibatalkan: ") + ", ".join(outcome["registrations_cancelled"]))
    kept = []
    for code in outcome["customers_kept"]:
        kept.append(f"subscription {code} and its {outcome['invoices_kept']} invoice(s) (contract and tax records)" if en
                    else f"langganan {code} beserta {outcome['invoices_kept']} tagihan (kontrak dan catatan pajak)")
    return deleted, kept
