"""Words that are no answer to a registration question: the menu's words, a skip word at a
question that needs an answer, a bare "oke" in reply to a reminder, and a request or a
question typed at the name question. None is saved."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from ispbot.jobs import remind_quiet_registrations
from ispbot.storage.models import Conversation
from tests.conftest import Harness
from tests.flows.chat import Chat
from tests.flows.test_registration_paths import to_question


async def draft_of(h: Harness) -> dict[str, Any]:
    async with h.services.db.sessions() as s:
        convo = (await s.execute(select(Conversation))).scalar_one()
    return dict(convo.data.get("registration") or {})


async def test_daftar_sent_twice_asks_the_name_again_instead_of_taking_it(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    [name_question] = await chat.send("daftar")
    assert "nama lengkap" in name_question
    [again] = await chat.send("daftar")  # "Terima kasih, *Daftar*. Apa alamat email Anda?"
    assert "nama lengkap" in again and "Daftar*" not in again
    assert "full_name" not in await draft_of(fonnte)
    [email] = await chat.send("Budi Santoso")
    assert "*Budi Santoso*" in email


async def test_lewati_at_a_question_that_needs_an_answer_is_told_it_cannot_be_skipped(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "nama lengkap")
    refused, again = await chat.send("lewati")
    assert "tidak bisa dilewati" in refused and "ketik jawabannya" in refused and "nama lengkap" in again
    assert "full_name" not in await draft_of(fonnte)
    for answer in ["Budi Santoso", "budi@gmail.com", "1", "3273010101900001", "lewati"]:
        replies = await chat.send(answer)
    assert "alamat jalan" in replies[-1]
    refused, again = await chat.send("tidak ada")
    assert "tidak bisa dilewati" in refused and "alamat jalan" in again
    assert "street" not in await draft_of(fonnte)


async def test_a_menu_word_at_a_question_is_done_and_the_draft_kept(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "alamat jalan")
    replies = await chat.send("cek tagihan")
    assert "tetap tersimpan" in replies[0] and "*daftar*" in replies[0]
    assert "ID pelanggan" in replies[-1]  # the invoices ask who the customer is, as from the menu
    draft = await draft_of(fonnte)
    assert "street" not in draft and draft["full_name"] == "Budi Santoso"
    welcome, street = await chat.send("daftar")
    assert "Selamat datang kembali" in welcome and "alamat jalan" in street
    assert "RT/RW" in (await chat.send("Jl. Sukajadi No. 10"))[0]


async def test_a_village_that_shares_a_menu_word_is_still_an_answer(fonnte: Harness) -> None:
    """Pasang, in Maiwa (Kabupaten Enrekang), is spelled like the menu's "pasang"."""
    chat = Chat(fonnte)
    await to_question(chat, "kota/kabupaten")
    await chat.send("Kabupaten Enrekang")
    await chat.send("Maiwa")
    [postcode] = await chat.send("pasang")
    assert "kode pos" in postcode.lower()
    assert (await draft_of(fonnte))["village"] == "Pasang"


async def remind(h: Harness, chat: Chat) -> None:
    h.clock.advance(minutes=61)
    assert await remind_quiet_registrations(h.services) == 1
    await h.settle()
    [reminder] = chat.replies()
    assert "Ketik *lanjut*" in reminder


async def test_oke_in_reply_to_a_reminder_asks_the_question_again(fonnte: Harness) -> None:
    """"oke kak" to "Balas pesan ini untuk melanjutkan…" was saved as the landmark."""
    chat = Chat(fonnte)
    await to_question(chat, "patokan")
    await remind(fonnte, chat)
    replies = await chat.send("oke kak")
    assert "patokan" in replies[-1]
    assert "landmark" not in await draft_of(fonnte)
    [location] = await chat.send("depan masjid")
    assert "lokasi" in location
    assert (await draft_of(fonnte))["landmark"] == "depan masjid"


async def test_ok_after_a_reminder_is_not_refused_as_a_short_street(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "alamat jalan")
    await remind(fonnte, chat)
    replies = await chat.send("ok")
    assert "terlalu pendek" not in " ".join(replies) and "alamat jalan" in replies[-1]
    assert "RT/RW" in (await chat.send("Jl. Sukajadi No. 10"))[0]


async def test_ya_without_a_reminder_still_answers_the_question(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "40163")  # "Kode pos 40163, benar?"
    [landmark] = await chat.send("ya")
    assert "patokan" in landmark


async def test_requests_yes_words_and_questions_at_the_name_question_are_no_name(fonnte: Harness) -> None:
    """"saya mau daftar" was saved as the name ("Terima kasih, *Mau Daftar*")."""
    chat = Chat(fonnte)
    await to_question(chat, "nama lengkap")
    for said in ("saya mau daftar", "mau pasang wifi kak", "ok", "iya", "siap kak", "internet mati",
                 "I want to register"):
        [again] = await chat.send(said)
        assert "nama lengkap* Anda sesuai KTP" in again and "Terima kasih" not in again, said
    for asked in ("berapa harganya", "bisa pasang di Cibubur?"):
        [again] = await chat.send(asked)
        assert "*faq*" in again and "nama lengkap* Anda sesuai KTP" in again, asked
    assert "full_name" not in await draft_of(fonnte)
    [email] = await chat.send("nama saya I Made Wirawan kak")
    assert "Terima kasih, *I Made Wirawan*" in email


@pytest.mark.parametrize("name", ["Budi Santoso", "Siti Nur Aisyah", "Muhammad Iqbal", "Ni Luh Putu Ayu",
                                  "R.A. Kartini", "Nur'aini", "Iya Sari"])
async def test_real_names_still_pass(fonnte: Harness, name: str) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "nama lengkap")
    [email] = await chat.send(name)
    assert f"Terima kasih, *{name}*" in email


async def test_no_email_is_answered_with_how_to_get_one_then_cs_is_offered(fonnte: Harness) -> None:
    """"ga punya email kak" was taken for a name ("sepertinya nama, bukan alamat email"),
    and "lewati", "sy gak ada email" looped without end. The seed's wizard requires the
    email, so the customer is told why and how to get one."""
    chat = Chat(fonnte)
    await to_question(chat, "email")
    [told] = await chat.send("ga punya email kak")
    assert "sepertinya nama" not in told
    assert "tagihan" in told and "Gmail" in told and "anggota keluarga" in told and "*cs*" in told
    for said in ("lewati", "sy gak ada email", "belum punya"):
        [again] = await chat.send(said)
        assert "Ketik *cs* agar CS membantu Anda" in again and "tetap tersimpan" in again, said
    [handed] = await chat.send("cs")
    assert "sambungkan dengan *CS" in handed and "Pendaftaran Anda tetap tersimpan" in handed


async def test_an_email_after_saying_there_is_none_is_taken(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "email")
    await chat.send("gak punya email")
    [asked] = await chat.send("anak.saya@gmail.com")
    assert "Nomor *WhatsApp* mana" in asked
    assert "_no_email" not in await draft_of(fonnte)


async def test_declining_a_suggested_address_is_not_saying_there_is_none(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "email")
    [suggested] = await chat.send("budi@gmial.com")
    assert "gmail.com" in suggested
    [declined] = await chat.send("tidak")
    assert "Ketik alamat email Anda yang benar" in declined
