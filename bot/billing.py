"""Billing's side effects, shared by the scheduler and the admin: the monthly invoice run,
due-date reminders by WhatsApp, and recording a payment with its receipt.

- `issue_monthly_invoices` bills every active customer once per month from
  ISPBOT_BILLING_DAY on (the ISP's local date). It runs every hour, so a day missed while
  the server was off is caught up at the next run; `storage.invoices.issue_monthly`
  inserts with ON CONFLICT DO NOTHING, so reruns, restarts and a second process add nothing.
- `send_due_reminders` sends the reminder of each ISPBOT_INVOICE_REMINDER_OFFSETS day
  (-3: three days before the due date, 0: on it, 3: three days late) once, identified by
  its outbox `purpose`, between ISPBOT_INVOICE_REMINDER_HOUR and 21.00 local time. A
  reminder day missed (server off, or before the hour) is sent within CATCH_UP_DAYS; when
  a later offset is already due, only that one goes: never a burst of stale reminders.
- `record_payment` marks an invoice paid, audits it and queues the customer's receipt,
  in the caller's one transaction.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot import service_window
from ispbot.providers.messages import Contact
from ispbot.services import Services
from ispbot.storage import audit, conversations, invoices
from ispbot.storage.invoices import DueReminder
from ispbot.storage.models import Customer, Invoice, Package, User

CATCH_UP_DAYS = 3  # a reminder day missed is still sent this many days later (if none newer is due)
QUIET_FROM_HOUR = 21  # no reminders from 21.00 until ISPBOT_INVOICE_REMINDER_HOUR

# How a payment was made: the code stored on the invoice, and its label per language.
PAYMENT_METHODS: dict[str, dict[str, str]] = {
    "bank_transfer": {"id": "Transfer bank", "en": "Bank transfer"},
    "virtual_account": {"id": "Virtual account", "en": "Virtual account"},
    "qris": {"id": "QRIS", "en": "QRIS"},
    "cash": {"id": "Tunai", "en": "Cash"},
    "other": {"id": "Lainnya", "en": "Other"},
}


def payment_method_label(code: str | None, locale: str = "id") -> str:
    if not code:
        return "-"
    labels = PAYMENT_METHODS.get(code)
    return labels.get(locale, labels["id"]) if labels else code


def month_label(period: str, locale: str = "id") -> str:
    """`2026-11` → `November 2026` (in `locale`)."""
    try:
        year, month = (int(part) for part in period.split("-", 1))
        return format_date(date(year, month, 1), format="MMMM y", locale=locale)
    except (ValueError, TypeError):
        return period


def receipt_purpose(invoice_id: int) -> str:
    return f"invoice_receipt:{invoice_id}"


def local_today(services: Services) -> date:
    return services.clock.now().astimezone(services.settings.tz).date()


# --- the monthly run -------------------------------------------------------------------


async def issue_monthly_invoices(services: Services) -> int:
    """Issue this month's invoices (once). Returns how many this run created."""
    now = services.clock.now()
    settings = services.settings
    async with services.db.transaction() as session:
        created = await invoices.issue_monthly(
            session,
            today=now.astimezone(settings.tz).date(),
            now=now,
            billing_day=settings.billing_day,
            due_days=settings.invoice_due_days,
            timezone=settings.tz,
        )
        if created:
            audit.record(
                session, action="invoice.issue_monthly", now=now, target_type="period",
                target_id=created[0].period, detail={"invoices": len(created)},
            )
    return len(created)


# --- reminders -------------------------------------------------------------------------


def in_reminder_hours(services: Services) -> bool:
    hour = services.clock.now().astimezone(services.settings.tz).hour
    return services.settings.invoice_reminder_hour <= hour < QUIET_FROM_HOUR


async def pending_reminders(services: Services, session: AsyncSession, today: date) -> list[DueReminder]:
    """For each unpaid invoice, the newest reminder due in the last CATCH_UP_DAYS days,
    if it has not been sent yet."""
    offsets = services.settings.invoice_reminder_offsets
    newest: dict[int, DueReminder] = {}
    for back in range(CATCH_UP_DAYS + 1):  # today first: the newest reminder of an invoice wins
        for reminder in await invoices.due_reminders(
            session, today=today - timedelta(days=back), offsets=offsets, include_sent=True
        ):
            newest.setdefault(reminder.invoice.id, reminder)
    pending = []
    for reminder in newest.values():
        if not await invoices.reminder_already_sent(session, reminder.purpose):
            pending.append(reminder)
    return sorted(pending, key=lambda r: (r.invoice.due_date, r.invoice.id))


async def send_due_reminders(services: Services) -> int:
    """Queue the due reminders by WhatsApp, each once. Returns how many were queued."""
    if not in_reminder_hours(services):
        return 0
    today = local_today(services)
    async with services.db.sessions() as session:
        candidates = [(r.invoice.id, r.offset) for r in await pending_reminders(services, session, today)]
    sent = 0
    for invoice_id, offset in candidates:
        async with services.db.transaction() as session:
            # Lock the invoice, then check again: a concurrent run (`ispbot jobs run`) or a
            # payment meanwhile must not lead to a second or a pointless reminder.
            stmt = select(Invoice).where(Invoice.id == invoice_id)
            if session.bind.dialect.name == "postgresql":
                stmt = stmt.with_for_update()
            invoice = (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one()
            purpose = invoices.reminder_purpose(invoice_id, offset)
            if invoice.status != invoices.UNPAID or await invoices.reminder_already_sent(session, purpose):
                continue
            customer = await session.get_one(Customer, invoice.customer_id)
            await notify_customer(
                services, session, customer, "invoice_reminder", purpose=purpose,
                invoice=invoice, days_left=(invoice.due_date - today).days,
                payment_methods=services.settings.payment_methods,
                payment_url=services.settings.payment_url,
            )
            sent += 1
    return sent


# --- payments --------------------------------------------------------------------------


async def record_payment(
    services: Services,
    session: AsyncSession,
    invoice: Invoice,
    *,
    method: str,
    reference: str | None,
    actor: User | None,
    ip: str | None = None,
) -> Invoice:
    """Mark `invoice` paid, audit it and queue the receipt. Raises ValueError for an
    unknown method, InvoiceAlreadyPaid / InvoiceVoid before changing anything."""
    if method not in PAYMENT_METHODS:
        raise ValueError(f"unknown payment method {method!r}")
    now = services.clock.now()
    reference = (reference or "").strip()[:100] or None
    await invoices.mark_paid(session, invoice, method=method, reference=reference, now=now)
    audit.record(
        session, action="invoice.paid", now=now, actor=actor, ip=ip, target_type="invoice",
        target_id=invoice.invoice_number,
        detail={"amount": invoice.amount, "method": method, "reference": reference},
    )
    customer = await session.get_one(Customer, invoice.customer_id)
    await notify_customer(
        services, session, customer, "invoice_receipt", purpose=receipt_purpose(invoice.id),
        sent_by=actor, invoice=invoice, method_code=method,
    )
    return invoice


# --- the customer's WhatsApp message -------------------------------------------------------


async def notify_customer(
    services: Services,
    session: AsyncSession,
    customer: Customer,
    template: str,
    *,
    purpose: str,
    sent_by: User | None = None,
    **context: Any,
) -> None:
    """Queue a billing message to the customer's number on file, in their language,
    through the gateway they last wrote from (as `ispbot.workflow.notify` does)."""
    convo = await conversations.get(session, customer.phone)
    provider = convo.provider if convo else services.settings.provider.value
    locale = (convo.locale if convo else None) or services.settings.locale
    package = await session.get(Package, customer.package_id) if customer.package_id else None
    await service_window.queue(
        services,
        session,
        Contact(phone=customer.phone),
        template,
        purpose=purpose,
        conversation=convo,
        locale=locale,
        provider=provider,
        sent_by=sent_by.id if sent_by else None,
        customer=customer,
        package=package,
        method_label=lambda code: payment_method_label(code, locale),
        month=lambda period: month_label(period, locale),
        **context,
    )
