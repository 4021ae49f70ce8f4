"""A registration keeps the monthly price it was quoted: an admin's later price change
reaches new registrations and the package's customers' invoices, never what an existing
registration says the customer agreed to (track page, public API, the admin, the export,
the staff API)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from ispbot.storage import invoices
from ispbot.storage.models import Customer, Package
from tests.conftest import Harness
from tests.webadmin.support import Browser, make_registration, to_customer
from tests.webadmin.test_api import token_for
from tests.webadmin.test_packages import edited, package_named


async def reprice_silver(admin: Browser, h: Harness, price: str = "249.900") -> None:
    silver = await package_named(h, "Home Silver 40M")
    assert silver.monthly_price == 199_900
    await admin.follow(await admin.post(f"/admin/packages/{silver.id}", edited(silver, monthly_price=price)))


async def test_a_price_change_after_registering_changes_nothing_the_customer_was_quoted(
    h: Harness, admin: Browser, cs: Browser
) -> None:
    registration = await make_registration(h)  # Home Silver 40M at Rp 199.900
    await reprice_silver(admin, h)
    track = await (await h.client.get(f"/track/{registration.registration_number}")).text()
    assert "Rp 199.900/bulan" in track and "249.900" not in track
    public = await (await h.client.get(
        f"/api/registrations/public/status/{registration.registration_number}")).json()
    assert public["data"]["package"]["monthly_price"] == 199_900
    detail = await cs.page(f"/admin/registrations/{registration.id}")
    assert "Rp 199.900/bulan (harga saat mendaftar; harga paket kini Rp 249.900)" in detail
    exported = (await (await cs.get("/admin/registrations/export.csv")).read()).decode("utf-8-sig").splitlines()
    header, [row] = exported[0].split(","), exported[1:]
    assert row.split(",")[header.index("Harga/bulan")] == "199900"
    staff_api = await (await h.client.get(f"/api/registrations/{registration.id}",
                                          headers=await token_for(h, "cs"))).json()
    assert staff_api["data"]["package"]["monthly_price"] == 199_900
    newer = await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102")
    assert newer.quoted_monthly_price == 249_900  # a new registration gets the new price
    newer_track = await (await h.client.get(f"/track/{newer.registration_number}")).text()
    assert "Rp 249.900/bulan" in newer_track


async def test_the_admin_page_adds_the_package_price_only_when_it_differs(h: Harness, cs: Browser) -> None:
    registration = await make_registration(h)
    detail = await cs.page(f"/admin/registrations/{registration.id}")
    assert "Rp 199.900/bulan" in detail and "harga saat mendaftar" not in detail


async def test_invoices_bill_the_package_price_of_the_day_not_the_quote(h: Harness, admin: Browser) -> None:
    """Billing follows the subscription (the customer's package at its price of the day),
    as the admin is told when changing a price; the registration still shows its quote."""
    registration = await make_registration(h)
    await to_customer(admin, registration)
    await reprice_silver(admin, h)
    async with h.services.db.transaction() as session:
        await session.execute(update(Customer).values(  # installed, as a resolved installation ticket does
            account_status="active", activated_at=datetime(2026, 11, 25, 3, tzinfo=UTC)))
        [invoice] = await invoices.issue_monthly(
            session, today=date(2026, 12, 1), now=datetime(2026, 12, 1, 3, tzinfo=UTC), billing_day=1,
            due_days=10, timezone=ZoneInfo("Asia/Jakarta"))
        silver = (await session.execute(select(Package).where(Package.code == "home-silver-40"))).scalar_one()
    assert invoice.amount == silver.monthly_price == 249_900
    track = await (await h.client.get(f"/track/{registration.registration_number}")).text()
    assert "Rp 199.900/bulan" in track
