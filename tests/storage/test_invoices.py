"""Invoices on SQLite and PostgreSQL: idempotent (and race-safe) monthly billing,
reminders by due-date offset, payment, and one customer never seeing another's invoice."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ispbot.providers.messages import Contact, OutboundKind, OutboundMessage
from ispbot.storage import invoices, outbox
from ispbot.storage.database import Database
from ispbot.storage.models import Customer, Invoice, Package

JAKARTA = ZoneInfo("Asia/Jakarta")
TODAY = date(2026, 11, 21)
NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)  # 10:00 WIB on TODAY


async def add_package(db: Database, code: str, name: str, price: int) -> int:
    async with db.transaction() as s:
        package = Package(code=code, name=name, speed_mbps=40, monthly_price=price)
        s.add(package)
        await s.flush()
        return package.id


async def add_customer(
    db: Database, code: str, package_id: int | None, status: str = "active"
) -> int:
    async with db.transaction() as s:
        customer = Customer(
            customer_code=code,
            full_name=f"Pelanggan {code}",
            email=f"{code.lower()}@example.com",
            phone="6281200000" + code[-3:],
            package_id=package_id,
            account_status=status,
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(customer)
        await s.flush()
        return customer.id


async def add_invoice(
    db: Database, customer_id: int, period: str, due: date, amount: int = 199_900, status: str = "unpaid"
) -> Invoice:
    async with db.transaction() as s:
        invoice = Invoice(
            invoice_number=f"INV-{period.replace('-', '')}-{customer_id:05d}",
            customer_id=customer_id,
            period=period,
            issue_date=due - timedelta(days=10),
            due_date=due,
            amount=amount,
            status=status,
            lines=[{"description": "Home Silver 40M", "amount": amount}],
            created_at=NOW,
        )
        s.add(invoice)
        await s.flush()
        return invoice


async def bill(db: Database, today: date = TODAY, now: datetime = NOW, billing_day: int = 1) -> list[Invoice]:
    async with db.transaction() as s:
        return await invoices.issue_monthly(
            s, today=today, now=now, billing_day=billing_day, due_days=10, timezone=JAKARTA
        )


async def count_invoices(db: Database) -> int:
    async with db.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(Invoice))).scalar_one())


@pytest.fixture
async def customers(db_url: str) -> dict[str, int]:
    db = Database(db_url)
    silver = await add_package(db, "home-silver-40", "Home Silver 40M", 199_900)
    gold = await add_package(db, "home-gold-75", "Home Gold 75M", 266_400)
    ids = {
        "silver": await add_customer(db, "AGLS202511010001", silver),
        "gold": await add_customer(db, "AGLS202511010002", gold),
        "suspended": await add_customer(db, "AGLS202511010003", silver, status="suspended"),
        "no_package": await add_customer(db, "AGLS202511010004", None),
    }
    await db.dispose()
    return ids


async def test_billing_issues_one_invoice_per_active_customer_with_a_package(
    db_url: str, customers: dict[str, int]
) -> None:
    db = Database(db_url)
    issued = await bill(db)
    assert [i.customer_id for i in issued] == [customers["silver"], customers["gold"]]
    silver = issued[0]
    assert silver.invoice_number == f"INV-202611-{customers['silver']:05d}"
    assert silver.period == "2026-11" and silver.status == "unpaid"
    assert silver.issue_date == TODAY and silver.due_date == date(2026, 12, 1)
    assert silver.amount == 199_900
    assert silver.lines == [{"description": "Home Silver 40M (11/2026)", "amount": 199_900}]
    assert issued[1].amount == 266_400

    assert await bill(db) == []  # a rerun bills nobody again
    assert await bill(db, today=TODAY + timedelta(days=1), now=NOW + timedelta(days=1)) == []
    assert await count_invoices(db) == 2
    await db.dispose()


async def test_two_concurrent_billing_runs_bill_each_customer_once(
    db_url: str, customers: dict[str, int]
) -> None:
    db = Database(db_url)
    both_started = asyncio.Barrier(2)

    async def run() -> list[Invoice]:
        async with db.transaction() as s:
            if db.is_postgres:  # both transactions open before either inserts
                await s.execute(select(1))
                await both_started.wait()
            return await invoices.issue_monthly(
                s, today=TODAY, now=NOW, billing_day=1, due_days=10, timezone=JAKARTA
            )

    first, second = await asyncio.gather(run(), run())
    assert sorted(i.customer_id for i in first + second) == [customers["silver"], customers["gold"]]
    assert await count_invoices(db) == 2
    await db.dispose()


async def test_nothing_is_billed_before_the_billing_day(db_url: str, customers: dict[str, int]) -> None:
    db = Database(db_url)
    assert await bill(db, billing_day=25) == []
    assert await count_invoices(db) == 0
    day_25 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    assert len(await bill(db, today=date(2026, 11, 25), now=day_25, billing_day=25)) == 2
    await db.dispose()


async def test_billing_refuses_a_today_that_is_not_the_local_date_of_now(db_url: str) -> None:
    db = Database(db_url)
    late_evening_utc = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # already the 21st in Jakarta
    with pytest.raises(ValueError, match="today"):
        await bill(db, today=date(2026, 11, 20), now=late_evening_utc)
    with pytest.raises(ValueError, match="billing_day"):
        await bill(db, billing_day=31)
    await db.dispose()


async def test_reminders_follow_the_offsets_and_are_not_repeated(
    db_url: str, customers: dict[str, int]
) -> None:
    db = Database(db_url)
    silver, gold = customers["silver"], customers["gold"]
    before = await add_invoice(db, silver, "2026-11", TODAY + timedelta(days=3))
    on_day = await add_invoice(db, gold, "2026-11", TODAY)
    overdue = await add_invoice(db, silver, "2026-10", TODAY - timedelta(days=3))
    await add_invoice(db, gold, "2026-10", TODAY - timedelta(days=1))  # no offset matches
    await add_invoice(db, gold, "2026-09", TODAY - timedelta(days=3), status="paid")
    async with db.sessions() as s:
        due = await invoices.due_reminders(s, today=TODAY, offsets=[-3, 0, 3])
    found = {(r.invoice.id, r.offset, r.customer.id) for r in due}
    assert found == {(before.id, -3, silver), (on_day.id, 0, gold), (overdue.id, 3, silver)}
    reminder = next(r for r in due if r.offset == 0)
    assert reminder.purpose == f"invoice_reminder:{on_day.id}:0"

    async with db.transaction() as s:  # the caller queues the message with that purpose
        message = OutboundMessage(to=Contact(phone="6281200000002"), kind=OutboundKind.TEXT, text="x")
        await outbox.enqueue(s, provider="sandbox", message=message, now=NOW, purpose=reminder.purpose)
    async with db.sessions() as s:
        assert await invoices.reminder_already_sent(s, reminder.purpose)
        assert not await invoices.reminder_already_sent(s, invoices.reminder_purpose(before.id, -3))
        again = await invoices.due_reminders(s, today=TODAY, offsets=[-3, 0, 3])
        everything = await invoices.due_reminders(s, today=TODAY, offsets=[0], include_sent=True)
    assert {r.invoice.id for r in again} == {before.id, overdue.id}
    assert [r.invoice.id for r in everything] == [on_day.id]
    await db.dispose()


async def test_mark_paid_once_then_refused(db_url: str, customers: dict[str, int]) -> None:
    db = Database(db_url)
    invoice = await add_invoice(db, customers["silver"], "2026-11", TODAY)
    async with db.transaction() as s:
        invoice = await s.get_one(Invoice, invoice.id)
        await invoices.mark_paid(s, invoice, method="bank_transfer", reference="TRF1", now=NOW)
        assert invoice.status == "paid" and invoice.paid_at == NOW
    async with db.transaction() as s:
        stale = await s.get_one(Invoice, invoice.id)
        with pytest.raises(invoices.InvoiceAlreadyPaid):
            await invoices.mark_paid(s, stale, method="qris", reference="Q2", now=NOW)
    async with db.sessions() as s:
        stored = await s.get_one(Invoice, invoice.id)
    assert (stored.payment_method, stored.payment_reference) == ("bank_transfer", "TRF1")

    void = await add_invoice(db, customers["gold"], "2026-11", TODAY, status="void")
    async with db.transaction() as s:
        with pytest.raises(invoices.InvoiceVoid):
            await invoices.mark_paid(s, await s.get_one(Invoice, void.id), method="cash", reference=None, now=NOW)
    await db.dispose()


async def test_a_stale_unpaid_copy_cannot_pay_twice(db_url: str, customers: dict[str, int]) -> None:
    db = Database(db_url)
    invoice = await add_invoice(db, customers["silver"], "2026-11", TODAY)
    async with db.transaction() as s:
        await invoices.mark_paid(s, await s.get_one(Invoice, invoice.id), method="qris", reference="Q1", now=NOW)
    async with db.transaction() as s:
        with pytest.raises(invoices.InvoiceAlreadyPaid):  # `invoice` still says unpaid
            await invoices.mark_paid(s, await s.merge(invoice, load=False), method="qris", reference="Q1", now=NOW)
    await db.dispose()


async def test_summary_counts_unpaid_invoices(db_url: str, customers: dict[str, int]) -> None:
    db = Database(db_url)
    silver = customers["silver"]
    await add_invoice(db, silver, "2026-10", date(2026, 10, 20), amount=199_900)
    await add_invoice(db, silver, "2026-11", date(2026, 11, 20), amount=199_900)
    await add_invoice(db, silver, "2026-09", date(2026, 9, 20), status="paid")
    async with db.sessions() as s:
        assert await invoices.summary(s, silver) == invoices.InvoiceSummary(2, 399_800, date(2026, 10, 20))
        assert await invoices.summary(s, customers["gold"]) == invoices.InvoiceSummary(0, 0, None)
    await db.dispose()


async def test_a_customer_never_gets_another_customers_invoice(
    db_url: str, customers: dict[str, int]
) -> None:
    db = Database(db_url)
    silver, gold = customers["silver"], customers["gold"]
    for month in range(1, 9):
        await add_invoice(db, silver, f"2026-{month:02d}", date(2026, month, 20))
    theirs = await add_invoice(db, gold, "2026-11", TODAY)
    async with db.sessions() as s:
        assert await invoices.by_number_for_customer(s, silver, theirs.invoice_number) is None
        own = await invoices.by_number_for_customer(s, gold, f" {theirs.invoice_number.lower()} ")
        assert own is not None and own.id == theirs.id
        latest = await invoices.latest_for_customer(s, silver)
        assert [i.period for i in latest] == [f"2026-{m:02d}" for m in range(8, 2, -1)]
        assert all(i.customer_id == silver for i in latest)
        assert [i.id for i in await invoices.latest_for_customer(s, gold, limit=10)] == [theirs.id]
    await db.dispose()
