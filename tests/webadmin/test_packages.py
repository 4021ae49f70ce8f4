"""The packages page: an admin sets up what the chat offers (add, edit, deactivate, every
change audited); supervisors read, CS not at all; a bad form comes back as typed; no
more active packages than the chat lists; a deactivated package leaves the chat but not
the registrations that chose it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from ispbot.storage.models import AuditEntry, Package
from ispbot.storage.packages import MAX_ACTIVE, code_from, read_price
from tests.conftest import Harness
from tests.flows.chat import Chat
from tests.flows.test_registration_paths import to_question
from tests.webadmin.support import Browser, make_registration, refused

NEW = {"name": "Home Ultra 500M", "speed_mbps": "500", "monthly_price": "Rp 777.000",
       "description": "Fiber 500 Mbps", "is_active": "1"}


async def package_named(h: Harness, name: str) -> Package:
    async with h.services.db.sessions() as session:
        return (await session.execute(select(Package).where(Package.name == name))).scalar_one()


def edited(package: Package, **changes: str) -> dict[str, str]:
    """The edit form as the admin sends it: the package's values, with `changes`."""
    form = {"name": package.name, "speed_mbps": str(package.speed_mbps), "monthly_price": str(package.monthly_price),
            "description": package.description, "sort_order": str(package.sort_order),
            "is_active": "1" if package.is_active else ""}
    form.update(changes)
    return {k: v for k, v in form.items() if not (k == "is_active" and not v)}  # an unticked box is not sent


@pytest.mark.parametrize(("typed", "rupiah"), [("199.900", 199_900), ("199900", 199_900), ("Rp 199.900", 199_900),
                                                ("rp199.900,-", 199_900), ("0", 0), ("1.250.000", 1_250_000)])
def test_prices_as_staff_type_them(typed: str, rupiah: int) -> None:
    assert read_price(typed) == rupiah


@pytest.mark.parametrize("typed", ["", "199,9", "19.99", "-5", "dua ratus ribu", "199 900", "1.2345"])
def test_prices_that_are_not_whole_rupiah(typed: str) -> None:
    assert read_price(typed) is None


def test_codes_are_made_from_names() -> None:
    assert code_from("Home Ultra 500M") == "home-ultra-500m"
    assert code_from("  Paket Pelajar (Hemat!) ") == "paket-pelajar-hemat"
    assert code_from("🚀🚀") == "paket"


async def test_admin_adds_a_package_and_the_chat_offers_it(h: Harness, admin: Browser) -> None:
    page = await admin.follow(await admin.post("/admin/packages", NEW))
    assert "Paket Home Ultra 500M ditambahkan dan ditawarkan di chat pendaftaran." in page
    assert "Rp 777.000" in page and "home-ultra-500m" in page and "500 Mbps" in page
    assert '<a href="/admin/packages" class="active">Paket</a>' in page  # in the admin's nav
    added = await package_named(h, "Home Ultra 500M")
    assert (added.code, added.monthly_price, added.speed_mbps, added.category, added.is_active) == (
        "home-ultra-500m", 777_000, 500, "broadband", True)
    assert added.sort_order > (await package_named(h, "Home Titanium 300M")).sort_order  # no order: last

    again = await admin.follow(await admin.post("/admin/packages", {**NEW, "speed_mbps": "600"}))
    assert "ditambahkan" in again
    async with h.services.db.sessions() as session:
        codes = set((await session.execute(select(Package.code).where(Package.name == "Home Ultra 500M"))).scalars())
        audits = list((await session.execute(select(AuditEntry.action).where(AuditEntry.target_type == "package")))
                      .scalars())
    assert codes == {"home-ultra-500m", "home-ultra-500m-2"}  # unique, though the names are the same
    assert audits == ["package.create", "package.create"]
    assert "package.create" in await admin.page("/admin/audit")

    chat = Chat(h)
    [question] = await to_question(chat, "paket")
    assert "Home Ultra 500M" in question and "Rp 777.000" in question
    [date_question] = await chat.send("7")
    assert "tanggal instalasi" in date_question


async def test_a_bad_form_comes_back_as_typed_with_what_to_fix(h: Harness, admin: Browser) -> None:
    page = await refused(await admin.post("/admin/packages", {**NEW, "monthly_price": "199,9"}))
    assert "Harga per bulan berupa angka Rupiah" in page
    assert 'value="Home Ultra 500M"' in page and 'value="500"' in page and 'value="199,9"' in page
    assert "Fiber 500 Mbps</textarea>" in page
    page = await refused(await admin.post("/admin/packages", {**NEW, "name": "X", "speed_mbps": "10001"}))
    assert "Nama paket 2–80 karakter." in page and "Kecepatan berupa bilangan bulat 1–10000 Mbps" in page
    page = await refused(await admin.post("/admin/packages", {**NEW, "code": "home-silver-40"}))
    assert "sudah dipakai" in page
    silver = await package_named(h, "Home Silver 40M")
    page = await refused(await admin.post(f"/admin/packages/{silver.id}", edited(silver, speed_mbps="cepat")))
    assert "Kecepatan berupa bilangan bulat" in page and 'value="cepat"' in page
    async with h.services.db.sessions() as session:
        assert (await session.execute(select(Package).where(Package.name == "Home Ultra 500M"))).first() is None
        assert (await session.get(Package, silver.id)).speed_mbps == 40  # type: ignore[union-attr]


async def test_cs_may_not_see_packages_and_supervisors_only_read(
    h: Harness, cs: Browser, browser_factory: Callable[..., Any]
) -> None:
    silver = await package_named(h, "Home Silver 40M")
    assert (await cs.get("/admin/packages")).status == 403
    assert (await cs.get(f"/admin/packages/{silver.id}")).status == 403
    assert (await cs.post("/admin/packages", NEW)).status == 403
    assert 'href="/admin/packages"' not in await cs.page("/admin/registrations")
    supervisor = await browser_factory("supervisor")
    page = await supervisor.page("/admin/packages")
    assert "Home Silver 40M" in page and "Tambah Paket" not in page
    assert '<fieldset class="stack" disabled>' in await supervisor.page(f"/admin/packages/{silver.id}")
    assert (await supervisor.post(f"/admin/packages/{silver.id}", edited(silver, is_active=""))).status == 403
    assert (await package_named(h, "Home Silver 40M")).is_active


async def test_a_deactivated_package_leaves_the_chat_but_not_its_registrations(h: Harness, admin: Browser) -> None:
    registration = await make_registration(h)  # chose Home Silver 40M
    silver = await package_named(h, "Home Silver 40M")
    listing = await admin.page("/admin/packages")
    assert f'<tr data-package="{silver.id}" class="">' in listing
    page = await admin.follow(await admin.post(f"/admin/packages/{silver.id}", edited(silver, is_active="")))
    assert "Paket dinonaktifkan" in page and "dipilih 1 pendaftaran" in page
    assert not (await package_named(h, "Home Silver 40M")).is_active
    async with h.services.db.sessions() as session:
        audit = (await session.execute(select(AuditEntry).where(AuditEntry.target_type == "package"))).scalar_one()
    assert (audit.action, audit.target_id, audit.actor_label) == ("package.deactivate", "home-silver-40", "admin")
    assert audit.detail == {"is_active": {"from": True, "to": False}}

    chat = Chat(h, phone="6281200000199")
    [question] = await to_question(chat, "paket")
    assert "Home Bronze 20M" in question and "Home Silver" not in question
    assert "Home Silver 40M" in await admin.page(f"/admin/registrations/{registration.id}")

    page = await admin.follow(await admin.post(f"/admin/packages/{silver.id}", edited(
        silver, name="Home Silver 50M", speed_mbps="50", is_active="")))
    assert "Perubahan disimpan." in page  # still inactive: edited, not activated
    assert not (await package_named(h, "Home Silver 50M")).is_active


async def test_a_package_deactivated_after_it_was_chosen_is_chosen_again(h: Harness, admin: Browser) -> None:
    chat = Chat(h)
    await to_question(chat, "Langkah 4/4")  # chose "2": Home Silver 40M
    silver = await package_named(h, "Home Silver 40M")
    await admin.post(f"/admin/packages/{silver.id}", edited(silver, is_active=""))
    gone, question = await chat.send("kirim")
    assert "Home Silver 40M" in gone and "tidak tersedia" in gone
    assert "Home Bronze 20M" in question and "Home Silver" not in question
    await chat.send("1")
    [summary] = await chat.send("kirim")
    assert "REG-" in summary


async def test_no_more_active_packages_than_the_chat_lists(h: Harness, admin: Browser) -> None:
    for n in range(MAX_ACTIVE - 6):  # six from the seed
        await admin.post("/admin/packages", {**NEW, "name": f"Paket Ekstra {n}"})
    page = await refused(await admin.post("/admin/packages", {**NEW, "name": "Paket Kesebelas"}))
    assert f"Sudah ada {MAX_ACTIVE} paket aktif" in page and 'value="Paket Kesebelas"' in page
    page = await admin.follow(await admin.post("/admin/packages", {**NEW, "name": "Paket Kesebelas",
                                                                   "is_active": ""}))
    assert "Paket Paket Kesebelas ditambahkan (nonaktif)." in page
    eleventh = await package_named(h, "Paket Kesebelas")
    page = await refused(await admin.post(f"/admin/packages/{eleventh.id}", edited(eleventh, is_active="1")))
    assert f"Sudah ada {MAX_ACTIVE} paket aktif" in page
    assert not (await package_named(h, "Paket Kesebelas")).is_active
    bronze = await package_named(h, "Home Bronze 20M")
    await admin.post(f"/admin/packages/{bronze.id}", edited(bronze, is_active=""))
    page = await admin.follow(await admin.post(f"/admin/packages/{eleventh.id}", edited(eleventh, is_active="1")))
    assert "Paket diaktifkan" in page
    assert (await package_named(h, "Paket Kesebelas")).is_active


async def test_a_new_price_tells_the_admin_who_keeps_the_old_one(h: Harness, admin: Browser) -> None:
    """The monthly invoices take the package's price of the day: a price raised "for new
    sign-ups" billed every customer on it more from the next invoice, and the page said
    only "Perubahan disimpan.". Registrations keep the price they were quoted: the page
    says so, not that the new price applies to all who use the package."""
    from ispbot.storage.demo import seed_demo_customer

    async with h.services.db.transaction() as session:
        await seed_demo_customer(session, h.clock.now(), h.clock.now().date())  # on Home Silver 40M
    await make_registration(h)  # on Home Silver 40M too
    silver = await package_named(h, "Home Silver 40M")
    form = await admin.page(f"/admin/packages/{silver.id}")
    assert 'id="price-note"' in form
    assert "Pendaftaran yang sudah masuk (1) tetap dengan harga yang disetujui pelanggan saat mendaftar" in form
    assert "ditagih harga baru mulai tagihan bulanan berikutnya" in form
    assert "berlaku untuk semua yang memakai paket ini" not in form
    page = await admin.follow(await admin.post(f"/admin/packages/{silver.id}", edited(silver, monthly_price="219.900")))
    assert ("Perubahan disimpan. Pendaftar baru mendapat harga baru; 1 pendaftaran yang sudah masuk tetap dengan "
            "harga saat mendaftar. Harga baru berlaku juga untuk 1 pelanggan paket ini, mulai tagihan bulanan "
            "berikutnya.") in page
    renamed = await admin.follow(await admin.post(f"/admin/packages/{silver.id}", edited(
        await package_named(h, "Home Silver 40M"), name="Home Silver 40M Plus")))
    assert "Perubahan disimpan." in renamed and "pelanggan paket ini" not in renamed
    assert "Pendaftar baru" not in renamed


async def test_a_new_price_of_a_package_no_one_chose_says_only_who_gets_it(h: Harness, admin: Browser) -> None:
    gold = await package_named(h, "Home Gold 75M")
    page = await admin.follow(await admin.post(f"/admin/packages/{gold.id}", edited(gold, monthly_price="270.000")))
    assert "Perubahan disimpan. Pendaftar baru mendapat harga baru." in page
    assert "pendaftaran yang sudah masuk" not in page and "pelanggan paket ini" not in page
