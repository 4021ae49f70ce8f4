"""Thanks and "ok" said at a question that takes any text ("makasih" was saved as the
landmark, "sip" as the notes, "makasih" typed twice as the city): a kind word back and the
same question again, every earlier answer kept. Where "oke" means yes (a suggestion, the
postcode, the summary) it still does."""

from __future__ import annotations

import pytest

from tests.conftest import Harness
from tests.flows.chat import Chat
from tests.flows.test_registration_paths import to_question
from tests.flows.test_registration_summary import registrations_of
from tests.flows.test_registration_words import draft_of

THANKS = ["makasih", "terima kasih", "trims", "thx", "thanks", "ok makasih", "makasih kak 🙏"]
OK = ["sip", "oke", "siap", "mantap", "👍", "ok siap kak"]


def test_the_courtesy_words_are_read_as_chatted() -> None:
    from ispbot.flows.courtesy_words import acknowledgement

    assert {acknowledgement(said) for said in THANKS} == {"thanks"}
    assert {acknowledgement(said) for said in OK} == {"ok"}
    assert acknowledgement("makasih, depan masjid ya") is None and acknowledgement("ya") is None


async def said_at(chat: Chat, words: list[str], question: str, kind: str) -> None:
    for said in words:
        kind_word, again = await chat.send(said)
        assert kind_word.startswith(kind) and "mohon ketik jawaban" in kind_word, said
        assert question in again, said


@pytest.mark.parametrize(("question", "field", "answer", "next_question"), [
    ("alamat jalan", "street", "Jl. Sukajadi No. 10", "RT/RW"),
    ("patokan", "landmark", "depan masjid", "lokasi"),
    ("catatan", "notes", "pagar hijau", "Langkah 4/4"),
])
async def test_courtesy_at_a_free_text_question_asks_it_again(
    fonnte: Harness, question: str, field: str, answer: str, next_question: str
) -> None:
    chat = Chat(fonnte)
    await to_question(chat, question)
    await said_at(chat, THANKS, question, "Sama-sama! 😊")
    await said_at(chat, OK, question, "Baik! 😊")
    draft = await draft_of(fonnte)
    assert field not in draft and draft["full_name"] == "Budi Santoso" and draft["email"] == "budi@gmail.com"
    replies = await chat.send(answer)
    assert next_question in replies[-1]
    assert (await draft_of(fonnte))[field] == answer


async def test_courtesy_at_the_name_question_is_no_name(fonnte: Harness) -> None:
    """The name question answers in one message, as it does "saya mau daftar"."""
    chat = Chat(fonnte)
    await to_question(chat, "nama lengkap")
    for said in THANKS:
        [again] = await chat.send(said)
        assert again.startswith("Sama-sama! 😊") and "*nama lengkap*" in again, said
    for said in OK:
        [again] = await chat.send(said)
        assert again.startswith("Baik! 😊") and "*nama lengkap*" in again, said
    assert "full_name" not in await draft_of(fonnte)
    [email] = await chat.send("Budi Santoso")
    assert "Terima kasih, *Budi Santoso*" in email


async def test_thanks_typed_twice_at_a_region_question_is_no_place(fonnte: Harness) -> None:
    """A name the region list does not know is taken when typed again: "makasih" twice was the city."""
    chat = Chat(fonnte)
    await to_question(chat, "kota/kabupaten")
    for said in ("makasih", "makasih", "oke", "oke"):
        kind_word, again = await chat.send(said)
        assert "mohon ketik jawaban" in kind_word and "kota/kabupaten" in again, said
    assert "city" not in await draft_of(fonnte)
    [district] = await chat.send("Kota Bandung")
    assert "Kecamatan" in district


async def test_oke_still_takes_a_suggested_place_and_sends_the_summary(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Kecamatan")
    [offer] = await chat.send("coblog")
    assert "Maksud Anda" in offer and "Coblong" in offer
    [village] = await chat.send("oke")
    assert "Kelurahan" in village
    for answer in ["Dago", "ya", "lewati", "lewati", "2", "1", "1", "lewati"]:
        replies = await chat.send(answer)
    assert "Langkah 4/4" in replies[-1]
    [confirmation] = await chat.send("oke")
    assert "REG-" in confirmation
    [registration] = await registrations_of(fonnte)
    assert registration.kecamatan == "Coblong"


async def test_courtesy_while_changing_an_answer_from_the_summary_keeps_the_change_going(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    await chat.send("ubah data")
    [landmark] = await chat.send("7")  # Patokan & lokasi
    assert "patokan" in landmark
    kind_word, again = await chat.send("makasih")
    assert kind_word.startswith("Sama-sama") and "patokan" in again
    await chat.send("pagar hijau")
    [summary] = await chat.send("lewati")
    assert "Langkah 4/4" in summary and "pagar hijau" in summary and "Budi Santoso" in summary


async def test_courtesy_in_english(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "alamat jalan")
    await chat.send("english")
    kind_word, again = await chat.send("thanks")
    assert kind_word.startswith("You're welcome! 😊") and "please type your answer" in kind_word
    assert "*street address*" in again
    kind_word, _again = await chat.send("ok")
    assert kind_word.startswith("Great! 😊")
