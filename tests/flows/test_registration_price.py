"""The price a registration keeps is the one its summary showed the customer: repriced
while the summary waited, the new price is shown to confirm first; repriced after
registering, the chat's status still says the price agreed to."""

from __future__ import annotations

from sqlalchemy import select, update

from ispbot.storage.models import Conversation, Package, Registration
from tests.conftest import Harness
from tests.flows.chat import Chat
from tests.flows.test_registration_paths import to_question


async def reprice_silver(h: Harness, price: int) -> None:
    async with h.services.db.transaction() as s:
        await s.execute(update(Package).where(Package.code == "home-silver-40").values(monthly_price=price))


async def registrations_of(h: Harness) -> list[Registration]:
    async with h.services.db.sessions() as s:
        return list((await s.execute(select(Registration))).scalars())


async def test_a_price_changed_while_the_summary_waits_is_confirmed_before_registering(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    [summary] = await to_question(chat, "Langkah 4/4")
    assert "Home Silver 40M — 40 Mbps · Rp 199.900/bulan" in summary
    await reprice_silver(fonnte, 219_900)
    told, again = await chat.send("kirim")
    assert "Home Silver 40M" in told and "sekarang 40 Mbps · Rp 219.900/bulan" in told
    assert "Langkah 4/4" in again and "Rp 219.900/bulan" in again and "199.900" not in again
    assert await registrations_of(fonnte) == []
    [confirmation] = await chat.send("kirim")
    assert "REG-" in confirmation and "Rp 219.900/bulan" in confirmation
    [registration] = await registrations_of(fonnte)
    assert registration.quoted_monthly_price == 219_900


async def test_the_price_shown_at_the_summary_is_the_price_registered(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    [confirmation] = await chat.send("kirim")
    assert "Rp 199.900/bulan" in confirmation
    [registration] = await registrations_of(fonnte)
    assert registration.quoted_monthly_price == 199_900


async def test_the_chat_status_keeps_the_quoted_price_after_a_price_change(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    await chat.send("kirim")
    await reprice_silver(fonnte, 249_900)
    [status] = await chat.send("status")
    assert "Home Silver 40M (Rp 199.900/bulan)" in status and "249.900" not in status


async def test_a_draft_from_before_prices_were_kept_goes_by_the_price_its_summary_showed(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    async with fonnte.services.db.transaction() as s:  # as a draft saved before the price was kept
        convo = (await s.execute(select(Conversation))).scalar_one()
        data = dict(convo.data)
        data["registration"] = {k: v for k, v in data["registration"].items() if k != "package_monthly_price"}
        await s.execute(update(Conversation).values(data=data))
    [confirmation] = await chat.send("kirim")  # its summary's "Rp 199.900/bulan" still stands
    assert "REG-" in confirmation and "Rp 199.900/bulan" in confirmation
    [registration] = await registrations_of(fonnte)
    assert registration.quoted_monthly_price == 199_900
