"""A code asked for again while the one sent before still works: one message that says so
and what to do (type that code here, or ask again in so many seconds), never "the code
still works" followed by "a code has been sent to …". The resend and hourly limits hold."""

from __future__ import annotations

import re

from tests.conftest import Harness
from tests.flows.chat import Chat
from tests.flows.test_account import codes_sent, portal, stranger_chat  # noqa: F401 (fixture)
from tests.flows.test_registration_paths import to_question
from tests.flows.test_self_service import customer_chat

OTHER = "6281200000150"


def codes_to(h: Harness, phone: str) -> list[str]:
    found = [re.search(r"\*(\d{6})\*", text) for text in h.gateway.texts_to(phone)]
    return [code.group(1) for code in found if code]


async def test_the_same_other_number_again_is_told_to_use_the_code_it_has(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "WhatsApp")
    await chat.send("2")
    await chat.send("0812-0000-0150")
    fonnte.clock.advance(seconds=20)
    await chat.send("kembali")  # "oh, was that the right number?"
    [told] = await chat.send("0812-0000-0150")
    assert "masih berlaku (5 menit lagi)" in told and "0812****150" in told and "Ketik 6 angka" in told
    assert "setelah 40 detik" in told and "sudah dikirim" not in told
    [code] = codes_to(fonnte, OTHER)  # no second code
    [nik] = await chat.send(code)  # and the chat is at the code's question
    assert "NIK" in nik


async def test_resend_at_the_code_question_within_the_minute_is_one_message(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "WhatsApp")
    await chat.send("2")
    await chat.send("0812-0000-0150")
    fonnte.clock.advance(seconds=15)
    [told] = await chat.send("kodenya belum masuk kak")
    assert "masih berlaku" in told and "setelah 45 detik" in told and "*kirim ulang*" in told
    assert len(codes_to(fonnte, OTHER)) == 1


async def test_the_hourly_limit_with_a_code_that_works_says_when_a_new_one_can_come(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "WhatsApp")
    await chat.send("2")
    await chat.send("0812-0000-0150")
    for _ in range(4):
        fonnte.clock.advance(seconds=61)
        [resent] = await chat.send("kirim ulang")
        assert "Kode baru sudah dikirim" in resent
    fonnte.clock.advance(seconds=61)
    [told] = await chat.send("kirim ulang")
    assert "masih berlaku (4 menit lagi)" in told and "Kode baru dapat diminta lagi dalam 55 menit" in told
    assert len(codes_to(fonnte, OTHER)) == 5  # the hourly limit holds
    [nik] = await chat.send(codes_to(fonnte, OTHER)[-1])
    assert "NIK" in nik


async def test_the_customer_id_again_at_login_is_one_message_in_english(portal: Harness) -> None:  # noqa: F811
    chat = stranger_chat(portal)
    await chat.send("english")
    await chat.send("akun")
    await chat.send("AGLS202510150001")
    portal.clock.advance(seconds=5)
    await chat.send("menu")
    await chat.send("akun")
    [told] = await chat.send("AGLS202510150001")
    assert "still works (10 more minutes)" in told and "0812****002" in told and "after 55 seconds" in told
    assert len(codes_sent(portal)) == 1


async def test_a_new_number_typed_again_at_the_profile_is_told_to_use_its_code(portal: Harness) -> None:  # noqa: F811
    chat = customer_chat(portal)
    await chat.send("profil")
    await chat.tap("Ganti nomor")
    await chat.send("0812-0000-0177")
    await chat.send("kembali")
    [told] = await chat.send("0812-0000-0177")
    assert "masih berlaku" in told and "0812****177" in told and "telah dikirim" not in told
    [code] = codes_to(portal, "6281200000177")
    replies = await chat.send(code)
    assert any("081200000177" in r or "0812-0000-0177" in r for r in replies)


async def test_a_code_asked_for_from_another_chat_is_not_this_chats_code(portal: Harness) -> None:  # noqa: F811
    """Per chat, not per customer id: chat B typing the id a chat A had a code sent for,
    within the minute, was told "the code we sent to 0812****002 still works, type it
    here", and the code typed in B logged B in. B is told when a code can come for it;
    A's code still works in A, and only there."""
    chat_a = stranger_chat(portal)
    chat_b = Chat(portal, phone="6281234567305", gateway="cloudapi")
    await chat_a.send("akun")
    await chat_a.send("AGLS202510150001")
    [code] = codes_sent(portal)
    portal.clock.advance(seconds=10)
    await chat_b.send("akun")
    told, _id_question = await chat_b.send("AGLS202510150001")
    assert "masih berlaku" not in told and "Ketik 6 angka" not in told
    assert "dalam 50 detik" in told and "chat lain" in told
    assert len(codes_sent(portal)) == 1  # the number's limit holds: no second code
    replies = "\n".join(await chat_b.send(code))  # A's code, typed in B: no login
    assert "Login berhasil" not in replies
    [linked, *_] = await chat_a.send(code)  # no attempt of A's used up in B
    assert "Login berhasil" in linked


async def test_a_code_replaced_from_another_chat_is_refused_without_using_attempts(portal: Harness) -> None:  # noqa: F811
    chat_a = stranger_chat(portal)
    chat_b = Chat(portal, phone="6281234567305", gateway="cloudapi")
    await chat_a.send("akun")
    await chat_a.send("AGLS202510150001")
    [old] = codes_sent(portal)
    portal.clock.advance(seconds=61)
    await chat_b.send("akun")
    [asked] = await chat_b.send("AGLS202510150001")  # a minute on: B's own code
    assert "0812****002" in asked
    [_, new] = codes_sent(portal)
    [refused] = await chat_a.send(old)
    assert "Belum ada kode yang aktif" in refused and "Sisa percobaan" not in refused
    [linked, *_] = await chat_b.send(new)
    assert "Login berhasil" in linked


async def test_in_english_a_code_asked_for_from_another_chat_says_when_one_can_come(portal: Harness) -> None:  # noqa: F811
    chat_a = stranger_chat(portal)
    chat_b = Chat(portal, phone="6281234567305", gateway="cloudapi")
    await chat_a.send("akun")
    await chat_a.send("AGLS202510150001")
    portal.clock.advance(seconds=20)
    await chat_b.send("english")
    await chat_b.send("account")
    told, _id_question = await chat_b.send("AGLS202510150001")
    assert "in 40 seconds" in told and "another chat" in told and "still works" not in told
