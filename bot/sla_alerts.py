"""SLA alerts: registrations waiting for verification longer than ISPBOT_SLA_PENDING_HOURS
are sent to CS by WhatsApp (ISPBOT_SLA_ALERT_TO, default ISPBOT_CS_PHONE), each one once:
the registration is marked `sla_alerted_at` in the same transaction as the message."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from ispbot.services import Services
from ispbot.staff_whatsapp import send_to_staff, staff_contact
from ispbot.storage.lifecycle import Status
from ispbot.storage.models import Registration

log = logging.getLogger(__name__)

MAX_LISTED = 20  # one message lists at most this many; the rest follow at the next run


def overdue_before(services: Services) -> datetime:
    """Registrations created before this and still pending are overdue."""
    return services.clock.now() - timedelta(hours=services.settings.sla_pending_hours)


async def alert_overdue_registrations(services: Services) -> int:
    """Send one WhatsApp listing the newly overdue registrations; returns how many."""
    target = services.settings.sla_alert_to or services.settings.cs_phone
    contact = staff_contact(target)
    if contact is None:
        log.warning("SLA alerts: %r is neither a phone number nor a group id", target)
        return 0
    now = services.clock.now()
    async with services.db.transaction() as session:
        overdue = list((await session.execute(
            select(Registration)
            .where(
                Registration.status == Status.PENDING_VERIFICATION.value,
                Registration.created_at <= overdue_before(services),
                Registration.sla_alerted_at.is_(None),
            )
            .order_by(Registration.created_at, Registration.id)
            .limit(MAX_LISTED)
            .with_for_update(skip_locked=True)
        )).scalars())
        if not overdue:
            return 0
        rows = [
            {"number": r.registration_number, "name": r.full_name, "hours": int((now - r.created_at).total_seconds() // 3600),
             "url": f"{services.settings.public_url}/admin/registrations/{r.id}"}
            for r in overdue
        ]
        await send_to_staff(services, session, contact, "sla_alert", purpose="staff:sla_alert",
                            registrations=rows, hours=services.settings.sla_pending_hours)
        for registration in overdue:
            registration.sla_alerted_at = now
    return len(overdue)
