"""Times in an English chat are written 08:00, as English readers write them; an Indonesian
chat keeps 08.00 (office hours, the installation slots, dates with a time)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ispbot.messages import Messages
from tests.conftest import Harness
from tests.flows.chat import Chat
from tests.flows.test_registration_paths import to_question


def test_a_date_with_a_time_has_a_colon_in_english_and_a_dot_in_indonesian() -> None:
    messages = Messages(ZoneInfo("Asia/Jakarta"))
    at = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
    assert messages.datetime(at, "en") == "Thursday, 3 December 2026, 10:00 WIB"
    assert messages.datetime(at, "id") == "Kamis, 3 Desember 2026, 10.00 WIB"


async def test_an_english_chat_is_told_when_cs_opens_with_a_colon(fonnte: Harness) -> None:
    fonnte.clock.set(datetime(2026, 11, 22, 5, 0, tzinfo=UTC))  # Sunday, 12.00 WIB
    chat = Chat(fonnte, phone="6281200000140")
    await chat.send("english")
    [told] = await chat.send("cs")
    assert "(Monday–Saturday 08:00–17:00 WIB)" in told and "*Monday, 23 November 2026, 08:00 WIB*" in told
    assert "08.00" not in told


async def test_the_installation_slots_in_english_have_a_colon(cloudapi: Harness) -> None:
    chat = Chat(cloudapi, gateway="cloudapi")
    await to_question(chat, "tanggal instalasi")
    await chat.send("english")
    await chat.send("2")
    assert [(c["title"], c.get("description")) for c in chat.last_choices] == [
        ("Morning", "08:00–12:00"), ("Midday", "12:00–15:00"), ("Afternoon", "15:00–18:00")]
    outside, _again = await chat.send("19:00")
    assert "between 08:00 and 18:00" in outside and "(15:00–18:00)" in outside and "08.00" not in outside
    await chat.tap("Afternoon")
    [summary] = await chat.send("skip")
    assert "Afternoon (15:00–18:00)" in summary


async def test_the_installation_slots_in_indonesian_keep_the_dot(cloudapi: Harness) -> None:
    chat = Chat(cloudapi, gateway="cloudapi")
    await to_question(chat, "Jam berapa")
    assert [c["title"] for c in chat.last_choices] == [
        "Pagi (08.00–12.00)", "Siang (12.00–15.00)", "Sore (15.00–18.00)"]
    await chat.tap("Sore")
    [summary] = await chat.send("lewati")
    assert "Sore (15.00–18.00)" in summary
