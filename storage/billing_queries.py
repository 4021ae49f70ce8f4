"""Finding customers and invoices for the admin: customer search (name, customer id,
phone) with what each owes, the invoice list (unpaid, overdue, paid or void; a period;
a number or customer), the billing totals, and what a customer's page shows.

Pages are keyset pages on the id, newest first. A customer's NIK comes from the
registration the customer was created from (the customer row has none of its own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.invoices import PAID, UNPAID, VOID
from ispbot.storage.models import Customer, Invoice, OutboxMessage, Package, Registration, Ticket
from ispbot.storage.search_terms import number_term, phone_condition

PAGE_SIZE = 50
INVOICE_STATES = ("unpaid", "overdue", "paid", "void")
_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_CUSTOMER_CODE = re.compile(r"[A-Z]+\d+")
_INVOICE_NUMBER = re.compile(r"INV-[\d-]*")


@dataclass(frozen=True)
class CustomerRow:
    customer: Customer
    package_name: str | None
    nik: str | None
    unpaid_count: int
    outstanding: int


@dataclass(frozen=True)
class InvoiceFilter:
    state: str = ""  # one of INVOICE_STATES, or "" for every invoice
    period: str = ""  # YYYY-MM or ""
    search: str = ""  # invoice number, customer id, name or phone

    @classmethod
    def parse(cls, query: Any) -> InvoiceFilter:
        state = str(query.get("status", ""))
        period = str(query.get("period", "")).strip()
        return cls(
            state=state if state in INVOICE_STATES else "",
            period=period if _PERIOD.fullmatch(period) else "",
            search=" ".join(str(query.get("q", "")).split())[:60],
        )

    @property
    def active(self) -> bool:
        return bool(self.state or self.period or self.search)


@dataclass(frozen=True)
class BillingTotals:
    unpaid_count: int
    unpaid_amount: int
    overdue_count: int
    overdue_amount: int


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def customer_condition(term: str) -> ColumnElement[bool] | None:
    """A customer id (AGLS2025…) by prefix, a phone from its start (08…, 628…, +62 8…) or
    by its last digits, anything else as part of the name or e-mail."""
    text = " ".join(term.split())[:60]
    if not text:
        return None
    if _CUSTOMER_CODE.fullmatch(text.upper()) and not text.isdigit():
        return Customer.customer_code.startswith(text.upper(), autoescape=True)
    number = number_term(text)
    if number is not None:
        return phone_condition(Customer.phone, number)
    pattern = _like(text)
    return or_(
        func.lower(Customer.full_name).like(pattern, escape="\\"),
        func.lower(Customer.email).like(pattern, escape="\\"),
    )


def _nik() -> Any:
    return (
        select(Registration.id_card_number)
        .where(Registration.customer_id == Customer.id)
        .order_by(Registration.id.desc())
        .limit(1)
        .scalar_subquery()
    )


async def search_customers(
    session: AsyncSession, term: str = "", *, after: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[CustomerRow], int | None]:
    """One page of customers, newest first, and the id to continue after (or None)."""
    owed = (
        select(
            Invoice.customer_id.label("customer_id"),
            func.count(Invoice.id).label("unpaid_count"),
            func.sum(Invoice.amount).label("outstanding"),
        )
        .where(Invoice.status == UNPAID)
        .group_by(Invoice.customer_id)
        .subquery()
    )
    stmt = (
        select(Customer, Package.name, _nik(), owed.c.unpaid_count, owed.c.outstanding)
        .outerjoin(Package, Package.id == Customer.package_id)
        .outerjoin(owed, owed.c.customer_id == Customer.id)
        .order_by(Customer.id.desc())
        .limit(limit + 1)
    )
    condition = customer_condition(term)
    if condition is not None:
        stmt = stmt.where(condition)
    if after is not None:
        stmt = stmt.where(Customer.id < after)
    rows = [
        CustomerRow(customer, package, nik, int(count or 0), int(outstanding or 0))
        for customer, package, nik, count, outstanding in await session.execute(stmt)
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].customer.id if more and rows else None)


async def customer_nik(session: AsyncSession, customer_id: int) -> str | None:
    rows = await session.execute(
        select(Registration.id_card_number)
        .where(Registration.customer_id == customer_id)
        .order_by(Registration.id.desc())
        .limit(1)
    )
    return rows.scalar_one_or_none()


async def customer_registration(session: AsyncSession, customer_id: int) -> Registration | None:
    rows = await session.execute(
        select(Registration).where(Registration.customer_id == customer_id).order_by(Registration.id.desc()).limit(1)
    )
    return rows.scalar_one_or_none()


async def customer_invoices(session: AsyncSession, customer_id: int, limit: int = 24) -> list[Invoice]:
    rows = await session.execute(
        select(Invoice)
        .where(Invoice.customer_id == customer_id)
        .order_by(Invoice.period.desc(), Invoice.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def customer_tickets(session: AsyncSession, customer_id: int, limit: int = 20) -> list[Ticket]:
    rows = await session.execute(
        select(Ticket).where(Ticket.customer_id == customer_id).order_by(Ticket.id.desc()).limit(limit)
    )
    return list(rows.scalars())


def _state_condition(state: str, today: date) -> ColumnElement[bool] | None:
    if state == "unpaid":
        return Invoice.status == UNPAID
    if state == "overdue":
        return and_(Invoice.status == UNPAID, Invoice.due_date < today)
    if state == "paid":
        return Invoice.status == PAID
    if state == "void":
        return Invoice.status == VOID
    return None


def _invoice_search(term: str) -> ColumnElement[bool] | None:
    if _INVOICE_NUMBER.fullmatch(term.upper()):
        return Invoice.invoice_number.startswith(term.upper(), autoescape=True)
    return customer_condition(term)


def _filtered(stmt: Select[Any], flt: InvoiceFilter, today: date) -> Select[Any]:
    state = _state_condition(flt.state, today)
    if state is not None:
        stmt = stmt.where(state)
    if flt.period:
        stmt = stmt.where(Invoice.period == flt.period)
    search = _invoice_search(flt.search) if flt.search else None
    if search is not None:
        stmt = stmt.where(search)
    return stmt


async def list_invoices(
    session: AsyncSession, flt: InvoiceFilter, *, today: date, after: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[tuple[Invoice, Customer]], int | None]:
    """One page of invoices with their customers, newest first, and the id to continue after."""
    stmt = _filtered(
        select(Invoice, Customer).join(Customer, Customer.id == Invoice.customer_id), flt, today
    ).order_by(Invoice.id.desc()).limit(limit + 1)
    if after is not None:
        stmt = stmt.where(Invoice.id < after)
    rows = [(invoice, customer) for invoice, customer in await session.execute(stmt)]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1][0].id if more and rows else None)


async def totals(session: AsyncSession, today: date) -> BillingTotals:
    overdue = Invoice.due_date < today
    row = (
        await session.execute(
            select(
                func.count(Invoice.id),
                func.coalesce(func.sum(Invoice.amount), 0),
                func.count(Invoice.id).filter(overdue),
                func.coalesce(func.sum(Invoice.amount).filter(overdue), 0),
            ).where(Invoice.status == UNPAID)
        )
    ).one()
    return BillingTotals(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


async def messages_about(session: AsyncSession, invoice_id: int) -> list[OutboxMessage]:
    """The reminders and receipt sent for an invoice (found by their outbox purpose)."""
    rows = await session.execute(
        select(OutboxMessage)
        .where(
            or_(
                OutboxMessage.purpose.startswith(f"invoice_reminder:{invoice_id}:", autoescape=True),
                OutboxMessage.purpose == f"invoice_receipt:{invoice_id}",
            )
        )
        .order_by(OutboxMessage.id)
    )
    return list(rows.scalars())
