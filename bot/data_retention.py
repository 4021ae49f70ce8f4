"""Retention (UU 27/2022 PDP): personal data is kept only as long as it is needed.

- `retention-purge`: the NIK and the KTP photo of a rejected or cancelled (abandoned by the
  customer) registration are deleted ISPBOT_RETENTION_DAYS after it ended. Only those two
  columns change (plus `personal_data_purged_at`); the photo file is deleted; each purge
  is an audit row. The registration itself stays for the statistics. The photo a customer
  sent with a fault report (often the inside of a home) goes the same number of days after
  its ticket was resolved or closed; the ticket and its text stay.
- `housekeeping`: delivered (`sent`) outbox rows and processed (`done`) inbox rows older
  than ISPBOT_MESSAGE_RETENTION_DAYS are deleted, and so are expired staff sessions.
  Kept: unsent, dead-lettered and failed rows (someone must look at them), and everything
  younger than the retention, which is at least 7 days: Meta retries an unanswered webhook
  for up to 7 days and the inbox's unique key is what stops such a retry being handled
  twice (the no-id window is 90 seconds). The admin transcript therefore shows the last
  ISPBOT_MESSAGE_RETENTION_DAYS of a chat.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, select

from ispbot.chat_photos import stored_file
from ispbot.ktp_encryption import KTP_PHOTOS, TICKET_PHOTOS
from ispbot.services import Services
from ispbot.storage import audit, pending_photos, sessions
from ispbot.storage.lifecycle import Status
from ispbot.storage.models import InboxMessage, OutboxMessage, Registration, Ticket

log = logging.getLogger(__name__)

ENDED = (Status.REJECTED.value, Status.CANCELLED.value)
TICKET_ENDED = ("resolved", "closed")
BATCH = 500


async def purge_ended_registrations(services: Services) -> int:
    """Delete NIK and KTP photo of registrations that ended long enough ago; returns how many."""
    now = services.clock.now()
    cutoff = now - timedelta(days=services.settings.retention_days)
    ended_at = func.coalesce(Registration.rejected_at, Registration.cancelled_at, Registration.updated_at)
    purged = 0
    while True:
        files: list[Path] = []
        async with services.db.transaction() as session:
            batch = list((await session.execute(
                select(Registration)
                .where(Registration.status.in_(ENDED), Registration.personal_data_purged_at.is_(None),
                       ended_at <= cutoff)
                .order_by(Registration.id).limit(BATCH)
            )).scalars())
            for registration in batch:
                removed = [c for c in ("id_card_number", "id_card_photo") if getattr(registration, c)]
                if (path := stored_file(services.settings.data_dir, KTP_PHOTOS, registration.id_card_photo)) is not None:
                    files.append(path)
                await pending_photos.forget(session, registration.id_card_photo)
                registration.id_card_number = None
                registration.id_card_photo = None
                registration.personal_data_purged_at = now
                if removed:
                    audit.record(
                        session, action="registration.personal_data_purged", now=now, actor_label="retention",
                        target_type="registration", target_id=registration.registration_number,
                        detail={"removed": removed, "status": registration.status,
                                "retention_days": services.settings.retention_days},
                    )
        for path in files:  # after the commit: a failed transaction leaves the photo in place
            path.unlink(missing_ok=True)
        purged += len(batch)
        if len(batch) < BATCH:
            return purged


async def purge_ended_ticket_photos(services: Services) -> int:
    """Delete the photo of tickets resolved or closed long enough ago; returns how many."""
    now = services.clock.now()
    cutoff = now - timedelta(days=services.settings.retention_days)
    ended_at = func.coalesce(Ticket.closed_at, Ticket.resolved_at, Ticket.updated_at)
    purged = 0
    while True:
        files: list[Path] = []
        async with services.db.transaction() as session:
            batch = list((await session.execute(
                select(Ticket)
                .where(Ticket.status.in_(TICKET_ENDED), Ticket.photo.is_not(None), ended_at <= cutoff)
                .order_by(Ticket.id).limit(BATCH)
            )).scalars())
            for ticket in batch:
                if (path := stored_file(services.settings.data_dir, TICKET_PHOTOS, ticket.photo)) is not None:
                    files.append(path)
                await pending_photos.forget(session, ticket.photo)
                ticket.photo = None
                audit.record(
                    session, action="ticket.photo_purged", now=now, actor_label="retention",
                    target_type="ticket", target_id=ticket.ticket_number,
                    detail={"status": ticket.status, "retention_days": services.settings.retention_days},
                )
        for path in files:
            path.unlink(missing_ok=True)
        purged += len(batch)
        if len(batch) < BATCH:
            return purged


async def prune_messages_and_sessions(services: Services) -> int:
    """Delete old delivered/processed messages and expired staff sessions; returns how many rows."""
    now = services.clock.now()
    cutoff = now - timedelta(days=services.settings.message_retention_days)
    async with services.db.transaction() as session:
        sent = await session.execute(
            delete(OutboxMessage).where(OutboxMessage.status == "sent", OutboxMessage.sent_at < cutoff)
        )
        done = await session.execute(
            delete(InboxMessage).where(InboxMessage.status == "done", InboxMessage.processed_at < cutoff)
        )
        expired = await sessions.purge_expired(session, now)
    total = int(sent.rowcount or 0) + int(done.rowcount or 0) + expired  # type: ignore[attr-defined]
    if total:
        log.info("housekeeping: %s outbox, %s inbox rows, %s sessions deleted",
                 sent.rowcount, done.rowcount, expired)  # type: ignore[attr-defined]
    return total
