"""The handoff round trip in a real browser (Playwright on Debian's Chromium, the Fonnte
gateway faked): a customer asks for CS by WhatsApp → a CS agent sees them waiting, takes
the chat and replies in the admin → the customer receives it → the customer writes back
→ it appears in the open admin page without a reload → the agent hands back → the bot
answers again. Another customer joining the queue meanwhile updates the nav badge live."""

from __future__ import annotations

import itertools
from typing import Any

import aiohttp
import pytest

from ispbot.storage.demo import seed_faq, seed_packages
from ispbot.storage.users import Role, create_user
from tests.conftest import WEBHOOK_SECRET
from tests.webadmin.support import PASSWORD
from tests.webadmin.test_browser import LiveApp, chromium, live, shot  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

from playwright.async_api import Browser, expect  # noqa: E402

CUSTOMER = "6281200000141"
OTHER = "6281200000142"
_ids = itertools.count(1)


async def customer_says(app: LiveApp, phone: str, text: str) -> None:
    """A real-format Fonnte webhook, then the bot's turn and the gateway sends."""
    body: dict[str, Any] = {
        "device": "6281200000900", "sender": phone, "pengirim": phone, "name": "Pelanggan", "message": text,
        "pesan": text, "type": "text", "inboxid": 9000 + next(_ids), "isgroup": False, "location": "", "url": "",
        "extension": "", "filename": "",
    }
    async with aiohttp.ClientSession() as http:
        response = await http.post(f"{app.url}/webhooks/fonnte?secret={WEBHOOK_SECRET}", json=body)
        assert response.status == 200, await response.text()
    await app.settle()


async def test_handoff_round_trip_in_the_browser(live: LiveApp, chromium: Browser) -> None:  # noqa: F811
    h = live.harness
    async with h.services.db.transaction() as session:
        await seed_packages(session)
        await create_user(session, username="rina", password=PASSWORD, role=Role.CS, now=live.clock.now(),
                          full_name="Rina Lestari")
    await customer_says(live, CUSTOMER, "halo")
    await customer_says(live, CUSTOMER, "cs")
    assert "sambungkan dengan *CS" in live.texts(CUSTOMER)[-1]
    await customer_says(live, CUSTOMER, "Internet saya putus sejak pagi")
    assert "putus" not in "".join(live.texts(CUSTOMER))  # the bot stayed quiet

    context = await chromium.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = await context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(f"{live.url}/admin/login?next=/admin/inbox")
    await page.fill("input[name=username]", "rina")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button:has-text('Masuk')")
    await expect(page.locator("h1")).to_have_text("Chat CS")
    await expect(page.locator("[data-waiting-count]")).to_have_text("1")
    row = page.locator("#conversations tr[data-mode=waiting]")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Internet saya putus sejak pagi")
    await shot(page, "inbox-queue")

    await row.locator("a").click()
    await expect(page.locator("[data-conversation-mode]")).to_have_text("Menunggu CS")
    await page.click("button[data-take]")
    await expect(page.locator(".flash-ok")).to_contain_text("ambil alih")
    await expect(page.locator("[data-conversation-mode]")).to_have_text("Dengan CS")
    await expect(page.locator("[data-waiting-count]")).to_be_hidden()
    await live.settle()
    assert live.texts(CUSTOMER)[-1] == "Halo, saya *Rina* dari CS AGLIS Net. 👋 Ada yang bisa saya bantu?"

    await page.fill("textarea[name=text]", "Mohon maaf Pak, kami cek jaringan di area Anda sekarang.")
    await page.click("form[data-reply] button[type=submit]")
    await expect(page.locator(".flash-ok")).to_contain_text("Balasan dikirim.")
    await live.settle()
    assert live.texts(CUSTOMER)[-1] == "*Rina (CS):* Mohon maaf Pak, kami cek jaringan di area Anda sekarang."

    await expect(page.locator("body")).to_have_attribute("data-live", "on")
    await page.fill("textarea[name=text]", "draf yang belum terkirim")
    await customer_says(live, CUSTOMER, "Baik, saya tunggu kabarnya")
    await expect(page.locator(".bubble-in").last).to_contain_text("Baik, saya tunggu kabarnya", timeout=10_000)
    await expect(page.locator("textarea[name=text]")).to_have_value("draf yang belum terkirim")

    await customer_says(live, OTHER, "cs")  # someone else joins the queue
    await expect(page.locator("[data-waiting-count]")).to_have_text("1", timeout=10_000)
    await shot(page, "inbox-conversation")

    await page.click("button[data-hand-back]")
    await expect(page.locator(".flash-ok")).to_contain_text("dikembalikan ke bot")
    await expect(page.locator("[data-conversation-mode]")).to_have_text("Bot")
    await live.settle()
    assert "kembali dilayani bot" in live.texts(CUSTOMER)[-1]
    await customer_says(live, CUSTOMER, "halo")
    assert "Silakan pilih layanan" in live.texts(CUSTOMER)[-1]  # the bot answers again
    await context.close()


async def test_the_admin_lists_fit_a_phone(live: LiveApp, chromium: Browser) -> None:  # noqa: F811
    """At 390 px the queue's "Pesan terakhir", the packages' price and status, the FAQ's
    questions and the staff's status were off the side of a sideways-scrolling table: an
    agent on a phone saw a number and a badge, not what the customer wrote."""
    async with live.harness.services.db.transaction() as session:
        await seed_packages(session)
        await seed_faq(session, live.clock.now())
        await create_user(session, username="boss", password=PASSWORD, role=Role.ADMIN, now=live.clock.now())
    await customer_says(live, CUSTOMER, "halo")
    await customer_says(live, CUSTOMER, "cs")
    await customer_says(live, CUSTOMER, "Internet saya putus sejak pagi")

    context = await chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = await context.new_page()
    await page.goto(f"{live.url}/admin/login?next=/admin/inbox")
    await page.fill("input[name=username]", "boss")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button:has-text('Masuk')")
    await expect(page.locator("h1")).to_have_text("Chat CS")

    async def in_sight(cell: Any) -> None:
        await expect(cell).to_be_visible()
        box = await cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390

    preview = page.locator("#conversations td.preview")
    await expect(preview).to_contain_text("Internet saya putus sejak pagi")
    await in_sight(preview)
    await shot(page, "inbox-queue-mobile")

    await page.goto(f"{live.url}/admin/packages")
    first = page.locator("#packages tbody tr").first
    await in_sight(first.locator("td", has_text="Rp "))
    await in_sight(first.locator(".badge"))
    await shot(page, "packages-mobile")

    await page.goto(f"{live.url}/admin/faq")  # the question, the column that matters, was cut in half
    await in_sight(page.locator("#faq tbody tr").first.locator("a"))
    await page.goto(f"{live.url}/admin/users")
    await in_sight(page.locator("table tbody tr").first.locator(".badge"))
    await context.close()
