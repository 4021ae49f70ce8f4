"""The tables of the whole product, as SQLAlchemy 2 typed models.

Rules live in the aggregate modules beside this one (registrations, outbox, otp, …);
this module only says what is stored.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ispbot.storage.base import Base, JSONType

# A 64-bit id on PostgreSQL, the rowid alias on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Package(Base):
    __tablename__ = "packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(20), default="broadband")
    speed_mbps: Mapped[int]
    monthly_price: Mapped[int]  # whole Rupiah
    description: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class User(Base):
    """A staff member of the ISP: admin, supervisor or cs."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_technician: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    api_token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class StaffSession(Base):
    """A server-side admin session; the cookie holds only the random id (hashed here)."""

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ip: Mapped[str | None] = mapped_column(String(64))


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (
        Index("ix_registrations_status_created", "status", "created_at"),
        Index("ix_registrations_created", "created_at"),
        # the analytics: a window's registrations (created_at) counted by status, package,
        # region and stage, read from the index alone (only the rejection reasons are not in it)
        Index("ix_registrations_created_analytics", "created_at", "status", "package_id", "region_code",
              "verified_at", "survey_scheduled_at", "approved_at", "customer_created_at", "rejected_at"),
        # the duplicate check and "status by email" compare lower(email)
        Index("ix_registrations_email_lower", func.lower(text("email"))),
        # the admin's search by KTP number, and the "NIK used by another registration" check
        Index("ix_registrations_id_card_number", "id_card_number"),
        # the search by a WhatsApp number's last digits (search_terms.last_four)
        Index("ix_registrations_phone_last4", func.substr(text("phone"), func.length(text("phone")) - text("3"))),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    registration_number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(30), default="pending_verification")
    source: Mapped[str] = mapped_column(String(20), default="whatsapp")
    locale: Mapped[str] = mapped_column(String(5), default="id")

    full_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    contact_key: Mapped[str | None] = mapped_column(String(80), index=True)
    whatsapp_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    whatsapp_verified_at: Mapped[datetime | None]
    id_card_number: Mapped[str | None] = mapped_column(String(16))
    id_card_photo: Mapped[str | None] = mapped_column(String(200))  # private file name, or a pending fetch

    address: Mapped[str] = mapped_column(Text)
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    kelurahan: Mapped[str] = mapped_column(String(100))
    kecamatan: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    region_code: Mapped[str | None] = mapped_column(String(13), index=True)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    address_notes: Mapped[str | None] = mapped_column(Text)

    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id"), index=True)
    # whole Rupiah: the package's monthly price as the customer was quoted it when the
    # registration was made; the package's own price may change since
    quoted_monthly_price: Mapped[int]
    preferred_installation_date: Mapped[date | None] = mapped_column(Date)
    preferred_time_slot: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    referral_code: Mapped[str | None] = mapped_column(String(40))
    utm_source: Mapped[str | None] = mapped_column(String(100))
    utm_medium: Mapped[str | None] = mapped_column(String(100))
    utm_campaign: Mapped[str | None] = mapped_column(String(100))

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    survey_date: Mapped[datetime | None]
    survey_scheduled_at: Mapped[datetime | None]
    survey_completed_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejected_at: Mapped[datetime | None]
    rejected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    customer_created_at: Mapped[datetime | None]
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    personal_data_purged_at: Mapped[datetime | None]
    sla_alerted_at: Mapped[datetime | None]  # when CS was told it waits too long (once)

    package: Mapped[Package] = relationship(lazy="raise")


class RegistrationEvent(Base):
    """One status change of a registration: who, when, from what to what, and why."""

    __tablename__ = "registration_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str] = mapped_column(String(30))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_email_lower", func.lower(text("email"))),  # the duplicate check
        Index("ix_customers_phone_last4", func.substr(text("phone"), func.length(text("phone")) - text("3"))),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_code: Mapped[str] = mapped_column(String(30), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    kelurahan: Mapped[str | None] = mapped_column(String(100))
    kecamatan: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    region_code: Mapped[str | None] = mapped_column(String(13))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("packages.id"))
    # pending_installation (made from an approved registration) → active (its installation
    # ticket resolved) → suspended / terminated
    account_status: Mapped[str] = mapped_column(String(20), default="active")
    portal_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]  # installed: billed from the month after


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("customer_id", "period"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    invoice_number: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[int]  # whole Rupiah
    status: Mapped[str] = mapped_column(String(10), default="unpaid")  # unpaid, paid, void
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    paid_at: Mapped[datetime | None]
    payment_method: Mapped[str | None] = mapped_column(String(40))
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime]


class Ticket(Base):
    """Survey, installation and support tickets."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_kind_status", "kind", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_number: Mapped[str] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # survey, installation, support
    status: Mapped[str] = mapped_column(String(20), default="open")
    category: Mapped[str | None] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(String(200))  # private file name, or a pending fetch
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), index=True)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scheduled_at: Mapped[datetime | None]
    created_via: Mapped[str] = mapped_column(String(20), default="admin")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class PendingPhoto(Base):
    """The gateway's reference of a photo sent by chat and not fetched yet, when it is too
    long for the photo column that names it (a signed URL) or once a fetch of it failed
    (its attempts counted here); see storage/pending_photos.py."""

    __tablename__ = "pending_photos"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # failed fetches
    next_attempt_at: Mapped[datetime | None]  # not fetched again before then


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(index=True)


class OtpCode(Base):
    """A one-time code: only its keyed hash is stored."""

    __tablename__ = "otp_codes"
    __table_args__ = (Index("ix_otp_codes_phone_purpose", "phone", "purpose", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))  # registration, portal, phone_change
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    burned: Mapped[bool] = mapped_column(Boolean, default=False)


class Conversation(Base):
    """One contact's place in a flow and the answers collected so far."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_key: Mapped[str] = mapped_column(String(80), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    user_id: Mapped[str | None] = mapped_column(String(80))
    provider: Mapped[str] = mapped_column(String(20))
    flow: Mapped[str] = mapped_column(String(30), default="menu")
    state: Mapped[str] = mapped_column(String(40), default="start")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    locale: Mapped[str] = mapped_column(String(5), default="id")
    mode: Mapped[str] = mapped_column(String(10), default="bot", index=True)  # bot, waiting, human
    handoff_agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handoff_at: Mapped[datetime | None]
    unread: Mapped[int] = mapped_column(default=0)
    misunderstood: Mapped[int] = mapped_column(default=0)
    reminders_sent: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(index=True)
    last_inbound_at: Mapped[datetime | None]


class ConversationEvent(Base):
    """What happened at each question: for the drop-off funnel."""

    __tablename__ = "conversation_events"
    __table_args__ = (
        Index("ix_conversation_events_flow_state", "flow", "state", "created_at"),
        # the analytics' chat funnel: a flow's events in a time window, read from the index alone
        Index("ix_conversation_events_flow_created", "flow", "created_at", "state", "event", "seconds"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_key: Mapped[str] = mapped_column(String(80), index=True)
    flow: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(20))  # asked, answered, reprompt, abandoned
    created_at: Mapped[datetime]
    # on `answered`: seconds since the question was (last) asked, so medians need no self-join,
    # and how many answers were refused before it since then (0: right the first time)
    seconds: Mapped[float | None] = mapped_column(Float, default=None)
    retries: Mapped[int | None] = mapped_column(Integer, default=None)


class ChatFunnelDay(Base):
    """The chat funnel's counts of one local day (ISPBOT_TIMEZONE), summed from the events by
    the `funnel-rollup` job once the day is over, so a 90-day page reads ~1,000 rows."""

    __tablename__ = "chat_funnel_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    flow: Mapped[str] = mapped_column(String(30), primary_key=True)
    state: Mapped[str] = mapped_column(String(40), primary_key=True)
    asked: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    reprompts: Mapped[int] = mapped_column(Integer)
    first_try: Mapped[int] = mapped_column(Integer)


class AnalyticsRollup(Base):
    """How far a roll-up has got: every day up to and including `through_day` is summed."""

    __tablename__ = "analytics_rollups"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    through_day: Mapped[date] = mapped_column(Date)
    tz: Mapped[str] = mapped_column(String(40))  # the days are local days of this zone


class InboxMessage(Base):
    """Every accepted inbound message, stored before the webhook is answered."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("provider", "dedupe_key"),
        Index("ix_inbox_status_id", "status", "id"),
        Index("ix_inbox_contact_id", "contact_key", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    contact_key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, done, failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime]
    processed_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """Every message the bot sends, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_contact_id", "contact_key", "id"),
        Index("ix_outbox_purpose", "purpose"),  # invoice reminders are looked up by purpose
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    contact_key: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]]
    purpose: Mapped[str | None] = mapped_column(String(40))  # e.g. notify:approved
    inbox_id: Mapped[int | None] = mapped_column(BigId)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, sending, sent, dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(200), index=True)
    delivery: Mapped[str | None] = mapped_column(String(10))  # delivered, read, failed
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FaqEntry(Base):
    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]


class Sequence(Base):
    """Per-day counters for registration, customer, ticket and invoice numbers."""

    __tablename__ = "sequences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class SchedulerLease(Base):
    """Which process runs the scheduled jobs (one at a time, taken over when it dies)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime]


class DataDeletionRequest(Base):
    """A customer's request by chat to delete their personal data (UU 27/2022 PDP), and
    what staff did about it."""

    __tablename__ = "data_deletion_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_key: Mapped[str] = mapped_column(String(80), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, done
    created_at: Mapped[datetime]
    handled_at: Mapped[datetime | None]
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[dict[str, Any]] = mapped_column(default=dict)  # what was deleted and kept


class DailyDigest(Base):
    """One row per local day whose digest went to the supervisors: sent once."""

    __tablename__ = "daily_digests"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[datetime]
    recipients: Mapped[int] = mapped_column(default=0)


class JobRun(Base):
    """The last run of each scheduled job, for `ispbot jobs` (last and next run)."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    items: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
