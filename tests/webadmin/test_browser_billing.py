"""Browser test of billing: a supervisor finds a customer, opens the overdue invoice,
marks it paid with method and reference (confirming the dialog), sees it paid on the
invoice and the customer's page, and the customer gets the receipt on WhatsApp.
Uses the live app and Chromium of test_browser.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import select

from ispbot.storage.models import Customer, Invoice, Package
from tests.webadmin.support import PASSWORD
from tests.webadmin.test_browser import LiveApp, chromium, live, seed, shot  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


async def test_a_supervisor_marks_an_invoice_paid_in_the_browser(live: LiveApp, chromium: Browser) -> None:  # noqa: F811
    await seed(live)  # packages, a supervisor, registrations
    services, now = live.harness.services, live.clock.now()
    async with services.db.transaction() as session:
        package = (await session.execute(select(Package).where(Package.code == "home-silver-40"))).scalar_one()
        customer = Customer(customer_code="AGLS202510150001", full_name="Ahmad Test Customer",
                            email="ahmad.test@example.com", phone="6281200000002", package_id=package.id,
                            account_status="active", created_at=now, updated_at=now)
        session.add(customer)
        await session.flush()
        invoice = Invoice(invoice_number=f"INV-202610-{customer.id:05d}", customer_id=customer.id, period="2026-10",
                          issue_date=now.date() - timedelta(days=30), due_date=now.date() - timedelta(days=11),
                          amount=199_900, status="unpaid",
                          lines=[{"description": "Home Silver 40M (10/2026)", "amount": 199_900}], created_at=now)
        session.add(invoice)
    context = await chromium.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = await context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())

    await page.goto(f"{live.url}/admin/login")
    await page.fill("input[name=username]", "supervisor")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button:has-text('Masuk')")
    await page.click("nav >> text=Pelanggan")
    await expect(page.locator("h1")).to_have_text("Pelanggan")
    await page.fill("input[name=q]", "0812-0000-0002")
    await page.click("button:has-text('Cari')")
    await expect(page.locator("#customers tbody tr")).to_have_count(1)
    await expect(page.locator("#customers tbody tr")).to_contain_text("Rp 199.900")
    await page.click("text=AGLS202510150001")
    await expect(page.locator("h1")).to_contain_text("Ahmad Test Customer")
    await expect(page.locator("#customer-invoices [data-invoice-status]")).to_have_text("Terlambat")
    await shot(page, "customer-detail")

    await page.click(f"text={invoice.invoice_number}")
    await expect(page.locator("h1 .badge")).to_have_text("Terlambat")
    await page.select_option("select[name=method]", "bank_transfer")
    await page.fill("input[name=reference]", "TRF-BCA-0099")
    await shot(page, "invoice-detail")
    await page.click("button:has-text('Tandai lunas')")
    await page.wait_for_load_state()
    await expect(page.locator(".flash-ok")).to_contain_text("dicatat lunas")
    await expect(page.locator("h1 .badge")).to_have_text("Lunas")
    await expect(page.locator("#payment")).to_contain_text("TRF-BCA-0099")
    await live.settle()
    [receipt] = live.texts("6281200000002")
    assert "Pembayaran Anda sudah kami terima" in receipt and "Transfer bank (TRF-BCA-0099)" in receipt
    await page.reload()
    await expect(page.locator("#invoice-messages")).to_contain_text("Kuitansi")

    await page.click("nav >> text=Tagihan")
    await page.select_option("select[name=status]", "paid")
    await page.click("button:has-text('Saring')")
    await expect(page.locator("#invoices tbody tr")).to_have_count(1)
    await expect(page.locator("#invoices tbody tr")).to_contain_text(invoice.invoice_number)
    await shot(page, "invoices-list")
    async with page.expect_download() as download_info:
        await page.goto(f"{live.url}/admin/customers/{customer.id}")
        await page.click("#customer-invoices a:has-text('PDF')")
    download = await download_info.value
    assert download.suggested_filename == f"{invoice.invoice_number}.pdf"
    await context.close()
