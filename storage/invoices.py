"""Invoices: the customer's own list and summary, monthly billing and due-date reminders.

Monthly billing is idempotent: each invoice is inserted with INSERT … ON CONFLICT DO
NOTHING on the unique (customer_id, period), so a rerun after a crash or two concurrent
runs never bill a customer twice. A reminder is identified by its outbox `purpose`
(`invoice_reminder:<invoice id>:<offset>`); the caller enqueues the reminder with that
purpose in the same transaction, and `due_reminders` leaves out those already queued.

Errors::

    InvoiceError
     ├── InvoiceAlreadyPaid   mark_paid on a paid invoice
     └── InvoiceVoid          mark_paid on a cancelled invoice
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import Customer, Invoice, OutboxMessage, Package
from ispbot.storage.upsert import insert_for

UNPAID, PAID, VOID = "unpaid", "paid", "void"
REMINDER_PREFIX = "invoice_reminder"
_INSERT_BATCH = 500  # rows per INSERT (SQLite caps bound parameters per statement)


class InvoiceError(Exception):
    """An invoice rule was broken."""


class InvoiceAlreadyPaid(InvoiceError):
    pass


class InvoiceVoid(InvoiceError):
    pass


@dataclass(frozen=True)
class InvoiceSummary:
    unpaid_count: int
    outstanding: int  # whole Rupiah
    oldest_due: date | None  # the earliest due date among unpaid invoices


@dataclass(frozen=True)
class DueReminder:
    """An unpaid invoice due `-offset` days from today (offset 3: three days overdue)."""

    invoice: Invoice
    customer: Customer
    offset: int

    @property
    def purpose(self) -> str:
        """The outbox `purpose` to enqueue the reminder with (and to check it by)."""
        return reminder_purpose(self.invoice.id, self.offset)


# --- the customer's own invoices -----------------------------------------------------


async def latest_for_customer(
    session: AsyncSession, customer_id: int, limit: int = 6
) -> list[Invoice]:
    """The customer's newest invoices first (void ones included: they carry a status)."""
    rows = await session.execute(
        select(Invoice)
        .where(Invoice.customer_id == customer_id)
        .order_by(Invoice.period.desc(), Invoice.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def by_number_for_customer(
    session: AsyncSession, customer_id: int, invoice_number: str
) -> Invoice | None:
    """The invoice with this number if it belongs to this customer, else None."""
    rows = await session.execute(
        select(Invoice).where(
            Invoice.customer_id == customer_id,
            Invoice.invoice_number == invoice_number.strip().upper(),
        )
    )
    return rows.scalar_one_or_none()


async def summary(session: AsyncSession, customer_id: int) -> InvoiceSummary:
    row = (
        await session.execute(
            select(
                func.count(Invoice.id),
                func.coalesce(func.sum(Invoice.amount), 0),
                func.min(Invoice.due_date),
            ).where(Invoice.customer_id == customer_id, Invoice.status == UNPAID)
        )
    ).one()
    return InvoiceSummary(unpaid_count=int(row[0]), outstanding=int(row[1]), oldest_due=row[2])


# --- monthly billing -------------------------------------------------------------------


def invoice_number(period_start: date, customer_id: int) -> str:
    """`INV-YYYYMM-<customer id, 5 digits>` (the form of the demo invoices)."""
    return f"INV-{period_start:%Y%m}-{customer_id:05d}"


async def issue_monthly(
    session: AsyncSession,
    *,
    today: date,
    now: datetime,
    billing_day: int,
    due_days: int,
    timezone: ZoneInfo,
) -> list[Invoice]:
    """Bill every active customer with a package, installed before this month began, for
    the month of `today` (the ISP's local date), once `today` has reached `billing_day`. Returns only the invoices this
    call created: a rerun, or a concurrent run, returns []. Issue date is `today`, due
    date `today + due_days`.

    The amount is the price of the customer's package as it is today: a customer pays the
    tariff of their subscription, which the ISP may change (the admin is told how many
    customers a price change bills). A registration's quoted price is what the customer
    was offered when registering; it is shown with the registration and never billed."""
    if not 1 <= billing_day <= 28:
        raise ValueError("billing_day must be 1 to 28 (every month has it)")
    if due_days < 0:
        raise ValueError("due_days must not be negative")
    if now.tzinfo is None or now.astimezone(timezone).date() != today:
        raise ValueError("today must be the date of `now` in the ISP's time zone")
    if today.day < billing_day:
        return []
    period_start = today.replace(day=1)
    billable = await session.execute(
        select(Customer.id, Package.name, Package.monthly_price)
        .join(Package, Package.id == Customer.package_id)
        .where(
            Customer.account_status == "active",
            # Installed before the month began: the month of installation itself is not
            # billed (the first invoice is for the first whole month).
            or_(Customer.activated_at.is_(None),
                Customer.activated_at < datetime.combine(period_start, time(), timezone)),
        )
        .order_by(Customer.id)
    )
    rows = [
        _invoice_row(customer_id, name, price, period_start, today, due_days, now)
        for customer_id, name, price in billable
    ]
    created: list[int] = []
    for batch in _batches(rows, _INSERT_BATCH):
        # No conflict target: the row can only clash on (customer_id, period) or on the
        # invoice number derived from the same two values; either way it already exists.
        stmt = insert_for(session, Invoice).values(batch).on_conflict_do_nothing()
        result = await session.execute(stmt.returning(Invoice.id))
        created.extend(result.scalars())
    if not created:
        return []
    invoices = await session.execute(
        select(Invoice).where(Invoice.id.in_(created)).order_by(Invoice.customer_id)
    )
    return list(invoices.scalars())


def _invoice_row(
    customer_id: int,
    package_name: str,
    price: int,
    period_start: date,
    today: date,
    due_days: int,
    now: datetime,
) -> dict[str, Any]:
    return {
        "invoice_number": invoice_number(period_start, customer_id),
        "customer_id": customer_id,
        "period": f"{period_start:%Y-%m}",
        "issue_date": today,
        "due_date": today + timedelta(days=due_days),
        "amount": price,
        "status": UNPAID,
        "lines": [{"description": f"{package_name} ({period_start:%m/%Y})", "amount": price}],
        "created_at": now,
    }


def _batches(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# --- reminders -------------------------------------------------------------------------


def reminder_purpose(invoice_id: int, offset: int) -> str:
    """`invoice_reminder:<invoice id>:<offset>`, at most 40 characters (outbox.purpose)."""
    return f"{REMINDER_PREFIX}:{invoice_id}:{offset}"


async def reminder_already_sent(session: AsyncSession, purpose: str) -> bool:
    """Whether a message with this purpose is in the outbox (queued, sent or dead)."""
    rows = await session.execute(
        select(OutboxMessage.id).where(OutboxMessage.purpose == purpose).limit(1)
    )
    return rows.first() is not None


async def due_reminders(
    session: AsyncSession, *, today: date, offsets: Sequence[int], include_sent: bool = False
) -> list[DueReminder]:
    """Unpaid invoices whose due date is `today - offset`, for each offset: -3 is three
    days before the due date, 0 the day itself, 3 three days after. Reminders whose
    purpose is already in the outbox are left out unless `include_sent`."""
    by_due = {today - timedelta(days=offset): offset for offset in sorted(set(offsets))}
    if not by_due:
        return []
    rows = await session.execute(
        select(Invoice, Customer)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.status == UNPAID, Invoice.due_date.in_(list(by_due)))
        .order_by(Invoice.due_date, Invoice.id)
    )
    found = [DueReminder(invoice, customer, by_due[invoice.due_date]) for invoice, customer in rows]
    if include_sent or not found:
        return found
    sent = await _purposes_in_outbox(session, [r.purpose for r in found])
    return [r for r in found if r.purpose not in sent]


async def _purposes_in_outbox(session: AsyncSession, purposes: list[str]) -> set[str]:
    sent: set[str] = set()
    for start in range(0, len(purposes), _INSERT_BATCH):
        chunk = purposes[start : start + _INSERT_BATCH]
        rows = await session.execute(
            select(OutboxMessage.purpose).where(OutboxMessage.purpose.in_(chunk)).distinct()
        )
        sent.update(p for p in rows.scalars() if p is not None)
    return sent


# --- payment ---------------------------------------------------------------------------


async def mark_paid(
    session: AsyncSession, invoice: Invoice, *, method: str, reference: str | None, now: datetime
) -> Invoice:
    """Record the payment. The update is conditional on the invoice being unpaid, so two
    concurrent confirmations cannot both succeed: the loser gets InvoiceAlreadyPaid."""
    if invoice.status == VOID:
        raise InvoiceVoid(f"invoice {invoice.invoice_number} is void")
    result = await session.execute(
        update(Invoice)
        .where(Invoice.id == invoice.id, Invoice.status == UNPAID)
        .values(
            status=PAID,
            paid_at=now,
            payment_method=method[:40],
            payment_reference=reference[:100] if reference else None,
        )
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        await session.refresh(invoice)
        if invoice.status == VOID:
            raise InvoiceVoid(f"invoice {invoice.invoice_number} is void")
        raise InvoiceAlreadyPaid(f"invoice {invoice.invoice_number} is already paid")
    await session.refresh(invoice)
    return invoice
