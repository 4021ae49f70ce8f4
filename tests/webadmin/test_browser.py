"""Browser tests: Playwright drives Debian's Chromium (headless; Playwright never downloads
a browser) against the real app on a real port, with the Fonnte gateway faked. A CS
supervisor logs in, finds a registration, verifies it, schedules the survey, completes
it, approves, creates the customer, and rejects another one with a reason; each step
checks the page and the WhatsApp message the customer got. Screenshots of the list,
detail and tracking pages go to artifacts/screenshots/ (CI artefacts, not committed)."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from ispbot.app import DISPATCHER, SENDER, create_app
from ispbot.clock import FakeClock
from ispbot.storage.demo import seed_packages
from ispbot.storage.models import User
from ispbot.storage.users import Role, create_user
from tests.conftest import make_settings
from tests.fakes import FakeGateway
from tests.webadmin.support import PASSWORD, make_registration

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        pytest.fail("Debian's Chromium is required in CI (make browser)", pytrace=False)
    pytest.skip("Debian's Chromium is not installed (make browser)", allow_module_level=True)

from playwright.async_api import Browser, Page, async_playwright, expect  # noqa: E402


@dataclass
class LiveApp:
    """The whole service on a real port; `settle()` sends the queued WhatsApp messages."""

    app: web.Application
    url: str
    gateway: FakeGateway
    clock: FakeClock

    @property
    def harness(self) -> Any:  # enough of tests.conftest.Harness for the seeding helpers
        from ispbot.webhooks import SERVICES

        return type("H", (), {"services": self.app[SERVICES], "clock": self.clock})()

    async def settle(self) -> None:
        await self.app[DISPATCHER].drain()
        await self.app[SENDER].drain()

    def texts(self, phone: str) -> list[str]:
        return self.gateway.texts_to(phone)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def live(tmp_path: Path, sqlite_url: str, clock: FakeClock) -> AsyncIterator[LiveApp]:
    port = free_port()
    gateway = FakeGateway()
    settings = make_settings(sqlite_url, tmp_path / "data", provider="fonnte", fonnte_token="tok",
                             public_url=f"http://127.0.0.1:{port}")
    app = create_app(settings, clock=clock, transport=gateway.transport(), background=False)
    runner = web.AppRunner(app, shutdown_timeout=2)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield LiveApp(app, f"http://127.0.0.1:{port}", gateway, clock)
    finally:
        await runner.cleanup()


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def seed(live: LiveApp) -> dict[str, Any]:
    h = live.harness
    async with h.services.db.transaction() as session:
        await seed_packages(session)
        await create_user(session, username="supervisor", password=PASSWORD, role=Role.SUPERVISOR,
                          now=live.clock.now(), full_name="Sari Supervisor")
    people = [("Rudi Hartono", "Kota Bandung"), ("Maya Putri", "Kota Cimahi"), ("Agus Salim", "Kab. Bandung"),
              ("Lina Marlina", "Kota Bandung"), ("Dedi Kurniawan", "Kota Bandung"), ("Nur Aisyah", "Kota Cimahi")]
    for n, (name, city) in enumerate(people):
        live.clock.advance(minutes=37)
        await make_registration(h, full_name=name, email=f"{name.split()[0].lower()}@example.com",
                                phone=f"62812000002{n:02d}", city=city, id_card_number=f"327301010190{n + 10:04d}")
    live.clock.advance(minutes=20)
    budi = await make_registration(h, latitude=-6.8712, longitude=107.5936, address_notes="Pagar hijau, dekat masjid")
    live.clock.advance(minutes=5)
    siti = await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102")
    return {"budi": budi, "siti": siti}


async def sign_in(page: Page, url: str, username: str, next_path: str = "") -> None:
    await page.goto(f"{url}/admin/login" + (f"?next={next_path}" if next_path else ""))
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button:has-text('Masuk')")


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def act(page: Page, action: str, **fields: str) -> None:
    form = page.locator(f"form[action$='/actions/{action}']")
    for name, value in fields.items():
        await form.locator(f"[name={name}]").fill(value)
    await form.locator("button[type=submit]").click()
    await page.wait_for_load_state()


async def test_staff_take_a_registration_from_pending_to_customer(live: LiveApp, chromium: Browser) -> None:
    people = await seed(live)
    budi, siti = people["budi"], people["siti"]
    context = await chromium.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = await context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())

    await page.goto(f"{live.url}/admin/registrations")
    await expect(page.locator("h1")).to_have_text("Masuk ke Admin")
    await shot(page, "login")
    await page.fill("input[name=username]", "supervisor")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button:has-text('Masuk')")
    await expect(page.locator("h1")).to_have_text("Pendaftaran")
    await expect(page.locator("[data-kpi=total]")).to_have_text("8")
    await expect(page.locator("body")).to_have_attribute("data-live", "on")
    await shot(page, "registrations-list")

    await page.fill("input[name=q]", "budi")
    await page.click("button:has-text('Cari')")
    await expect(page.locator("#registrations tbody tr")).to_have_count(1)
    await page.click(f"text={budi.registration_number}")
    await expect(page.locator("h1")).to_contain_text("Budi Santoso")

    await act(page, "verify", note="KTP dan alamat cocok")
    await expect(page.locator(".flash-ok")).to_contain_text("Pendaftaran diverifikasi")
    await expect(page.locator("h1 .badge")).to_have_text("Terverifikasi")
    await live.settle()
    assert "✅ Data Anda telah diverifikasi." in live.texts("6281200000101")[-1]

    await act(page, "schedule_survey", survey_date="2026-11-21T15:00")  # later today: done today
    await expect(page.locator("h1 .badge")).to_have_text("Survey Dijadwalkan")
    await live.settle()
    assert "*Jadwal Survey:* Sabtu, 21 November 2026, 15.00 WIB" in live.texts("6281200000101")[-1]
    await expect(page.locator(".ticket-line")).to_contain_text("Survey")

    await act(page, "complete_survey")
    await expect(page.locator("h1 .badge")).to_have_text("Survey Selesai")
    await act(page, "approve", note="Area tercakup")
    await expect(page.locator("h1 .badge")).to_have_text("Disetujui")
    await live.settle()
    assert "🎉 Pendaftaran Anda telah disetujui." in live.texts("6281200000101")[-1]

    await act(page, "create_customer")
    await expect(page.locator("h1 .badge")).to_have_text("Pelanggan Dibuat")
    await expect(page.locator("dd.mono.strong")).to_have_text("AGLS202611210001")
    await live.settle()
    assert "*ID Pelanggan:* AGLS202611210001" in live.texts("6281200000101")[-1]
    await shot(page, "registration-detail")

    await page.goto(f"{live.url}/admin/registrations?q={siti.registration_number}")
    await page.click(f"text={siti.registration_number}")
    await act(page, "reject", reason="Lokasi di luar jangkauan jaringan")
    await expect(page.locator("h1 .badge")).to_have_text("Ditolak")
    await expect(page.locator(".history")).to_contain_text("Lokasi di luar jangkauan jaringan")
    await live.settle()
    assert "*Alasan:* Lokasi di luar jangkauan jaringan" in live.texts("6281200000102")[-1]

    await page.goto(f"{live.url}/admin/tickets")
    await expect(page.locator("table.table tbody tr")).to_have_count(2)
    await shot(page, "tickets-list")
    await page.goto(f"{live.url}/admin/registrations")
    await shot(page, "registrations-list-after")
    await page.set_viewport_size({"width": 390, "height": 844})
    await expect(page.locator(".kpis")).to_be_visible()
    # On a phone each registration is a card: its status in sight, nothing off to the side.
    first = page.locator("#registrations tbody tr").first
    status = first.locator('td[data-label="Status"] .badge')
    await expect(status).to_be_visible()
    box = await status.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await shot(page, "registrations-list-mobile")
    await context.close()


async def test_new_registrations_appear_without_reloading(live: LiveApp, chromium: Browser) -> None:
    await seed(live)
    context = await chromium.new_context(viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    await sign_in(page, live.url, "supervisor")
    await expect(page.locator("body")).to_have_attribute("data-live", "on")
    fresh = await make_registration(live.harness, full_name="Wati Baru", email="wati@example.com",
                                    phone="6281200000150")
    await expect(page.locator(f"tr[data-id='{fresh.id}']")).to_be_visible(timeout=10_000)
    await expect(page.locator("[data-kpi=total]")).to_have_text("9")
    await expect(page.locator("#toast")).to_contain_text(fresh.registration_number)
    search = page.locator("form.filters input[name=q]")  # an agent starts typing a search
    await search.click()
    await search.type("Hidayat 00")
    await page.select_option("form.filters select[name=status]", "pending_verification")
    await search.click()
    another = await make_registration(live.harness, full_name="Joko Lain", email="joko@example.com",
                                      phone="6281200000151")
    await expect(page.locator(f"tr[data-id='{another.id}']")).to_be_visible(timeout=10_000)
    await expect(search).to_have_value("Hidayat 00")  # the refresh kept what was typed, and the focus
    await expect(page.locator("form.filters select[name=status]")).to_have_value("pending_verification")
    await expect(search).to_be_focused()
    await search.type("02")
    await expect(search).to_have_value("Hidayat 0002")
    await context.close()


async def test_a_note_in_the_history_is_announced_as_a_note_on_the_open_registration(
    live: LiveApp, chromium: Browser
) -> None:
    """A note added to the history (the KTP photo that never came) told the agent on the
    registration's page "REG-…: Menunggu Verifikasi", as if its status had changed."""
    from sqlalchemy import select

    from ispbot.storage import registrations
    from ispbot.storage.lifecycle import Action
    from ispbot.storage.models import Registration
    from ispbot.workflow import act as workflow_act

    people = await seed(live)
    budi = people["budi"]
    context = await chromium.new_context(viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    await sign_in(page, live.url, "supervisor", f"/admin/registrations/{budi.id}")
    await expect(page.locator("body")).to_have_attribute("data-live", "on")
    async with live.harness.services.db.transaction() as session:
        await registrations.add_note(session, await session.get_one(Registration, budi.id),
                                     "Foto KTP tidak bisa diambil dari gateway", now=live.clock.now())
    toast = page.locator("#toast")
    await expect(toast).to_have_text(f"{budi.registration_number}: catatan baru di riwayat", timeout=10_000)
    await expect(page.locator("#live-banner")).to_contain_text("Ada catatan baru di riwayat pendaftaran ini.")
    await page.locator("#live-banner a", has_text="Muat ulang").click()
    await expect(page.locator(".history-note", has_text="Foto KTP tidak bisa diambil")).to_be_visible()
    await expect(page.locator("body")).to_have_attribute("data-live", "on")
    async with live.harness.services.db.transaction() as session:  # a real change still reads as one
        supervisor = (await session.execute(select(User).where(User.username == "supervisor"))).scalar_one()
        await workflow_act(live.harness.services, session, await session.get_one(Registration, budi.id),
                           Action.VERIFY, actor=supervisor)
    await expect(toast).to_have_text(f"{budi.registration_number}: Terverifikasi", timeout=10_000)
    await expect(page.locator("#live-banner")).to_contain_text("Pendaftaran ini baru saja berubah.")
    await context.close()


async def test_a_survey_on_a_later_day_offers_no_button_that_would_be_refused(live: LiveApp, chromium: Browser) -> None:
    """"Survey Selesai" asked for a confirmation and was then refused; a KTP photo still
    being fetched showed as a broken image."""
    await seed(live)
    wati = await make_registration(live.harness, full_name="Wati Susanti", email="wati@example.com",
                                   phone="6281200000160", id_card_number="3273010101900160",
                                   id_card_photo="pending:fonnte:https://files.example/k.jpg")
    context = await chromium.new_context(viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    asked: list[str] = []

    async def confirm(dialog: Any) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.on("dialog", confirm)
    await sign_in(page, live.url, "supervisor", f"/admin/registrations/{wati.id}")
    await expect(page.locator("[data-photo-pending]")).to_contain_text("foto sedang diambil")
    assert await page.locator(".ktp img").count() == 0  # no broken image
    await act(page, "verify")
    await act(page, "schedule_survey", survey_date="2026-11-25T09:00")  # Wednesday; today is Saturday
    waiting = page.locator("[data-not-now=complete_survey]")
    await expect(waiting).to_contain_text("tandai selesai pada hari survey dilakukan")
    await expect(waiting.locator("button")).to_be_disabled()
    asked.clear()
    await waiting.locator("button").click(force=True)  # a click on it does nothing, asks nothing
    await expect(page.locator("h1 .badge")).to_have_text("Survey Dijadwalkan")
    assert asked == []
    await context.close()


async def on_a_laptop(live: LiveApp, chromium: Browser, username: str, role: Role) -> tuple[Any, Page]:
    """The seeded registrations, seen by a new `role` user at 1280 × 800 (a common laptop)."""
    await seed(live)
    async with live.harness.services.db.transaction() as session:
        await create_user(session, username=username, password=PASSWORD, role=role, now=live.clock.now(),
                          full_name=f"{username.title()} {role.value}")
    context = await chromium.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await sign_in(page, live.url, username)
    await expect(page.locator("h1")).to_have_text("Pendaftaran")
    return context, page


async def test_the_registration_list_fits_a_1280_pixel_laptop(live: LiveApp, chromium: Browser) -> None:
    """Every column, the date and the SLA mark included, without scrolling the table
    sideways; and the header names the role in words."""
    context, page = await on_a_laptop(live, chromium, "rina", Role.CS)
    overflow = await page.evaluate(
        "() => { const w = document.querySelector('.table-wrap'); return w.scrollWidth - w.clientWidth; }")
    assert overflow <= 0
    await expect(page.locator(".who-name small")).to_have_text("Customer Service")
    await shot(page, "registrations-list-1280")
    await context.close()


async def test_an_admins_whole_navigation_shows_on_a_1280_pixel_laptop(live: LiveApp, chromium: Browser) -> None:
    """Eleven links and the chat badge: "Hapus Data", "Analitik" and "Audit" were hidden
    past the edge of a sideways-scrolling bar."""
    context, page = await on_a_laptop(live, chromium, "boss", Role.ADMIN)
    nav = page.locator(".nav")
    assert await nav.evaluate("n => n.scrollWidth - n.clientWidth") <= 0
    for viewport_width in (1280, 1440):  # at exactly 1440 "Audit" was clipped
        await page.set_viewport_size({"width": viewport_width, "height": 800})
        assert await nav.evaluate("n => n.scrollWidth - n.clientWidth") <= 0, viewport_width
        for label in ("Hapus Data", "Analitik", "Audit"):
            box = await nav.locator("a", has_text=label).bounding_box()
            assert box is not None and box["x"] + box["width"] <= viewport_width, (label, viewport_width)
    await context.close()


async def test_a_stale_link_leaves_a_signed_in_agent_their_navigation(live: LiveApp, chromium: Browser) -> None:
    """A CS agent following an old link (a page that is gone) found a 404 with no menu and
    only "Kembali"; a visitor who is not signed in still sees no menu at all."""
    context, page = await on_a_laptop(live, chromium, "rina", Role.CS)
    for width in (390, 1366):
        await page.set_viewport_size({"width": width, "height": 844})
        response = await page.goto(f"{live.url}/admin/laporan-lama")
        assert response is not None and response.status == 404
        await expect(page.locator("h1")).to_have_text("Halaman tidak ditemukan")
        await expect(page.locator(".nav a", has_text="Pendaftaran")).to_be_visible()
        await expect(page.locator(".who-name small")).to_have_text("Customer Service")
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        await shot(page, f"not-found-{width}")
    await page.locator(".nav a", has_text="Tiket").click()
    await expect(page.locator("h1")).to_have_text("Tiket")
    await context.close()
    stranger = await chromium.new_context(viewport={"width": 390, "height": 844})
    page = await stranger.new_page()
    response = await page.goto(f"{live.url}/admin/laporan-lama")
    assert response is not None and response.status == 404
    await expect(page.locator("h1")).to_have_text("Halaman tidak ditemukan")
    await expect(page.locator(".nav")).to_have_count(0)
    await expect(page.locator(".who")).to_have_count(0)
    await stranger.close()


async def test_a_registration_on_a_phone_shows_its_actions_first_and_fits_the_screen(
    live: LiveApp, chromium: Browser
) -> None:
    """At 390 px the Aksi card began 2,190 px down a 3,790 px page, below the chat; the
    "Berikutnya (…): REG-…" button pushed the page 411 px wide; and the nav hid the page's
    own link past its edge, with no sign there was more."""
    people = await seed(live)
    async with live.harness.services.db.transaction() as session:
        await create_user(session, username="boss", password=PASSWORD, role=Role.ADMIN, now=live.clock.now())
    context = await chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = await context.new_page()
    await sign_in(page, live.url, "boss")
    await page.goto(f"{live.url}/admin/registrations/{people['budi'].id}")
    await expect(page.locator("[data-next-waiting]")).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390

    async def top(selector: str) -> float:
        box = await page.locator(selector).first.bounding_box()
        assert box is not None, selector
        return float(box["y"])

    actions = await top("#actions")
    assert actions < 844  # on the first screen, below the header and the steps
    assert actions < await top(".steps ~ .detail-grid .card:has(h2:text-is('Data Pelanggan'))")
    assert actions < await top(".card:has(.history)") and actions < await top(".card:has(h2:text-is('Percakapan WhatsApp'))")
    await shot(page, "registration-detail-mobile")

    await page.goto(f"{live.url}/admin/audit")  # the last link of the nav
    here = await page.locator(".nav a.active").bounding_box()
    assert here is not None and here["x"] >= 0 and here["x"] + here["width"] <= 390
    await expect(page.locator(".nav")).to_have_class("nav nav-more-left")  # faded: more links that way
    await page.set_viewport_size({"width": 1366, "height": 768})
    await page.goto(f"{live.url}/admin/registrations/{people['budi'].id}")
    box = await page.locator("#actions").bounding_box()
    assert box is not None and box["x"] > 683  # the side column on a laptop, as before
    await context.close()


async def test_tracking_page_on_a_phone(live: LiveApp, chromium: Browser) -> None:
    people = await seed(live)
    budi = people["budi"]
    async with live.harness.services.db.transaction() as session:
        from sqlalchemy import select

        from ispbot.storage import registrations
        from ispbot.storage.lifecycle import Action
        from ispbot.workflow import act as workflow_act

        user = (await session.execute(select(User).where(User.username == "supervisor"))).scalar_one()
        registration = await registrations.by_id(session, budi.id)
        assert registration is not None
        await workflow_act(live.harness.services, session, registration, Action.VERIFY, actor=user)
    context = await chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                         is_mobile=True, has_touch=True)
    page = await context.new_page()
    await page.goto(f"{live.url}/track")
    await page.fill("input[name=q]", budi.registration_number)
    await page.click("button:has-text('Lacak')")
    await expect(page.locator("h1")).to_have_text(budi.registration_number)
    await expect(page.locator(".badge")).to_have_text("Terverifikasi")
    await expect(page.locator(".steps li.done")).to_have_count(2)
    assert "Budi Santoso" not in await page.content()
    await shot(page, "tracking-mobile")
    await page.set_viewport_size({"width": 1280, "height": 900})
    await shot(page, "tracking-desktop")
    await context.close()


async def test_analytics_page_draws_its_charts(live: LiveApp, chromium: Browser) -> None:
    from tests.storage.analytics_data import seed_chats, seed_registrations

    await seed(live)
    await seed_registrations(live.harness.services.db, live.clock)
    await seed_chats(live.harness.services.db)
    context = await chromium.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = await context.new_page()
    await sign_in(page, live.url, "supervisor", next_path="/admin/analytics")
    await expect(page.locator("h1")).to_have_text("Analitik Pendaftaran")
    await expect(page.locator("[data-kpi=total]")).to_have_text("14")  # 8 from seed() + 6 in the window
    for chart in ("status", "funnel", "trend", "reasons", "heatmap", "cities", "districts"):
        svg = page.locator(f"#chart-{chart} svg")
        await expect(svg).to_be_visible()
        assert await svg.locator("path, rect, polyline, circle").count() >= 1, chart
        assert "chart-empty" not in (await svg.get_attribute("class") or ""), chart
        box = await svg.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 30, chart
    await expect(page.locator("#chart-funnel svg title").first).to_have_text("Funnel konversi")
    await expect(page.locator("#question-funnel tbody tr")).to_have_count(20)
    await shot(page, "analytics")
    async with page.expect_download() as download:
        await page.click("#packages a:has-text('CSV')")
    assert (await download.value).suggested_filename.startswith("analitik-packages-")
    await page.click("a:has-text('7 hari')")
    await expect(page.locator("[data-kpi=total]")).to_have_text("13")
    await page.set_viewport_size({"width": 390, "height": 844})
    await shot(page, "analytics-mobile")
    await context.close()


async def test_the_sandbox_chat_formats_like_whatsapp_and_keeps_links_whole(
    tmp_path: Path, sqlite_url: str, clock: FakeClock, chromium: Browser
) -> None:
    port = free_port()
    settings = make_settings(sqlite_url, tmp_path / "data", provider="sandbox", public_url=f"http://127.0.0.1:{port}")
    app = create_app(settings, clock=clock, background=False)
    runner = web.AppRunner(app, shutdown_timeout=2)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        page = await (await chromium.new_context(viewport={"width": 420, "height": 820})).new_page()
        await page.goto(f"http://127.0.0.1:{port}/sandbox")
        await page.fill("#text", "halo")
        await page.click("#send")
        await expect(page.locator(".msg.in")).to_have_count(1)
        await app[DISPATCHER].drain()
        await app[SENDER].drain()
        await expect(page.locator(".msg.out b").first).to_have_text("AGLIS Net")  # *AGLIS Net*
        # An underscore pair inside a link (a signed token may hold one) is not italics.
        html = await page.evaluate("() => format('PDF: http://isp.example/d/invoice/Mw.1_ab_c2 · _saat ini_')")
        assert 'href="http://isp.example/d/invoice/Mw.1_ab_c2"' in html and "<i>saat ini</i>" in html
    finally:
        await runner.cleanup()
