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
