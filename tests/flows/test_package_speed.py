"""A package named by its speed: "ganti paket jadi 75 mbps", "paket 75 mbps", "yang 75 mbps"
at the package question and at the summary. The package of that speed is taken; a speed
no package has is told with the speeds there are, and the package question asked again."""

from __future__ import annotations

import pytest

from ispbot.flows.package_words import said_speed
from tests.conftest import Harness
from tests.flows.chat import Chat
from tests.flows.test_registration_paths import to_question
from tests.flows.test_registration_summary import registrations_of
from tests.flows.test_registration_words import draft_of

SPEEDS = "20, 40, 75, 100, 200 dan 300 Mbps"  # the demo packages'


@pytest.mark.parametrize(("typed", "speed"), [
    ("ganti paket jadi 75 mbps", 75), ("paket 75 mbps", 75), ("yang 75mb aja kak", 75), ("100 mega", 100),
    ("change package to 100 Mbps", 100), ("jam 10 pagi", None), ("2 menit lagi", None), ("paket 199rb", None),
])
def test_a_speed_is_read_with_its_unit(typed: str, speed: int | None) -> None:
    assert said_speed(typed) == speed


def test_at_the_summary_a_number_after_paket_is_a_speed() -> None:
    assert said_speed("ganti paket jadi 75", after_package_word=True) == 75
    assert said_speed("paketnya 100 aja", after_package_word=True) == 100
    assert said_speed("paket 199rb", after_package_word=True) is None
    assert said_speed("paket 199.900", after_package_word=True) is None
    assert said_speed("ganti paket 2", after_package_word=True) is None  # a row, maybe: the list is asked
    assert said_speed("ganti paket jadi 75") is None  # at the package question "75" may be a row


@pytest.mark.parametrize("typed", ["ganti paket jadi 75 mbps", "paket 75 mbps", "yang 75 mbps"])
async def test_the_package_question_takes_the_speed_said(fonnte: Harness, typed: str) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "paket")
    [date_question] = await chat.send(typed)
    assert "tanggal instalasi" in date_question
    assert (await draft_of(fonnte))["package_name"] == "Home Gold 75M"


async def test_a_speed_no_package_has_is_told_with_the_speeds_there_are(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "paket")
    told, again = await chat.send("paket 50 mbps")
    assert "belum ada paket *50 Mbps*" in told and SPEEDS in told and "tidak ada" not in told
    assert "pilih paket" in again
    draft = await draft_of(fonnte)
    assert "package_id" not in draft and draft["full_name"] == "Budi Santoso"
    [date_question] = await chat.send("40 mbps")
    assert "tanggal instalasi" in date_question
    assert (await draft_of(fonnte))["package_name"] == "Home Silver 40M"


@pytest.mark.parametrize(("typed", "name"), [("ganti paket jadi 75 mbps", "Home Gold 75M"),
                                             ("paket 100 aja kak", "Home Platinum 100M")])
async def test_the_package_changed_by_speed_at_the_summary(fonnte: Harness, typed: str, name: str) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    changed, summary = await chat.send(typed)
    assert f"Paket diganti ke *{name}*" in changed
    assert "Langkah 4/4" in summary and name in summary and "Home Silver" not in summary
    assert "Budi Santoso" in summary and "Jl. Sukajadi No. 10" in summary
    [confirmation] = await chat.send("kirim")
    assert "REG-" in confirmation
    [registration] = await registrations_of(fonnte)
    assert registration.full_name == "Budi Santoso"
    assert (await draft_of(fonnte)) == {}


async def test_a_speed_no_package_has_at_the_summary_asks_the_package_then_the_summary(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    told, question = await chat.send("ganti paket jadi 50 mbps")
    assert "belum ada paket *50 Mbps*" in told and SPEEDS in told and "pilih paket" in question
    [summary] = await chat.send("yg 75 mbps")
    assert "Langkah 4/4" in summary and "Home Gold 75M" in summary and "Budi Santoso" in summary


async def test_the_package_changed_by_speed_at_the_summary_in_english(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    await chat.send("english")
    changed, summary = await chat.send("change package to 200 mbps")
    assert "Package changed to *Home Diamond 200M*" in changed and "Home Diamond 200M" in summary
    told, _question = await chat.send("change package to 1000 mbps")
    assert "no *1000 Mbps* package" in told and "20, 40, 75, 100, 200 and 300 Mbps" in told


async def _second_package_of_20_mbps(h: Harness) -> None:
    from ispbot.storage.models import Package

    async with h.services.db.transaction() as s:
        s.add(Package(code="home-student-20", name="Home Student 20M", speed_mbps=20, monthly_price=125_000,
                      sort_order=99))


async def test_two_packages_of_the_speed_said_are_asked_between(fonnte: Harness) -> None:
    """"paket 20 mbps" with Home Bronze 20M and Home Student 20M both active: "Paket
    'paket 20 mbps' tidak ada", though two were. Now only those two are offered."""
    await _second_package_of_20_mbps(fonnte)
    chat = Chat(fonnte)
    await to_question(chat, "paket")
    [asked] = await chat.send("paket 20 mbps")
    assert "2 paket *20 Mbps*" in asked and "tidak ada" not in asked
    assert "1. Home Bronze 20M" in asked and "2. Home Student 20M" in asked and "Rp 125.000" in asked
    assert "Home Gold 75M" not in asked
    [date_question] = await chat.send("2")  # the second of those two, not of the whole list
    assert "tanggal instalasi" in date_question
    draft = await draft_of(fonnte)
    assert draft["package_name"] == "Home Student 20M" and draft["full_name"] == "Budi Santoso"


async def test_two_packages_of_the_speed_are_told_apart_by_price(fonnte: Harness) -> None:
    await _second_package_of_20_mbps(fonnte)
    chat = Chat(fonnte)
    await to_question(chat, "paket")
    await chat.send("yang 20mb aja kak")
    [date_question] = await chat.send("yg 125rb")
    assert "tanggal instalasi" in date_question
    assert (await draft_of(fonnte))["package_name"] == "Home Student 20M"


async def test_two_packages_of_the_speed_said_at_the_summary(fonnte: Harness) -> None:
    await _second_package_of_20_mbps(fonnte)
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    [asked] = await chat.send("ganti paket jadi 20 mbps")
    assert "2 paket *20 Mbps*" in asked and "Home Gold 75M" not in asked and "Langkah 3/4" not in asked
    [summary] = await chat.send("Home Student")
    assert "Langkah 4/4" in summary and "Home Student 20M" in summary and "Budi Santoso" in summary
    assert "Jl. Sukajadi No. 10" in summary


async def test_two_packages_of_the_speed_said_in_english(fonnte: Harness) -> None:
    await _second_package_of_20_mbps(fonnte)
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    await chat.send("english")
    [asked] = await chat.send("change package to 20 mbps")
    assert "2 packages of *20 Mbps*" in asked and "Home Student 20M" in asked and "Home Gold 75M" not in asked
    [summary] = await chat.send("1")
    assert "Home Bronze 20M" in summary and "Budi Santoso" in summary


async def test_giving_up_the_change_between_two_packages_keeps_the_package_and_the_whole_list(fonnte: Harness) -> None:
    await _second_package_of_20_mbps(fonnte)
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    await chat.send("ganti paket jadi 20 mbps")
    replies = await chat.send("batal")  # the change given up: the summary, the package as it was
    assert "Home Silver 40M" in replies[-1] and "Langkah 4/4" in replies[-1]
    draft = await draft_of(fonnte)
    assert "_same_speed_shown" not in draft and "_same_speed" not in draft
    [_no_such_speed, asked] = await chat.send("ganti paket jadi 50 mbps")
    assert "Home Gold 75M" in asked and "Home Student 20M" in asked  # the whole list again
