"""Registrations: creating them (with a unique `REG-YYYYMMDD-NNNN`), finding them, and
applying lifecycle actions with a history row. Only flushes; callers own the transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ispbot.storage import sequences
from ispbot.storage.customers import CURRENT as CURRENT_ACCOUNTS
from ispbot.storage.lifecycle import ACTIVE, Action, Status, next_status
from ispbot.storage.models import Customer, Package, Registration, RegistrationEvent, User


@dataclass
class NewRegistration:
    full_name: str
    email: str
    phone: str
    address: str
    kelurahan: str
    kecamatan: str
    city: str
    package_id: int
    rt: str | None = None
    rw: str | None = None
    postal_code: str | None = None
    region_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    address_notes: str | None = None
    id_card_number: str | None = None
    id_card_photo: str | None = None
    preferred_installation_date: date | None = None
    preferred_time_slot: str | None = None
    notes: str | None = None
    whatsapp_verified: bool = False
    contact_key: str | None = None
    source: str = "whatsapp"
    locale: str = "id"
    extra: dict[str, Any] = field(default_factory=dict)  # referral_code, utm_*


@dataclass(frozen=True)
class Duplicate:
    registration_number: str | None
    status: str | None
    customer_code: str | None
    matched_on: str  # "email" | "phone"
    phone: str = ""  # the registration's or customer's WhatsApp number
    contact_key: str | None = None  # the chat that made the registration

    def belongs_to(self, contact_key: str, phone: str | None) -> bool:
        """Made by this chat, or for this chat's number: only then may its number, status
        or customer ID be told (otherwise anyone typing a stranger's email would learn them)."""
        return _chats_own(self.phone, self.contact_key, phone, contact_key)


async def find_duplicate(session: AsyncSession, *, email: str | None, phone: str | None) -> Duplicate | None:
    """An open registration or an existing customer with this email or phone."""
    if not email and not phone:
        return None
    found = await session.execute(open_registrations_with(email, phone))
    if (reg := found.scalar_one_or_none()) is not None:
        on = "email" if email and reg.email.lower() == email.lower() else "phone"
        return Duplicate(reg.registration_number, reg.status, None, on, reg.phone, reg.contact_key)
    found_customer = await session.execute(active_customers_with(email, phone))
    if (customer := found_customer.scalar_one_or_none()) is not None:
        on = "email" if email and customer.email.lower() == email.lower() else "phone"
        return Duplicate(None, None, customer.customer_code, on, customer.phone)
    return None


def open_registrations_with(email: str | None, phone: str | None) -> Select[tuple[Registration]]:
    """The newest open registration with this email (any case) or phone; through the
    lower(email) and phone indexes (test_email_lookups)."""
    return (
        select(Registration)
        .where(_email_or_phone(Registration, email, phone), Registration.status.in_([s.value for s in ACTIVE]))
        .order_by(Registration.id.desc())
        .limit(1)
    )


def active_customers_with(email: str | None, phone: str | None) -> Select[tuple[Customer]]:
    return select(Customer).where(_email_or_phone(Customer, email, phone), Customer.account_status.in_(CURRENT_ACCOUNTS)).limit(1)


def _email_or_phone(model: type[Registration] | type[Customer], email: str | None, phone: str | None) -> Any:
    conditions = []
    if email:
        conditions.append(func.lower(model.email) == email.lower())
    if phone:
        conditions.append(model.phone == phone)
    return or_(*conditions)


# The statuses in which a registration waits for staff (verify, schedule the survey, mark
# it done, approve, create the customer): "next" walks the queue of the one on screen.
WAITING_FOR_STAFF = (Status.PENDING_VERIFICATION, Status.VERIFIED, Status.SURVEY_SCHEDULED,
                     Status.SURVEY_COMPLETED, Status.APPROVED)


def queue_of(registration: Registration, asked: str | None = None) -> Status:
    """The queue an agent works through on a registration's page: the one named (the agent
    came from it: after verifying, the next one to verify), else the registration's own
    status while it waits for staff, else the verification queue."""
    for status in (asked, registration.status):
        if status in WAITING_FOR_STAFF:
            return Status(status)
    return Status.PENDING_VERIFICATION


async def next_waiting(session: AsyncSession, *, after: Registration, queue: Status) -> Registration | None:
    """The registration a CS agent clears next: the oldest other one in `queue`, the first
    to pass its SLA."""
    found = await session.execute(
        select(Registration)
        .where(Registration.status == queue.value, Registration.id != after.id)
        .order_by(Registration.created_at, Registration.id)
        .limit(1)
    )
    return found.scalar_one_or_none()


async def sharing_nik(session: AsyncSession, registration: Registration, limit: int = 5) -> list[Registration]:
    """Other registrations carrying this one's KTP number, newest first: one person
    registering twice, or a NIK typed from someone else's card (staff look before
    verifying)."""
    if not registration.id_card_number:
        return []
    found = await session.execute(
        select(Registration)
        .where(Registration.id_card_number == registration.id_card_number, Registration.id != registration.id)
        .order_by(Registration.id.desc())
        .limit(limit)
    )
    return list(found.scalars())


async def create(
    session: AsyncSession, new: NewRegistration, *, quoted_monthly_price: int, now: datetime, timezone: ZoneInfo,
    actor_label: str = "customer",
) -> Registration:
    """`quoted_monthly_price` is the package's price as the customer was shown it and
    agreed to; the registration keeps it whatever the package's price becomes."""
    day = now.astimezone(timezone).strftime("%Y%m%d")
    number = await sequences.next_value(session, f"REG-{day}")
    registration = Registration(
        registration_number=f"REG-{day}-{number:04d}",
        status=Status.PENDING_VERIFICATION.value,
        full_name=new.full_name,
        email=new.email,
        phone=new.phone,
        contact_key=new.contact_key,
        whatsapp_verified=new.whatsapp_verified,
        whatsapp_verified_at=now if new.whatsapp_verified else None,
        id_card_number=new.id_card_number,
        id_card_photo=new.id_card_photo,
        address=new.address,
        rt=new.rt,
        rw=new.rw,
        kelurahan=new.kelurahan,
        kecamatan=new.kecamatan,
        city=new.city,
        postal_code=new.postal_code,
        region_code=new.region_code,
        latitude=new.latitude,
        longitude=new.longitude,
        address_notes=new.address_notes,
        package_id=new.package_id,
        quoted_monthly_price=quoted_monthly_price,
        preferred_installation_date=new.preferred_installation_date,
        preferred_time_slot=new.preferred_time_slot,
        notes=new.notes,
        referral_code=new.extra.get("referral_code"),
        utm_source=new.extra.get("utm_source"),
        utm_medium=new.extra.get("utm_medium"),
        utm_campaign=new.extra.get("utm_campaign"),
        source=new.source,
        locale=new.locale,
        created_at=now,
        updated_at=now,
    )
    session.add(registration)
    await session.flush()
    session.add(
        RegistrationEvent(
            registration_id=registration.id,
            from_status=None,
            to_status=registration.status,
            actor_label=actor_label,
            note=None,
            created_at=now,
        )
    )
    await session.flush()
    return registration


async def by_number(session: AsyncSession, number: str, *, for_update: bool = False) -> Registration | None:
    stmt = (
        select(Registration)
        .options(selectinload(Registration.package))
        .where(Registration.registration_number == number.strip().upper())
    )
    if for_update and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def by_id(session: AsyncSession, registration_id: int, *, for_update: bool = False) -> Registration | None:
    stmt = select(Registration).options(selectinload(Registration.package)).where(Registration.id == registration_id)
    if for_update and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def made_by(registration: Registration, phone: str, contact_key: str) -> bool:
    """This chat's own: for its number, or made in it (for another number of the family's)."""
    return _chats_own(registration.phone, registration.contact_key, phone, contact_key)


def _chats_own(record_phone: str, record_contact: str | None, phone: str | None, contact_key: str) -> bool:
    """One rule for registrations and duplicates: for the chat's number, or made in the chat."""
    return (phone is not None and record_phone == phone) or (record_contact is not None and record_contact == contact_key)


async def of_chat(session: AsyncSession, phone: str, contact_key: str, limit: int = 5) -> list[Registration]:
    """The registrations for this chat's number or made in it."""
    rows = await session.execute(
        select(Registration)
        .options(selectinload(Registration.package))
        .where(or_(Registration.phone == phone, Registration.contact_key == contact_key))
        .order_by(Registration.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def by_email(session: AsyncSession, email: str, limit: int = 5) -> list[Registration]:
    rows = await session.execute(with_email(email, limit).options(selectinload(Registration.package)))
    return list(rows.scalars())


def with_email(email: str, limit: int = 5) -> Select[tuple[Registration]]:
    """The newest registrations with this email, any case (through ix_registrations_email_lower)."""
    return (
        select(Registration)
        .where(func.lower(Registration.email) == email.strip().lower())
        .order_by(Registration.id.desc())
        .limit(limit)
    )


async def packages(session: AsyncSession, category: str = "broadband") -> list[Package]:
    rows = await session.execute(
        select(Package)
        .where(Package.is_active.is_(True), Package.category == category)
        .order_by(Package.sort_order, Package.monthly_price)
    )
    return list(rows.scalars())


async def apply(
    session: AsyncSession,
    registration: Registration,
    action: Action,
    *,
    now: datetime,
    actor: User | None = None,
    actor_label: str | None = None,
    note: str | None = None,
    reason: str | None = None,
    survey_date: datetime | None = None,
) -> RegistrationEvent:
    """Move the registration along its lifecycle (TransitionRefused if not allowed) and
    record who did it. The caller adds the side effects (tickets, customer, message)."""
    before = registration.status
    after = next_status(before, action)
    if action is Action.REJECT and not (reason or "").strip():
        raise ValueError("a rejection needs a reason")
    if action is Action.SCHEDULE_SURVEY and survey_date is None:
        raise ValueError("a survey needs a date and time")
    if action is Action.SCHEDULE_SURVEY and before == "survey_scheduled" and registration.survey_date == survey_date:
        # A form sent twice (a slow link, a reload): the customer is not told again.
        raise ValueError("the survey is already at that time")
    registration.status = after.value
    registration.updated_at = now
    actor_id = actor.id if actor else None
    if action is Action.VERIFY:
        registration.verified_at, registration.verified_by = now, actor_id
    elif action is Action.SCHEDULE_SURVEY:
        registration.survey_date, registration.survey_scheduled_at = survey_date, now
    elif action is Action.COMPLETE_SURVEY:
        registration.survey_completed_at = now
    elif action is Action.APPROVE:
        registration.approved_at, registration.approved_by = now, actor_id
    elif action is Action.REJECT:
        registration.rejected_at, registration.rejected_by = now, actor_id
        registration.rejection_reason = (reason or "").strip()
    elif action is Action.CANCEL:
        registration.cancelled_at = now
    elif action is Action.CREATE_CUSTOMER:
        registration.customer_created_at = now
    event = RegistrationEvent(
        registration_id=registration.id,
        from_status=before,
        to_status=after.value,
        actor_user_id=actor_id,
        actor_label=actor_label or (actor.username if actor else "system"),
        note=(note or reason or None),
        created_at=now,
    )
    session.add(event)
    await session.flush()
    return event


async def add_note(session: AsyncSession, registration: Registration, note: str, *, now: datetime) -> RegistrationEvent:
    """A note of the system's in the registration's history for staff (a photo that never
    came); the status stays as it is."""
    event = RegistrationEvent(registration_id=registration.id, from_status=registration.status,
                              to_status=registration.status, actor_label="system", note=note, created_at=now)
    session.add(event)
    await session.flush()
    return event


async def history(session: AsyncSession, registration_id: int) -> list[RegistrationEvent]:
    rows = await session.execute(
        select(RegistrationEvent)
        .where(RegistrationEvent.registration_id == registration_id)
        .order_by(RegistrationEvent.id)
    )
    return list(rows.scalars())
