"""Customers: created from an approved registration with id `<PREFIX>YYYYMMDDNNNN`,
waiting for installation until its installation ticket is resolved."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage import sequences
from ispbot.storage.models import Customer, Registration, Ticket

PENDING_INSTALLATION = "pending_installation"
# An account the customer may use (summary, invoices, tickets) and that counts as theirs.
CURRENT = ("active", PENDING_INSTALLATION)


async def create_from_registration(
    session: AsyncSession, registration: Registration, *, prefix: str, now: datetime, timezone: ZoneInfo
) -> Customer:
    day = now.astimezone(timezone).strftime("%Y%m%d")
    number = await sequences.next_value(session, f"CUST-{day}")
    customer = Customer(
        customer_code=f"{prefix}{day}{number:04d}",
        full_name=registration.full_name,
        email=registration.email,
        phone=registration.phone,
        address=registration.address,
        rt=registration.rt,
        rw=registration.rw,
        kelurahan=registration.kelurahan,
        kecamatan=registration.kecamatan,
        city=registration.city,
        postal_code=registration.postal_code,
        region_code=registration.region_code,
        package_id=registration.package_id,
        account_status=PENDING_INSTALLATION,  # active once the installation ticket is resolved
        portal_active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(customer)
    await session.flush()
    registration.customer_id = customer.id
    return customer


async def activate_if_installed(session: AsyncSession, ticket: Ticket, now: datetime) -> Customer | None:
    """An installation ticket resolved: its customer's account becomes active (billed from
    the next month on). Returns the customer it activated."""
    if ticket.kind != "installation" or ticket.status != "resolved" or ticket.customer_id is None:
        return None
    customer = await session.get(Customer, ticket.customer_id)
    if customer is None or customer.account_status != PENDING_INSTALLATION:
        return None
    customer.account_status, customer.activated_at, customer.updated_at = "active", now, now
    return customer


async def by_phone(session: AsyncSession, phone: str) -> Customer | None:
    rows = await session.execute(select(Customer).where(Customer.phone == phone).order_by(Customer.id).limit(1))
    return rows.scalar_one_or_none()


async def by_code(session: AsyncSession, code: str) -> Customer | None:
    rows = await session.execute(select(Customer).where(Customer.customer_code == code.strip().upper()))
    return rows.scalar_one_or_none()


async def count_on_package(session: AsyncSession, package_id: int) -> int:
    """The customers on a package: billed its price as it is when each invoice is made."""
    found = await session.execute(select(func.count()).select_from(Customer).where(Customer.package_id == package_id))
    return int(found.scalar_one())
