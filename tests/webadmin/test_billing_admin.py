"""Customers and invoices in the admin: search with the NIK masked, a customer's page,
invoice filters and totals, recording a payment (supervisor; audited; the receipt reaches
the customer on WhatsApp; never twice) and the invoice PDF for staff."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select, update

from ispbot.storage import tickets
from ispbot.storage.models import AuditEntry, Customer, Invoice, Package, Registration
from tests.conftest import Harness
from tests.webadmin.support import Browser, make_registration

TODAY = date(2026, 11, 21)  # the FakeClock's day


async def make_customer(
    h: Harness, *, code: str = "AGLS202511010001", name: str = "Budi Santoso", phone: str = "6281200000101",
    nik: str = "3273010101900001",
) -> Customer:
    """A customer created from a registration (which holds the NIK), on Home Silver 40M."""
    registration = await make_registration(h, full_name=name, phone=phone, id_card_number=nik,
                                           email=f"{code.lower()}@example.com")
    now = h.clock.now()
    async with h.services.db.transaction() as session:
        package = (await session.execute(select(Package).where(Package.code == "home-silver-40"))).scalar_one()
        customer = Customer(customer_code=code, full_name=name, email=registration.email, phone=phone,
                            address="Jl. Sukajadi No. 10", city="Kota Bandung", package_id=package.id,
                            account_status="active", created_at=now, updated_at=now)
        session.add(customer)
        await session.flush()
        await session.execute(update(Registration).where(Registration.id == registration.id)
                              .values(customer_id=customer.id, status="customer_created"))
    return customer


async def add_invoice(h: Harness, customer: Customer, period: str, due: date, status: str = "unpaid") -> Invoice:
    async with h.services.db.transaction() as session:
        invoice = Invoice(
            invoice_number=f"INV-{period.replace('-', '')}-{customer.id:05d}", customer_id=customer.id,
            period=period, issue_date=due - timedelta(days=19), due_date=due, amount=199_900, status=status,
            lines=[{"description": f"Home Silver 40M ({period})", "amount": 199_900}],
            paid_at=h.clock.now() if status == "paid" else None,
            payment_method="bank_transfer" if status == "paid" else None, created_at=h.clock.now(),
        )
        session.add(invoice)
        await session.flush()
        return invoice


async def invoice_status(h: Harness, invoice_id: int) -> str:
    async with h.services.db.sessions() as session:
        return (await session.get_one(Invoice, invoice_id)).status


async def test_customers_are_found_by_name_id_and_phone_with_the_nik_masked(h: Harness, cs: Browser) -> None:
    budi = await make_customer(h)
    await make_customer(h, code="AGLS202511010002", name="Siti Aminah", phone="6281200000102",
                        nik="3273014101900002")
    await add_invoice(h, budi, "2026-10", TODAY - timedelta(days=5))
    await add_invoice(h, budi, "2026-11", TODAY + timedelta(days=5))

    page = await cs.page("/admin/customers")
    assert "AGLS202511010001" in page and "AGLS202511010002" in page
    assert "3273********0001" in page and "3273010101900001" not in page
    assert "Rp 399.800" in page  # what Budi owes
    for term in ("budi", "BUDI sant", "agls202511010001", "0812-0000-0101", "+62 812 0000 0101", "0101", "00 0101"):
        found = await cs.page(f"/admin/customers?q={term.replace('+', '%2B')}")
        assert "Budi Santoso" in found and "Siti Aminah" not in found, term
    assert "Tidak ada pelanggan" in await cs.page("/admin/customers?q=nobody")


async def test_a_customers_page_shows_package_status_invoices_and_tickets(h: Harness, cs: Browser) -> None:
    budi = await make_customer(h)
    overdue = await add_invoice(h, budi, "2026-10", TODAY - timedelta(days=5))
    await add_invoice(h, budi, "2026-09", TODAY - timedelta(days=35), status="paid")
    async with h.services.db.transaction() as session:
        await tickets.open_ticket(session, kind="support", now=h.clock.now(), timezone=h.services.settings.tz,
                                  customer_id=budi.id, subject="Internet lambat", contact_phone=budi.phone)
    page = await cs.page(f"/admin/customers/{budi.id}")
    assert "Budi Santoso" in page and "Home Silver 40M" in page and "Aktif" in page
    assert overdue.invoice_number in page and "Terlambat" in page and "Lunas" in page
    assert "Internet lambat" in page and "3273********0001" in page and "3273010101900001" not in page
    assert "Rp 199.900 (1 invoice)" in page
    assert (await cs.get("/admin/customers/999999")).status == 404


async def test_invoices_filter_by_state_period_and_customer(h: Harness, cs: Browser) -> None:
    budi = await make_customer(h)
    siti = await make_customer(h, code="AGLS202511010002", name="Siti Aminah", phone="6281200000102",
                               nik="3273014101900002")
    late = await add_invoice(h, budi, "2026-10", TODAY - timedelta(days=5))
    open_ = await add_invoice(h, budi, "2026-11", TODAY + timedelta(days=5))
    paid = await add_invoice(h, siti, "2026-10", TODAY - timedelta(days=5), status="paid")

    def shown(page: str) -> set[str]:
        return {i.invoice_number for i in (late, open_, paid) if i.invoice_number in page}

    everything = await cs.page("/admin/invoices")
    assert shown(everything) == {late.invoice_number, open_.invoice_number, paid.invoice_number}
    assert 'data-kpi="unpaid">2<' in everything and 'data-kpi="overdue">1<' in everything
    assert "Rp 399.800" in everything
    assert shown(await cs.page("/admin/invoices?status=unpaid")) == {late.invoice_number, open_.invoice_number}
    assert shown(await cs.page("/admin/invoices?status=overdue")) == {late.invoice_number}
    assert shown(await cs.page("/admin/invoices?status=paid")) == {paid.invoice_number}
    assert shown(await cs.page("/admin/invoices?period=2026-10")) == {late.invoice_number, paid.invoice_number}
    assert shown(await cs.page("/admin/invoices?q=siti")) == {paid.invoice_number}
    assert shown(await cs.page(f"/admin/invoices?q={open_.invoice_number.lower()}")) == {open_.invoice_number}
    assert shown(await cs.page("/admin/invoices?status=bogus&period=2026-13")) == shown(everything)


async def test_a_supervisor_marks_an_invoice_paid_and_the_customer_gets_a_receipt(
    h: Harness, browser_factory: Callable[..., Any], cs: Browser
) -> None:
    supervisor: Browser = await browser_factory("supervisor")
    budi = await make_customer(h)
    invoice = await add_invoice(h, budi, "2026-11", TODAY + timedelta(days=5))
    path = f"/admin/invoices/{invoice.id}"

    assert 'action="/admin/invoices' not in await cs.page(path)  # no payment form for CS
    assert (await cs.post(f"{path}/pay", {"method": "qris", "reference": "Q1"})).status == 403
    assert (await supervisor.post(f"{path}/pay", {"method": "qris"}, csrf=False)).status == 403
    refused = await supervisor.follow(await supervisor.post(f"{path}/pay", {"method": "", "reference": "x"}))
    assert "Pilih metode pembayaran" in refused
    assert await invoice_status(h, invoice.id) == "unpaid"

    done = await supervisor.follow(await supervisor.post(f"{path}/pay", {"method": "bank_transfer",
                                                                         "reference": "TRF-20261121-77"}))
    assert f"Invoice {invoice.invoice_number} dicatat lunas" in done
    assert 'data-invoice-status="paid"' in done and "Transfer bank" in done and "TRF-20261121-77" in done
    assert await invoice_status(h, invoice.id) == "paid"
    await h.settle()
    [receipt] = h.gateway.texts_to("6281200000101")
    assert "Pembayaran Anda sudah kami terima" in receipt and "Rp 199.900" in receipt
    assert "Transfer bank (TRF-20261121-77)" in receipt
    assert "Kuitansi" in await cs.page(path)  # the receipt is listed with the invoice

    again = await supervisor.follow(await supervisor.post(f"{path}/pay", {"method": "cash"}))
    assert "sudah lunas" in again
    await h.settle()
    assert len(h.gateway.texts_to("6281200000101")) == 1  # one receipt only
    async with h.services.db.sessions() as session:
        [entry] = (await session.execute(select(AuditEntry).where(AuditEntry.action == "invoice.paid"))).scalars()
    assert entry.actor_label == "supervisor" and entry.target_id == invoice.invoice_number
    assert entry.detail == {"amount": 199_900, "method": "bank_transfer", "reference": "TRF-20261121-77"}
    assert 'data-invoice-status="paid"' in await cs.page(f"/admin/customers/{budi.id}")


async def test_staff_download_the_invoice_pdf(h: Harness, cs: Browser) -> None:
    budi = await make_customer(h)
    invoice = await add_invoice(h, budi, "2026-11", TODAY + timedelta(days=5))
    response = await cs.get(f"/admin/invoices/{invoice.id}/pdf")
    assert response.status == 200 and response.content_type == "application/pdf"
    assert f'filename="{invoice.invoice_number}.pdf"' in response.headers["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(await response.read())).pages)
    assert invoice.invoice_number in text and "Budi Santoso" in text and "Rp 199.900" in text
    assert "26 November 2026" in text  # the due date
    assert (await cs.get("/admin/invoices/999999/pdf")).status == 404
