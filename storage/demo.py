"""Demo data for `ispbot seed-demo` (run by `make run` on an empty database). Idempotent:
each part is added only when it is missing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage import sequences
from ispbot.storage.faq import seed_faq
from ispbot.storage.models import Customer, Invoice, Package, Ticket, TicketEvent
from ispbot.storage.users import Role, by_username, create_user

# The six broadband packages: name, speed in Mbps, monthly price in Rupiah.
PACKAGES = [
    ("home-bronze-20", "Home Bronze 20M", 20, 166_500),
    ("home-silver-40", "Home Silver 40M", 40, 199_900),
    ("home-gold-75", "Home Gold 75M", 75, 266_400),
    ("home-platinum-100", "Home Platinum 100M", 100, 333_000),
    ("home-diamond-200", "Home Diamond 200M", 200, 444_000),
    ("home-titanium-300", "Home Titanium 300M", 300, 555_000),
]

DEMO_CUSTOMER_CODE = "AGLS202510150001"
DEMO_CUSTOMER_PHONE = "6281200000002"


@dataclass
class SeedReport:
    packages: int = 0
    admin_password: str | None = None
    customer: bool = False
    invoices: int = 0
    tickets: int = 0
    faq: int = 0


async def seed_packages(session: AsyncSession) -> int:
    existing = set((await session.execute(select(Package.code))).scalars())
    added = 0
    for order, (code, name, speed, price) in enumerate(PACKAGES):
        if code in existing:
            continue
        session.add(
            Package(
                code=code,
                name=name,
                category="broadband",
                speed_mbps=speed,
                monthly_price=price,
                description=f"Internet fiber {speed} Mbps, unlimited tanpa FUP",
                is_active=True,
                sort_order=order,
            )
        )
        added += 1
    await session.flush()
    return added


async def seed_admin(session: AsyncSession, now: datetime, password: str | None) -> str | None:
    """The admin user; its password is returned once (printed by the CLI) when generated."""
    if await by_username(session, "admin"):
        return None
    chosen = password or secrets.token_urlsafe(12)
    await create_user(session, username="admin", password=chosen, role=Role.ADMIN, now=now, full_name="Administrator")
    return chosen if password is None else "(from ISPBOT_ADMIN_PASSWORD)"


async def seed_demo_customer(session: AsyncSession, now: datetime, today: date) -> tuple[bool, int, int]:
    found = await session.execute(select(Customer).where(Customer.customer_code == DEMO_CUSTOMER_CODE))
    if found.scalar_one_or_none():
        return False, 0, 0
    package = (await session.execute(select(Package).where(Package.code == "home-silver-40"))).scalar_one()
    customer = Customer(
        customer_code=DEMO_CUSTOMER_CODE,
        full_name="Ahmad Test Customer",
        email="ahmad.test@example.com",
        phone=DEMO_CUSTOMER_PHONE,
        address="Jl. Sukajadi No. 10",
        rt="001",
        rw="002",
        kelurahan="Sukagalih",
        kecamatan="Sukajadi",
        city="Kota Bandung",
        postal_code="40163",
        package_id=package.id,
        account_status="active",
        portal_active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(customer)
    await session.flush()
    invoices = 0
    first_of_month = today.replace(day=1)
    for months_back in (2, 1, 0):
        period_start = _months_before(first_of_month, months_back)
        paid = months_back > 0
        session.add(
            Invoice(
                invoice_number=f"INV-{period_start:%Y%m}-{customer.id:05d}",
                customer_id=customer.id,
                period=f"{period_start:%Y-%m}",
                issue_date=period_start,
                due_date=period_start + timedelta(days=19),
                amount=package.monthly_price,
                status="paid" if paid else "unpaid",
                lines=[{"description": f"{package.name} ({period_start:%m/%Y})", "amount": package.monthly_price}],
                paid_at=now - timedelta(days=30 * months_back - 5) if paid else None,
                payment_method="bank_transfer" if paid else None,
                payment_reference=f"TRF{period_start:%Y%m}01" if paid else None,
                created_at=now,
            )
        )
        invoices += 1
    number = await sequences.next_value(session, f"TKT-{today:%Y%m%d}")  # as storage.tickets numbers them
    ticket = Ticket(
        ticket_number=f"TKT-{today:%Y%m%d}-{number:04d}",
        kind="support",
        status="resolved",
        category="slow",
        subject="Internet lambat di malam hari",
        description="Kecepatan turun setelah jam 8 malam.",
        customer_id=customer.id,
        contact_phone=DEMO_CUSTOMER_PHONE,
        created_via="whatsapp",
        created_at=now - timedelta(days=10),
        updated_at=now - timedelta(days=9),
        resolved_at=now - timedelta(days=9),
    )
    session.add(ticket)
    await session.flush()
    session.add_all([  # its history, as a ticket handled in the admin has one
        TicketEvent(ticket_id=ticket.id, from_status=None, to_status="open", created_at=ticket.created_at),
        TicketEvent(ticket_id=ticket.id, from_status="open", to_status="resolved", note="Optimasi kanal WiFi",
                    created_at=ticket.resolved_at),
    ])
    await session.flush()
    return True, invoices, 1


def _months_before(first: date, months: int) -> date:
    year, month = first.year, first.month - months
    while month <= 0:
        month += 12
        year -= 1
    return date(year, month, 1)


async def seed_demo(session: AsyncSession, now: datetime, today: date, admin_password: str | None) -> SeedReport:
    report = SeedReport()
    report.packages = await seed_packages(session)
    report.admin_password = await seed_admin(session, now, admin_password)
    report.customer, report.invoices, report.tickets = await seed_demo_customer(session, now, today)
    report.faq = await seed_faq(session, now)
    return report
