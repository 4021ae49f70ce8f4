"""Staff actions on a registration, shared by the admin, the API and the scheduler: the
lifecycle rule, its side effects (survey ticket, customer + installation ticket), the
audit row and the customer's WhatsApp message, in the caller's ONE transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ispbot import service_window
from ispbot.providers.messages import Contact
from ispbot.services import Services
from ispbot.staff_whatsapp import Withdrawn, tell_technician, tell_technician_withdrawn
from ispbot.storage import audit, customers, registrations, tickets
from ispbot.storage.lifecycle import Action, Status
from ispbot.storage.models import Customer, Registration, RegistrationEvent, User

# The message template each action sends (seed texts: messages/id/notify_*.j2).
NOTIFICATION = {
    Action.VERIFY: "notify_verified",
    Action.SCHEDULE_SURVEY: "notify_survey_scheduled",
    Action.COMPLETE_SURVEY: "notify_survey_completed",
    Action.APPROVE: "notify_approved",
    Action.REJECT: "notify_rejected",
    Action.CREATE_CUSTOMER: "notify_customer_created",
    Action.CANCEL: "notify_cancelled",
}


# What an action does to the registration's open survey ticket: (ticket status, its note).
SURVEY_TICKET_ENDS = {
    Action.COMPLETE_SURVEY: ("resolved", "Survey selesai (status pendaftaran)"),
    Action.REJECT: ("closed", "Pendaftaran ditolak"),
    Action.CANCEL: ("closed", "Pendaftaran dibatalkan"),
}
# The actions that call the survey off: its technician is told not to go.
VISIT_CALLED_OFF: dict[Action, Withdrawn] = {Action.REJECT: "rejected", Action.CANCEL: "cancelled"}
SURVEY_NOT_DUE = "Survey dijadwalkan di hari lain; tandai selesai pada hari survey dilakukan."


def survey_not_yet_due(services: Services, registration: Registration) -> bool:
    """Whether the survey is on a later day than today (local). Marked done before then, it
    would be recorded as done on a day it was not; the registration's button and the
    technician's survey ticket both follow this one rule."""
    if registration.status != Status.SURVEY_SCHEDULED or registration.survey_date is None:
        return False
    tz = services.settings.tz
    return registration.survey_date.astimezone(tz).date() > services.clock.now().astimezone(tz).date()


def tracking_url(services: Services, registration: Registration) -> str:
    return f"{services.settings.public_url}/track/{registration.registration_number}"


async def notify(
    services: Services,
    session: AsyncSession,
    registration: Registration,
    template: str,
    *,
    customer: Customer | None = None,
    purpose: str | None = None,
    sent_by: int | None = None,
    **context: Any,
) -> None:
    """Queue the registration's WhatsApp message through the gateway the customer uses
    (as a template there when the Cloud API's 24-hour window has closed)."""
    await service_window.queue(
        services,
        session,
        Contact(phone=registration.phone),
        template,
        purpose=purpose or f"notify:{template}",
        conversation_key=registration.contact_key or registration.phone,
        locale=registration.locale or services.settings.locale,
        sent_by=sent_by,
        registration=registration,
        customer=customer,
        tracking_url=tracking_url(services, registration),
        **context,
    )


async def act(
    services: Services,
    session: AsyncSession,
    registration: Registration,
    action: Action,
    *,
    actor: User | None,
    note: str | None = None,
    reason: str | None = None,
    survey_date: datetime | None = None,
    ip: str | None = None,
) -> RegistrationEvent:
    """Apply one action. Raises TransitionRefused / ValueError before changing anything.

    The survey ticket follows the registration: a new time moves it, the survey marked
    done resolves it, a rejection or cancellation closes it and tells its technician (no
    technician is sent to a registration that ended)."""
    now = services.clock.now()
    tz = services.settings.tz
    if action is Action.COMPLETE_SURVEY and survey_not_yet_due(services, registration):
        raise ValueError(SURVEY_NOT_DUE)
    previous_survey = registration.survey_date if registration.status == "survey_scheduled" else None
    rescheduled = action is Action.SCHEDULE_SURVEY and previous_survey is not None
    event = await registrations.apply(
        session, registration, action, now=now, actor=actor, note=note, reason=reason, survey_date=survey_date
    )
    customer = None
    actor_id = actor.id if actor else None
    survey = await tickets.open_of_registration(session, registration.id, "survey")
    if action in SURVEY_TICKET_ENDS and survey is not None:
        status, why = SURVEY_TICKET_ENDS[action]
        await tickets.change_status(session, survey, status, now=now, actor_user_id=actor_id, note=why)
        if action in VISIT_CALLED_OFF:
            await tell_technician_withdrawn(services, session, survey, survey.assigned_to,
                                            reason=VISIT_CALLED_OFF[action])
    if rescheduled and survey is not None:
        survey.scheduled_at, survey.updated_at = survey_date, now  # the technician's one ticket moves
        await tell_technician(services, session, survey, previous=previous_survey)
    elif action is Action.SCHEDULE_SURVEY:
        await tickets.open_ticket(
            session, kind="survey", now=now, timezone=tz, registration_id=registration.id,
            subject=f"Survey lokasi {registration.registration_number}",
            description=f"{registration.full_name}, {registration.address}, {registration.kelurahan}, "
            f"{registration.kecamatan}, {registration.city}",
            contact_phone=registration.phone, scheduled_at=survey_date,
        )
    elif action is Action.CREATE_CUSTOMER:
        customer = await customers.create_from_registration(
            session, registration, prefix=services.settings.customer_id_prefix, now=now, timezone=tz
        )
        await tickets.open_ticket(
            session, kind="installation", now=now, timezone=tz, registration_id=registration.id,
            customer_id=customer.id, subject=f"Instalasi {customer.customer_code}",
            description=f"{registration.address}, {registration.kelurahan}, {registration.kecamatan}, {registration.city}",
            contact_phone=registration.phone,
            scheduled_at=None,
        )
    audit.record(
        session, action=f"registration.{action.value}", now=now, actor=actor,
        target_type="registration", target_id=registration.registration_number,
        detail={"from": event.from_status, "to": event.to_status, "note": note or reason}, ip=ip,
    )
    await notify(services, session, registration, NOTIFICATION[action], customer=customer, sent_by=actor_id,
                 previous_survey_date=previous_survey if rescheduled else None)
    return event
