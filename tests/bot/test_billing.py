"""Billing jobs on SQLite and PostgreSQL with a FakeClock: the monthly run issues each
active customer one invoice across reruns and a restart and catches up a missed day;
due reminders go out once per offset, in the customer's language, through the gateway
they use, and catch up a missed day without a burst; a payment sends one receipt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ispbot.billing import issue_monthly_invoices, record_payment, send_due_reminders
from ispbot.jobs import JOBS
from ispbot.storage import invoices
from ispbot.storage.demo import seed_packages
from ispbot.storage.models import (
    AuditEntry,
    Conversation,
    Customer,
    Invoice,
    OutboxMessage,
    Package,
)
from tests.conftest import Harness

JAKARTA = ZoneInfo("Asia/Jakarta")
GATEWAYS = {"provider": "sandbox", "fonnte_token": "tok"}  # sandbox by default, Fonnte on too


def at(day: date, hour: int = 10) -> datetime:
    """`hour` o'clock in Jakarta on `day`, as the UTC the clock keeps."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=JAKARTA).astimezone(UTC)


async def add_customer(h: Harness, code: str, phone: str, *, status: str = "active",
                       package: str | None = "home-silver-40") -> int:
    now = h.clock.now()
    async with h.services.db.transaction() as session:
        await seed_packages(session)
        package_id = None
        if package:
            package_id = (await session.execute(select(Package.id).where(Package.code == package))).scalar_one()
        customer = Customer(customer_code=code, full_name=f"Pelanggan {code[-4:]}", email=f"{code.lower()}@example.com",
                            phone=phone, package_id=package_id, account_status=status, created_at=now, updated_at=now)
        session.add(customer)
        await session.flush()
        return customer.id


async def add_conversation(h: Harness, phone: str, provider: str, locale: str) -> None:
    now = h.clock.now()
    async with h.services.db.transaction() as session:
        session.add(Conversation(contact_key=phone, phone=phone, provider=provider, flow="menu", state="MENU",
                                 data={}, locale=locale, mode="bot", version=0, created_at=now, updated_at=now))


async def all_invoices(h: Harness) -> list[Invoice]:
    async with h.services.db.sessions() as session:
        return list((await session.execute(select(Invoice).order_by(Invoice.customer_id))).scalars())


async def reminders(h: Harness) -> list[OutboxMessage]:
    async with h.services.db.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage).where(OutboxMessage.purpose.startswith("invoice_reminder:")).order_by(OutboxMessage.id)
        )
        return list(rows.scalars())


def test_the_billing_jobs_are_registered() -> None:
    assert JOBS["billing"].every == timedelta(hours=1)
    assert JOBS["invoice-reminders"].every == timedelta(hours=1)


async def test_monthly_billing_is_idempotent_across_runs_and_a_restart(
    harness_factory: Callable[..., Any], db_url: str
) -> None:
    h: Harness = await harness_factory(db_url, **GATEWAYS)
    h.clock.set(at(date(2026, 12, 1), hour=0))  # 00.00 WIB on the billing day (17.00 UTC the day before)
    first = await add_customer(h, "AGLS202511010001", "6281200000301")
    second = await add_customer(h, "AGLS202511010002", "6281200000302", package="home-gold-75")
    await add_customer(h, "AGLS202511010003", "6281200000303", status="suspended")
    await add_customer(h, "AGLS202511010004", "6281200000304", package=None)

    assert await JOBS["billing"].run(h.services) == 2
    assert await issue_monthly_invoices(h.services) == 0  # the next hourly run
    h.clock.advance(hours=5)
    assert await issue_monthly_invoices(h.services) == 0

    restarted: Harness = await harness_factory(db_url, **GATEWAYS)  # new Services, same database
    assert await issue_monthly_invoices(restarted.services) == 0
    issued = await all_invoices(restarted)
    assert [(i.customer_id, i.period, i.amount) for i in issued] == [
        (first, "2026-12", 199_900), (second, "2026-12", 266_400)]
    assert all(i.issue_date == date(2026, 12, 1) and i.due_date == date(2026, 12, 20) for i in issued)
    async with h.services.db.sessions() as session:
        audits = (await session.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "invoice.issue_monthly")
        )).scalar_one()
    assert audits == 1  # only the run that issued something leaves a row

    h.clock.set(at(date(2027, 1, 1), hour=3))  # next month: one more each
    assert await issue_monthly_invoices(restarted.services) == 2
    assert await issue_monthly_invoices(h.services) == 0
    assert len(await all_invoices(h)) == 4


async def test_a_billing_day_missed_while_the_server_was_off_is_caught_up(
    harness_factory: Callable[..., Any], sqlite_url: str
) -> None:
    h: Harness = await harness_factory(sqlite_url, billing_day=5, invoice_due_days=10, **GATEWAYS)
    h.clock.set(at(date(2026, 12, 4), hour=23))
    await add_customer(h, "AGLS202511010001", "6281200000301")
    assert await issue_monthly_invoices(h.services) == 0  # not the billing day yet
    # The server is off from the 4th to the 7th; it starts again on the 8th.
    h.clock.set(at(date(2026, 12, 8), hour=8))
    back: Harness = await harness_factory(sqlite_url, billing_day=5, invoice_due_days=10, **GATEWAYS)
    assert await issue_monthly_invoices(back.services) == 1
    [invoice] = await all_invoices(back)
    assert (invoice.period, invoice.issue_date, invoice.due_date) == ("2026-12", date(2026, 12, 8), date(2026, 12, 18))


async def test_each_reminder_goes_out_once_on_its_day_in_the_customers_language_and_gateway(
    harness_factory: Callable[..., Any], db_url: str
) -> None:
    h: Harness = await harness_factory(db_url, billing_day=1, invoice_due_days=19, **GATEWAYS)
    h.clock.set(at(date(2026, 12, 1), hour=1))
    chat_customer = await add_customer(h, "AGLS202511010001", "6281200000301")  # writes to us on Fonnte, in English
    quiet_customer = await add_customer(h, "AGLS202511010002", "6281200000302")  # never wrote: the default gateway
    paying_customer = await add_customer(h, "AGLS202511010003", "6281200000303")
    await add_conversation(h, "6281200000301", "fonnte", "en")
    assert await issue_monthly_invoices(h.services) == 3
    by_customer = {i.customer_id: i for i in await all_invoices(h)}
    async with h.services.db.transaction() as session:  # paid at once: never reminded
        paying = await session.get_one(Invoice, by_customer[paying_customer].id)
        await invoices.mark_paid(session, paying, method="qris", reference="Q1", now=h.clock.now())

    sent_on: dict[str, date] = {}
    day = date(2026, 12, 1)
    while day <= date(2027, 1, 5):
        for hour in (0, 6, 9, 13, 20, 22):  # the hourly job, sampled; a restart on the 20th
            h.clock.set(at(day, hour))
            services = h.services
            if day == date(2026, 12, 20) and hour == 13:
                services = (await harness_factory(db_url, billing_day=1, invoice_due_days=19, **GATEWAYS)).services
            await send_due_reminders(services)
            for row in await reminders(h):
                if row.purpose not in sent_on:
                    sent_on[row.purpose] = day
                    assert 9 <= at(day, hour).astimezone(JAKARTA).hour < 21, "no reminders at night"
        day += timedelta(days=1)

    expected = {}
    for customer_id in (chat_customer, quiet_customer):
        invoice_id = by_customer[customer_id].id
        expected |= {f"invoice_reminder:{invoice_id}:-3": date(2026, 12, 17),
                     f"invoice_reminder:{invoice_id}:0": date(2026, 12, 20),
                     f"invoice_reminder:{invoice_id}:3": date(2026, 12, 23)}
    assert sent_on == expected
    rows = await reminders(h)
    assert len(rows) == 6  # each exactly once
    assert {r.provider for r in rows if r.phone == "6281200000301"} == {"fonnte"}
    assert {r.provider for r in rows if r.phone == "6281200000302"} == {"sandbox"}

    english = [r.text for r in rows if r.phone == "6281200000301"]
    assert "due in *3 days*" in english[0] and "due *today*" in english[1] and "*3 days overdue*" in english[2]
    indonesian = [r.text for r in rows if r.phone == "6281200000302"]
    assert "jatuh tempo dalam *3 hari*" in indonesian[0]
    assert "jatuh tempo *hari ini*" in indonesian[1]
    assert "*lewat 3 hari* dari jatuh tempo" in indonesian[2]
    for text in indonesian:
        assert "Pelanggan 0002" in text and "*Jumlah:* Rp 199.900" in text
        assert "*Jatuh tempo:* Minggu, 20 Desember 2026" in text and "*Periode:* Desember 2026" in text
        assert "Transfer bank BCA 1234567890" in text and "ketik *tagihan*" in text.lower()

    await h.settle()  # the Fonnte ones reach the gateway
    assert [t for t in h.gateway.texts_to("6281200000301")] == english


async def test_a_missed_reminder_day_is_caught_up_without_a_burst(
    harness_factory: Callable[..., Any], sqlite_url: str
) -> None:
    h: Harness = await harness_factory(sqlite_url, **GATEWAYS)
    h.clock.set(at(date(2026, 12, 1), hour=1))
    await add_customer(h, "AGLS202511010001", "6281200000301")
    await issue_monthly_invoices(h.services)
    [invoice] = await all_invoices(h)  # due on 20 December

    h.clock.set(at(date(2026, 12, 18), hour=10))  # off on the 17th (the -3 day): sent late, counted right
    assert await send_due_reminders(h.services) == 1
    [late] = await reminders(h)
    assert late.purpose == f"invoice_reminder:{invoice.id}:-3" and "dalam *2 hari*" in late.text
    h.clock.set(at(date(2026, 12, 19), hour=10))
    assert await send_due_reminders(h.services) == 0

    h.clock.set(at(date(2026, 12, 25), hour=10))  # off from the 19th: the due-day reminder is stale now
    assert await send_due_reminders(h.services) == 1
    rows = await reminders(h)
    assert [r.purpose for r in rows] == [late.purpose, f"invoice_reminder:{invoice.id}:3"]
    assert "*lewat 5 hari*" in rows[-1].text
    h.clock.set(at(date(2026, 12, 30), hour=10))  # past the catch-up window: nothing more, ever
    assert await send_due_reminders(h.services) == 0


async def test_an_offset_on_the_issue_day_tells_the_customer_the_invoice_is_out(
    harness_factory: Callable[..., Any], sqlite_url: str
) -> None:
    """README: add the issue day's offset for an 'invoice issued' message; it waits for the
    reminder hour instead of going at the midnight the invoice is made."""
    h: Harness = await harness_factory(sqlite_url, invoice_reminder_offsets=[-19, -3, 0, 3], **GATEWAYS)
    h.clock.set(at(date(2026, 12, 1), hour=0))
    await add_customer(h, "AGLS202511010001", "6281200000301")
    assert await issue_monthly_invoices(h.services) == 1
    assert await send_due_reminders(h.services) == 0  # 00.00 WIB
    h.clock.set(at(date(2026, 12, 1), hour=9))
    assert await send_due_reminders(h.services) == 1
    [issued] = await reminders(h)
    assert "jatuh tempo dalam *19 hari*" in issued.text and "Rp 199.900" in issued.text


async def test_reminders_wait_for_the_reminder_hour(
    harness_factory: Callable[..., Any], sqlite_url: str
) -> None:
    h: Harness = await harness_factory(sqlite_url, invoice_reminder_hour=14, **GATEWAYS)
    h.clock.set(at(date(2026, 12, 1), hour=1))
    await add_customer(h, "AGLS202511010001", "6281200000301")
    await issue_monthly_invoices(h.services)
    h.clock.set(at(date(2026, 12, 20), hour=13))
    assert await send_due_reminders(h.services) == 0
    h.clock.set(at(date(2026, 12, 20), hour=14))
    assert await send_due_reminders(h.services) == 1


async def test_a_payment_is_recorded_audited_and_receipted_once(
    harness_factory: Callable[..., Any], db_url: str
) -> None:
    h: Harness = await harness_factory(db_url, provider="fonnte", fonnte_token="tok")
    h.clock.set(at(date(2026, 12, 2)))
    await add_customer(h, "AGLS202511010001", "6281200000301")
    await issue_monthly_invoices(h.services)
    [invoice] = await all_invoices(h)
    async with h.services.db.transaction() as session:
        stored = await session.get_one(Invoice, invoice.id)
        with pytest.raises(ValueError, match="payment method"):
            await record_payment(h.services, session, stored, method="bitcoin", reference=None, actor=None)
        await record_payment(h.services, session, stored, method="bank_transfer", reference=" TRF-778 ", actor=None)
    async with h.services.db.transaction() as session:
        stale = await session.get_one(Invoice, invoice.id)
        with pytest.raises(invoices.InvoiceAlreadyPaid):
            await record_payment(h.services, session, stale, method="cash", reference=None, actor=None)
    [paid] = await all_invoices(h)
    assert (paid.status, paid.payment_method, paid.payment_reference) == ("paid", "bank_transfer", "TRF-778")
    await h.settle()
    [receipt] = h.gateway.texts_to("6281200000301")
    assert "Pembayaran Anda sudah kami terima" in receipt and "Rp 199.900" in receipt
    assert "*Metode:* Transfer bank (TRF-778)" in receipt and paid.invoice_number in receipt
    async with h.services.db.sessions() as session:
        entry = (await session.execute(select(AuditEntry).where(AuditEntry.action == "invoice.paid"))).scalar_one()
    assert entry.target_id == paid.invoice_number and entry.detail["method"] == "bank_transfer"
    h.clock.advance(days=30)
    assert await send_due_reminders(h.services) == 0  # paid: no reminder


def test_the_billing_jobs_run_by_hand(tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from ispbot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("ISPBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("ISPBOT_DATA_DIR", str(tmp_path / "data"))
    assert main(["jobs", "run", "billing"]) == 0  # migrates the empty database first
    assert main(["jobs", "run", "invoice-reminders"]) == 0
    out = capsys.readouterr().out
    assert "billing: 0 item(s)" in out and "invoice-reminders: 0 item(s)" in out
