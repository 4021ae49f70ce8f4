"""The registration summary: changing one answer from it, giving the change up, going back
from it, and what is checked again when "kirim" is typed (a number never verified)."""

from __future__ import annotations

from sqlalchemy import select, update

from ispbot.storage.models import Conversation, Registration
from tests.conftest import Harness
from tests.flows.chat import Chat
from tests.flows.test_registration_paths import to_question


async def registrations_of(h: Harness) -> list[Registration]:
    async with h.services.db.sessions() as s:
        return list((await s.execute(select(Registration))).scalars())


async def test_backing_out_of_a_new_number_keeps_the_verified_one(fonnte: Harness) -> None:
    """"kembali" three times from the OTP question left 0857… unverified in the summary,
    and "kirim" registered it: staff updates went to a number nobody had confirmed."""
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    await chat.send("ubah data")
    await chat.send("3")  # Nomor WhatsApp
    await chat.send("2")  # Nomor lain
    [ask_otp] = await chat.send("085712340000")
    assert "0857****000" in ask_otp
    assert "Ketik nomor *WhatsApp* lain" in (await chat.send("kembali"))[0]
    assert "Nomor *WhatsApp* mana" in (await chat.send("kembali"))[0]
    undone, summary = await chat.send("kembali")
    assert "tidak jadi diubah" in undone
    assert "Langkah 4/4" in summary and "0812****101 ✔️" in summary and "0857" not in summary
    [confirmation] = await chat.send("kirim")
    assert "REG-" in confirmation
    [registration] = await registrations_of(fonnte)
    assert (registration.phone, registration.whatsapp_verified) == ("6281200000101", True)


async def test_an_unverified_number_is_not_submitted(fonnte: Harness) -> None:
    """A draft kept from before the fix above can still hold an unverified number."""
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    async with fonnte.services.db.transaction() as s:
        convo = (await s.execute(select(Conversation))).scalar_one()
        data = dict(convo.data)
        data["registration"] = {**data["registration"], "phone": "6285712340000", "whatsapp_verified": False}
        await s.execute(update(Conversation).values(data=data))
    told, phone_question = await chat.send("kirim")
    assert "0857****000" in told and "belum diverifikasi" in told
    assert "Nomor *WhatsApp* mana" in phone_question
    assert await registrations_of(fonnte) == []
    [summary] = await chat.send("1")  # this chat's own number
    assert "0812****101 ✔️" in summary and "Budi Santoso" in summary
    await chat.send("kirim")
    [registration] = await registrations_of(fonnte)
    assert (registration.phone, registration.whatsapp_verified) == ("6281200000101", True)


async def test_batal_while_changing_the_schedule_keeps_the_whole_form(fonnte: Harness) -> None:
    """"batal" under the date list deleted the completed form ("Baik, dibatalkan." and the
    menu); it now gives up only the change, here a new date already picked."""
    chat = Chat(fonnte)
    [summary] = await to_question(chat, "Langkah 4/4")
    assert "Senin, 23 November 2026, Pagi" in summary
    await chat.send("ubah")
    [dates] = await chat.send("jadwal")
    assert "tanggal instalasi" in dates
    await chat.send("2")  # a new date …
    undone, summary = await chat.send("batal")  # … given up at the time-slot question
    assert "tidak jadi diubah" in undone and "dibatalkan" not in undone
    assert "Langkah 4/4" in summary and "Senin, 23 November 2026, Pagi" in summary and "Budi Santoso" in summary
    await chat.send("kirim")
    [registration] = await registrations_of(fonnte)
    assert str(registration.preferred_installation_date) == "2026-11-23"


async def test_batal_at_the_list_of_fields_shows_the_summary_again(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    [which] = await chat.send("ubah data")
    assert "Data mana" in which
    undone, summary = await chat.send("batal")
    assert "tidak jadi diubah" in undone and "Langkah 4/4" in summary


async def test_batal_at_the_summary_itself_still_cancels_the_registration(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    cancelled, menu = await chat.send("batal")
    assert "dibatalkan" in cancelled.lower() and "Silakan pilih layanan" in menu
    [fresh] = await chat.send("daftar")
    assert "nama lengkap" in fresh
    assert await registrations_of(fonnte) == []


async def test_a_date_passed_while_the_summary_waited_is_asked_again_on_kirim(fonnte: Harness) -> None:
    """Drafts live 72 h: the Monday chosen on Saturday is today by Monday, and was accepted."""
    chat = Chat(fonnte)
    [summary] = await to_question(chat, "Langkah 4/4")
    assert "Senin, 23 November 2026" in summary
    fonnte.clock.advance(days=2)  # Monday 23 November, 10.00 in Jakarta: today is not allowed
    told, dates = await chat.send("kirim")
    assert "Senin, 23 November 2026" in told and "tidak tersedia lagi" in told and "data lain tetap" in told
    assert "tanggal instalasi" in dates and "23 Nov" not in dates
    assert await registrations_of(fonnte) == []
    await chat.send("1")  # the first day offered now: Tuesday
    [summary] = await chat.send("sore")
    assert "Selasa, 24 November 2026, Sore" in summary and "Budi Santoso" in summary and "Sukagalih" in summary
    await chat.send("kirim")
    [registration] = await registrations_of(fonnte)
    assert str(registration.preferred_installation_date) == "2026-11-24"
    assert registration.full_name == "Budi Santoso" and registration.preferred_time_slot == "Sore (15.00–18.00)"


async def test_a_date_passed_before_the_customer_came_back_is_asked_again_on_resume(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    await chat.send("menu")
    fonnte.clock.advance(days=2, hours=20)  # Tuesday morning: Monday has passed
    welcome, told, dates = await chat.send("daftar")
    assert "Selamat datang kembali" in welcome
    assert "Senin, 23 November 2026" in told and "tidak tersedia lagi" in told and "tanggal instalasi" in dates
    await chat.send("1")
    [summary] = await chat.send("1")
    assert "Rabu, 25 November 2026, Pagi" in summary and "Langkah 4/4" in summary


async def test_a_date_still_allowed_is_kept_on_resume(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    await chat.send("menu")
    fonnte.clock.advance(hours=30)  # Sunday afternoon: Monday is tomorrow
    _welcome, summary = await chat.send("daftar")
    assert "Senin, 23 November 2026, Pagi" in summary and "Langkah 4/4" in summary


async def test_batal_when_a_new_date_is_needed_cancels_as_anywhere_else(fonnte: Harness) -> None:
    """The summary cannot come back with a date gone by: "batal" there is no loop."""
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    fonnte.clock.advance(days=2)
    await chat.send("kirim")
    cancelled, menu = await chat.send("batal")
    assert "dibatalkan" in cancelled.lower() and "Silakan pilih layanan" in menu
    assert await registrations_of(fonnte) == []


async def test_oke_to_the_summary_submits_it(fonnte: Harness) -> None:
    """"oke", "sudah benar" after reading the summary meant Kirim, but got "please choose"."""
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    [confirmation] = await chat.send("sudah benar kak")
    assert "REG-" in confirmation
    [registration] = await registrations_of(fonnte)
    assert registration.full_name == "Budi Santoso"


async def test_oke_at_the_list_of_fields_is_not_taken_as_kirim(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    await chat.send("ubah data")
    replies = await chat.send("oke")
    assert not any("REG-" in reply for reply in replies)
    assert await registrations_of(fonnte) == []


async def test_kembali_at_the_summary_asks_the_last_question_then_shows_the_summary(fonnte: Harness) -> None:
    """"kembali" at the summary led on through every later question again."""
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    [notes] = await chat.send("kembali")
    assert "catatan tambahan" in notes
    [summary] = await chat.send("pagar hijau")
    assert "Langkah 4/4" in summary and "pagar hijau" in summary


async def test_kembali_further_from_the_summary_returns_once_that_answer_is_given(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    for _ in range(6):  # notes, slot, date, package, location, landmark
        replies = await chat.send("kembali")
    assert "patokan" in replies[-1]
    [location] = await chat.send("dekat masjid")
    assert "lokasi" in location  # asked with the landmark, as from the summary's "Ubah data"
    [summary] = await chat.send("lewati")
    assert "Langkah 4/4" in summary and "dekat masjid" in summary
    assert "Pagi (08.00–12.00)" in summary  # the later answers as they were


async def test_a_region_given_again_after_kembali_asks_what_depends_on_it(fonnte: Harness) -> None:
    """Back from the summary to the kelurahan: its postcode follows, then the summary."""
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    for _ in range(8):  # notes, slot, date, package, location, landmark, postcode, kelurahan
        replies = await chat.send("kembali")
    assert "Kelurahan" in replies[-1]
    [postcode] = (await chat.send("Sukagalih"))[-1:]
    assert "40163" in postcode
    [summary] = await chat.send("ya")
    assert "Langkah 4/4" in summary


async def test_ubah_data_before_the_summary_changes_an_earlier_answer_and_comes_back(fonnte: Harness) -> None:
    """"ubah data" (the summary's button, so customers learn it) before the summary led to
    the profile's "Ketik ID pelanggan", and every later answer was taken for an id."""
    chat = Chat(fonnte)
    await to_question(chat, "tanggal instalasi")
    [which] = await chat.send("ubah data")
    assert "Data mana yang ingin diubah?" in which and "ID pelanggan" not in which
    assert "1. Nama" in which and "8. Paket" in which and "Jadwal" not in which  # only what is answered
    [name] = await chat.send("1")
    assert "nama lengkap" in name
    [date] = await chat.send("Budi Setiawan")
    assert "tanggal instalasi" in date  # back where the change was asked for
    await chat.send("1")
    await chat.send("1")
    [summary] = await chat.send("lewati")
    assert "Budi Setiawan" in summary and "Langkah 4/4" in summary


async def test_ubah_data_at_the_first_question_says_there_is_nothing_to_change_yet(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "nama lengkap")
    told, again = await chat.send("ganti data")
    assert "Belum ada jawaban yang bisa diubah" in told and "nama lengkap" in again


async def test_the_list_of_answers_shown_before_the_summary_can_be_passed_by(fonnte: Harness) -> None:
    """The list is on screen, but the customer answers the question after all."""
    chat = Chat(fonnte)
    await to_question(chat, "Jam berapa")
    await chat.send("ubah")
    [notes] = await chat.send("sore")
    assert "catatan tambahan" in notes


async def test_batal_while_changing_an_answer_before_the_summary_comes_back_unchanged(cloudapi: Harness) -> None:
    chat = Chat(cloudapi, gateway="cloudapi")
    await to_question(chat, "Jam berapa")
    await chat.send("ubah data")
    [email] = await chat.tap("Email")
    assert "alamat *email*" in email
    undone, slot = await chat.send("batal")
    assert "tidak jadi diubah" in undone and "Jam berapa" in slot
    await chat.tap("Pagi")
    [summary] = await chat.send("lewati")
    assert "budi@gmail.com" in summary
