"""The main menu read as customers write a first message: a clear request in everyday
words starts what it names; a question about it is still the FAQ's."""

from __future__ import annotations

from typing import Any

import pytest

from ispbot.flows.menu import said_intent
from ispbot.storage.demo import DEMO_CUSTOMER_PHONE, seed_demo_customer, seed_faq
from tests.conftest import Harness
from tests.flows.chat import Chat


@pytest.fixture
async def with_faq(fonnte: Harness) -> Harness:
    async with fonnte.services.db.transaction() as s:
        await seed_faq(s, fonnte.clock.now())
    return fonnte


@pytest.mark.parametrize(("typed", "expected"), [
    ("saya mau daftar", "nama lengkap"),
    ("mau pasang wifi dong", "nama lengkap"),
    ("Halo kak, mau langganan internet", "nama lengkap"),
    ("sy mau psg wifi", "nama lengkap"),
    ("mau psng internet", "nama lengkap"),
    ("mau masang wifi di rumah", "nama lengkap"),
    ("saya mau pemasangan internet baru", "nama lengkap"),
    ("bisa ngobrol sama CS aja ga?", "sambungkan dengan *CS"),
    ("mau bicara dgn admin", "sambungkan dengan *CS"),
    ("saya mau bicara dengan orang", "sambungkan dengan *CS"),
    ("mau cek tagihan dong", "ID pelanggan"),
    ("gimana status pendaftaran saya?", "nomor registrasi"),
])
async def test_a_request_in_everyday_words_starts_what_it_asks_for(with_faq: Harness, typed: str,
                                                                    expected: str) -> None:
    """"saya mau daftar" got a FAQ text saying to type *daftar*; "mau bicara dgn admin" one
    saying to type *cs*."""
    replies = await Chat(with_faq).send(typed)
    assert expected in "\n".join(replies) and "❓" not in "\n".join(replies)


@pytest.mark.parametrize("typed", ["bagaimana cara daftar pasang internet baru?", "berapa biaya pasang baru?",
                                   "apa saja syarat untuk mendaftar?"])
async def test_a_question_about_a_menu_item_is_still_answered_by_the_faq(with_faq: Harness, typed: str) -> None:
    replies = "\n".join(await Chat(with_faq).send(typed))
    assert "❓" in replies or "beberapa jawaban" in replies
    assert "nama lengkap" not in replies


@pytest.mark.parametrize("typed", ["saya tidak mau langganan lagi", "berhenti langganan", "ga bisa daftar",
                                   "mau daftar lewat cs", "internet saya mati", "status tagihan", "daftar 2 rumah",
                                   "kenapa status saya belum berubah", "berapa lama pemasangan", "jadwal pemasangan",
                                   "biaya psg wifi", "mau psg ulang"])
def test_a_message_that_says_more_is_not_taken_for_a_request(typed: str) -> None:
    assert said_intent(typed) is None


@pytest.mark.parametrize(("typed", "expected"), [
    ("cek akun", "Tiket aktif:"), ("cek akun dong", "Tiket aktif:"), ("info akun", "Tiket aktif:"),
    ("Cek akun kak", "Tiket aktif:"), ("check my account", "Tiket aktif:"),
    ("info tagihan", "jatuh tempo"), ("lihat tagihan", "jatuh tempo"),
    ("cek tiket", "Tiket Anda"), ("lihat tiket saya dong", "Tiket Anda"),
    ("cek profil", "ahmad.test@example.com"), ("mau lihat profil saya", "ahmad.test@example.com"),
])
async def test_a_portal_item_asked_for_as_chatted_opens_it(with_faq: Harness, typed: str, expected: str) -> None:
    """"cek akun", "cek akun dong" and "info akun" got FAQ suggestions while "akun" and
    "cek tagihan" worked."""
    async with with_faq.services.db.transaction() as s:
        await seed_demo_customer(s, with_faq.clock.now(), with_faq.clock.now().date())
    replies = await Chat(with_faq, phone=DEMO_CUSTOMER_PHONE).send(typed)
    assert expected in "\n".join(replies) and "❓" not in "\n".join(replies)


@pytest.mark.parametrize("typed", ["bagaimana cara cek akun?", "akun saya diblokir", "hapus akun saya"])
def test_a_question_about_the_account_is_not_taken_for_a_request(typed: str) -> None:
    assert said_intent(typed) is None


async def test_the_cs_answer_gives_the_configured_office_hours(harness_factory: Any, sqlite_url: str) -> None:
    """"jam buka cs" answered how to reach CS, but not when they are at work."""
    from tests.flows.chat import FONNTE

    h = await harness_factory(sqlite_url, **FONNTE, office_hours="Senin–Jumat 09.00–18.00 WIB")
    async with h.services.db.transaction() as s:
        await seed_faq(s, h.clock.now())
    answer = "\n".join(await Chat(h).send("jam buka cs"))
    assert "Senin–Jumat 09.00–18.00 WIB" in answer and "[jam kerja cs]" not in answer


@pytest.mark.parametrize(("typed", "told", "not_told"), [
    ("berapa lama gangguan diperbaiki?", "*tiket*", "*status*"),
    ("area bandung timur bisa?", "survei", "langsung kami cek"),
])
async def test_an_answer_tells_only_what_the_bot_really_does(with_faq: Harness, typed: str, told: str,
                                                             not_told: str) -> None:
    """The repair-time answer said to type *status* (which asks for a registration number)
    to follow a ticket; the coverage answer promised a check at registration that no one
    makes before staff verify it."""
    answer = "\n".join(await Chat(with_faq).send(typed))
    assert told in answer and not_told not in answer


COMPLAINT = ("mau tanya internet di rumah saya sering putus putus terutama malam hari, padahal tagihan sudah saya "
             "bayar tepat waktu, mohon dibantu ya kak terima kasih")


@pytest.mark.parametrize("typed", [COMPLAINT, "selamat siang kak, " + COMPLAINT])
async def test_a_first_message_asking_a_long_question_is_welcomed_and_answered(with_faq: Harness, typed: str) -> None:
    """A new number's long complaint got only the menu, and later "Maaf, saya belum mengerti"."""
    welcome, answer = await Chat(with_faq).send(typed)
    assert "Selamat datang" in welcome and "❓ *Kenapa internet sering putus-putus?*" in answer


async def test_a_long_question_later_in_the_chat_is_answered(with_faq: Harness) -> None:
    chat = Chat(with_faq)
    await chat.send("halo")
    [answer] = await chat.send(COMPLAINT)
    assert "❓ *Kenapa internet sering putus-putus?*" in answer and "Selamat datang" not in answer


async def test_long_chatter_is_not_answered_from_the_faq(with_faq: Harness) -> None:
    chat = Chat(with_faq)
    await chat.send("halo")
    replies = await chat.send("kemarin anak saya main game sampai malam seru sekali katanya menang terus")
    assert "❓" not in "\n".join(replies) and "belum mengerti" in replies[0]


async def test_an_english_chat_is_told_the_faq_answers_are_in_indonesian(with_faq: Harness) -> None:
    """After "english", "my internet is down since morning" got an Indonesian answer unannounced."""
    chat = Chat(with_faq)
    await chat.send("english")
    told, answer = await chat.send("my internet is down since morning")
    assert "written in Indonesian" in told and "*cs*" in told and "❓" in answer


async def test_the_cs_answer_in_an_english_chat_gives_the_hours_in_english(with_faq: Harness) -> None:
    chat = Chat(with_faq)
    await chat.send("english")
    _, answer = await chat.send("jam buka cs")
    assert "Monday–Saturday 08:00–17:00 WIB" in answer


@pytest.mark.parametrize("typed", ["lanjut", "lewati", "gak jadi", "salah", "iya kak"])
async def test_an_answer_typed_at_the_menu_gets_the_menu_not_a_faq_answer(with_faq: Harness, typed: str) -> None:
    """With no question open (a chat just ended, a message sent twice), "lanjut" was
    answered how to stop subscribing, "lewati" how to pay, "gak jadi" what a late payment costs."""
    chat = Chat(with_faq)
    await chat.send("halo")
    replies = "\n".join(await chat.send(typed))
    assert "❓" not in replies and "beberapa jawaban" not in replies
    assert "Silakan pilih layanan" in replies and "belum mengerti" not in replies


@pytest.mark.parametrize(("typed", "expected"), [
    ("bisa bicara dengan admin?", "sambungkan dengan *CS"),
    ("mau ngomong sama cs aja", "sambungkan dengan *CS"),
    ("saya mau daftar aja kak", "nama lengkap"),
])
async def test_a_request_in_everyday_words_at_the_customer_id_question_is_done(
    with_faq: Harness, typed: str, expected: str
) -> None:
    """Asked for a customer id, "bisa bicara dengan admin?" was answered "not a customer id,
    type *cs*" (and "saya mau daftar aja" the same), three times over."""
    chat = Chat(with_faq)
    [_, asked] = await chat.send("tagihan")
    assert "ID pelanggan" in asked
    replies = "\n".join(await chat.send(typed))
    assert expected in replies and "bukan ID pelanggan" not in replies


@pytest.mark.parametrize("typed", ["kapan teknisi datang?", "mau ganti jadwal survey", "internet saya mati total"])
async def test_a_question_at_the_customer_id_question_is_answered(with_faq: Harness, typed: str) -> None:
    """Someone who registered and typed "tagihan" was asked for a customer id, and every
    question after it ("kapan teknisi datang?") was "not a customer id", then "type *cs*",
    until they found *menu*."""
    chat = Chat(with_faq)
    [_, asked] = await chat.send("tagihan")
    assert "ID pelanggan" in asked
    replies = "\n".join(await chat.send(typed))
    assert "❓" in replies or "beberapa jawaban" in replies
    assert "bukan ID pelanggan" not in replies
    assert "ID pelanggan" in "\n".join(await chat.send("tagihan"))  # asked again, not stuck elsewhere


@pytest.mark.parametrize("typed", ["tagihan", "lapor gangguan", "akun"])
async def test_someone_registered_but_not_installed_is_told_why_there_is_no_account(
    with_faq: Harness, typed: str
) -> None:
    """A registration waiting for its survey, and "tagihan" said "this WhatsApp number is
    not on file as a customer's" and asked for a customer id the customer never had."""
    from tests.webadmin.support import make_registration

    registration = await make_registration(with_faq)  # this chat's number, pending verification
    chat = Chat(with_faq)
    [told] = await chat.send(typed)  # one message that ends the matter: no customer id asked for
    assert f"Pendaftaran Anda *{registration.registration_number}* masih diproses" in told
    assert "Pendaftaran diterima" in told and "belum terdaftar sebagai nomor pelanggan" not in told
    assert "ketik *status*" in told and "Ketik *ID pelanggan* Anda" not in told
    [thanks] = await chat.send("ok makasih kak")  # at the menu, not at a customer id question
    assert "bukan ID pelanggan" not in thanks
    [status] = await chat.send("status")
    assert registration.registration_number in status and "← _saat ini_" in status


async def test_a_number_without_a_registration_is_still_asked_to_link_its_account(with_faq: Harness) -> None:
    told = "\n".join(await Chat(with_faq).send("tagihan"))
    assert "belum terdaftar sebagai nomor pelanggan" in told and "masih diproses" not in told
