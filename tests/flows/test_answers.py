"""Dates as customers type them at "Kapan tanggal instalasi?" (today: Wednesday 2 December)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ispbot.flows.answers import is_no, is_skip, is_yes, parse_date
from tests.conftest import Harness
from tests.flows.chat import Chat
from tests.flows.test_registration_paths import to_question

TODAY = date(2026, 12, 2)  # a Wednesday


@pytest.mark.parametrize(("typed", "meant"), [
    ("besok", date(2026, 12, 3)), ("lusa", date(2026, 12, 4)),
    ("25/12/2026", date(2026, 12, 25)), ("5-1-27", date(2027, 1, 5)), ("2026-12-24", date(2026, 12, 24)),
    ("15 desember", date(2026, 12, 15)), ("Sabtu, 5 Des", date(2026, 12, 5)), ("3 jan", date(2027, 1, 3)),
    ("kamis", date(2026, 12, 3)), ("Senin depan", date(2026, 12, 7)), ("hari sabtu", date(2026, 12, 5)),
    ("jumat ini", date(2026, 12, 4)), ("rabu", date(2026, 12, 9)),  # today's weekday: the next one
    ("minggu", date(2026, 12, 6)), ("next friday", date(2026, 12, 4)),
    ("tgl 15", date(2026, 12, 15)), ("tanggal 2", date(2027, 1, 2)), ("tgl. 31", date(2026, 12, 31)),
    ("besok kak", date(2026, 12, 3)), ("25 des min", date(2026, 12, 25)), ("25.12", date(2026, 12, 25)),
    ("2/1", date(2027, 1, 2)), ("5-1", date(2027, 1, 5)),  # day/month in December: next January
    ("hari ini", TODAY), ("sekarang juga", TODAY), ("hari ini kak", TODAY),  # told it is too early
    ("minggu depan", date(2026, 12, 7)), ("pekan depan", date(2026, 12, 7)),  # next week, from Monday
])
def test_a_date_in_the_customers_words(typed: str, meant: date) -> None:
    assert parse_date(typed, TODAY) == meant


@pytest.mark.parametrize("typed", ["secepatnya", "tgl 32", "15", "senin selasa", "minggu depan sore"])
def test_what_is_not_one_day_is_asked_again(typed: str) -> None:
    assert parse_date(typed, TODAY) is None  # "secepatnya": the earliest day free, which only the flow knows


@pytest.mark.parametrize("typed", ["hari ini", "sekarang juga", "3/12"])
async def test_today_in_words_is_told_too_early_like_todays_date(fonnte: Harness, typed: str) -> None:
    """"hari ini" got "cannot be read as a date" where "3/12" (today) got "pick from tomorrow"."""
    fonnte.clock.set(datetime(2026, 12, 3, 3, 0, tzinfo=UTC))  # Thursday 3 December, 10.00 WIB
    chat = Chat(fonnte)
    await to_question(chat, "tanggal instalasi")
    refused, again = await chat.send(typed)
    assert "Kamis, 3 Desember 2026 sudah lewat atau hari ini. Pilih tanggal mulai besok." in refused
    assert "tanggal instalasi" in again


@pytest.mark.parametrize("typed", ["secepatnya", "kapan aja kak", "terserah", "paling cepat"])
async def test_any_date_will_do_takes_the_earliest_offered(fonnte: Harness, typed: str) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "tanggal instalasi")  # the clock's today: Saturday 21 November 2026
    told, slot = await chat.send(typed)
    assert "tercepat" in told and "Senin, 23 November 2026" in told and "Jam berapa" in slot


async def test_next_week_is_its_monday(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "tanggal instalasi")  # the clock's today: Saturday 21 November 2026
    [slot] = await chat.send("minggu depan")
    assert "Jam berapa" in slot
    for text in ["1", "lewati"]:
        replies = await chat.send(text)
    assert "Senin, 23 November 2026" in replies[-1]


async def test_a_weekday_is_taken_at_the_date_question(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "tanggal instalasi")
    [slot] = await chat.send("senin depan")  # the clock's today: Saturday 21 November 2026
    assert "Jam berapa" in slot
    for text in ["1", "lewati"]:
        replies = await chat.send(text)
    assert "Senin, 23 November 2026" in replies[-1]


async def test_a_sunday_typed_is_told_no_installations_then(fonnte: Harness) -> None:
    """The offered days skip Sundays; a Sunday typed was taken all the same."""
    chat = Chat(fonnte)
    await to_question(chat, "tanggal instalasi")
    sunday, again = await chat.send("minggu")  # the clock's today: Saturday 21 November 2026
    assert "hari Minggu (Minggu, 22 November 2026)" in sunday and "tanggal instalasi" in again
    [slot] = await chat.send("senin")
    assert "Jam berapa" in slot


@pytest.mark.parametrize("typed", ["ya", "Iyaa kak!", "okee", "betul min", "ok min 🙏", "👍", "yaa", "sipp", "boleh",
                                   "iya bener", "ya betul", "sudah benar", "iy", "y", "yes", "yup", "bener",
                                   "Iya bener kak 🙏", "ya, betul!", "udah bener kok", "oke deh", "boleh dong",
                                   "setuju", "benar sekali", "kak, iya benar"])
def test_yes_as_it_is_chatted(typed: str) -> None:
    assert is_yes(typed) and not is_no(typed)


@pytest.mark.parametrize("typed", ["tidak kak", "gak kak", "bukan min", "nggak", "tdk", "ga", "enggak", "engga", "no",
                                   "jangan", "gak jadi deh", "ga jadi", "batal", "tidak jadi kak", "ga usah",
                                   "gak jadi hapus", "bukan, salah"])
def test_no_as_it_is_chatted(typed: str) -> None:
    assert is_no(typed) and not is_yes(typed)


@pytest.mark.parametrize("typed", ["ya tidak", "bener ga?", "sudah", "jadi", "Yanti", "Benny Setiawan", "iya tapi nanti"])
def test_neither_yes_nor_no(typed: str) -> None:
    assert not is_yes(typed) and not is_no(typed)


def test_skip_with_a_kak_and_a_name_is_not_a_yes() -> None:
    assert is_skip("lewati kak") and not is_yes("lewati kak")
    assert not is_yes("kak") and not is_yes("Yanti")  # a name, not a held "ya"


@pytest.mark.parametrize(("typed", "slot"), [
    ("pagi kak", "pagi"), ("1 kak", "pagi"), ("yang pagi aja", "pagi"), ("siang min", "siang"),
    ("no 2", "siang"), ("pilih nomor 3 ya", "sore"), ("2.", "siang"),
])
def test_a_pick_as_it_is_chatted(typed: str, slot: str) -> None:
    from ispbot.flows.choices import choice, pick, value_of
    from ispbot.providers.messages import Contact, InboundKind, InboundMessage

    offered = [choice("ASK_SLOT", "pagi", "Pagi (08.00–12.00)"), choice("ASK_SLOT", "siang", "Siang (12.00–15.00)"),
               choice("ASK_SLOT", "sore", "Sore (15.00–18.00)")]
    message = InboundMessage(provider="fonnte", contact=Contact(phone="6281200000101"), kind=InboundKind.TEXT, text=typed)
    picked = pick(message, offered, prefix="ASK_SLOT")
    assert picked is not None and value_of(picked) == slot


@pytest.mark.parametrize(("typed", "meant"), [
    ("makasih", "thanks"), ("Makasih kak!", "thanks"), ("terima kasih banyak ya min 🙏", "thanks"),
    ("trims", "thanks"), ("thx", "thanks"), ("ok makasih", "thanks"), ("makasihh", "thanks"),
    ("ya makasih kak", "thanks"), ("ok", "ok"), ("oke siap", "ok"), ("sipp", "ok"), ("mantap", "ok"), ("👍", "ok"), ("🙏", "ok"),
])
def test_thanks_and_acknowledgements_as_they_are_chatted(typed: str, meant: str) -> None:
    from ispbot.flows.courtesy_words import acknowledgement

    assert acknowledgement(typed) == meant


@pytest.mark.parametrize("typed", ["ok tapi internet saya mati", "makasih, tagihan saya berapa?", "kak", "daftar",
                                   "Oktaviani"])
def test_a_message_with_more_than_thanks_in_it_is_not_just_thanks(typed: str) -> None:
    from ispbot.flows.courtesy_words import acknowledgement

    assert acknowledgement(typed) is None
