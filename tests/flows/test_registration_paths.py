"""Every way a registration chat can go: wrong answers, back, cancel, help, edits,
duplicates, another number with OTP, restarts, reminders and expiry."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from ispbot.jobs import remind_quiet_registrations
from ispbot.storage.demo import seed_packages
from ispbot.storage.models import Conversation, ConversationEvent, OutboxMessage, Registration
from tests.conftest import Harness
from tests.flows.chat import FONNTE, Chat


async def to_question(chat: Chat, until: str) -> list[str]:
    """Answer correctly up to (and including) the reply that asks `until`."""
    script = [
        ("halo", "Selamat datang"), ("1", "nama lengkap"), ("Budi Santoso", "email"),
        ("budi@gmail.com", "WhatsApp"), ("1", "NIK"), ("3273010101900001", "foto KTP"),
        ("lewati", "alamat jalan"), ("Jl. Sukajadi No. 10", "RT/RW"), ("001/002", "kota/kabupaten"),
        ("Kota Bandung", "Kecamatan"), ("Sukajadi", "Kelurahan"), ("Sukagalih", "40163"),
        ("ya", "patokan"), ("lewati", "lokasi"), ("lewati", "paket"), ("2", "tanggal instalasi"),
        ("1", "Jam berapa"), ("1", "catatan"), ("lewati", "Langkah 4/4"),
    ]
    replies: list[str] = []
    for text, expect in script:
        replies = await chat.send(text)
        assert expect in replies[-1], (text, replies)
        if expect == until:
            return replies
    raise AssertionError(f"never asked {until}")


async def test_every_wrong_answer_gets_a_reprompt_that_keeps_earlier_answers(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "email")
    bad, again = await chat.send("budi@")
    assert "bukan alamat email yang valid" in bad and "email" in again
    [typo] = await chat.send("budi@gmial.com")
    assert "gmail.com" in typo
    await chat.send("budi@gmail.com")
    await chat.send("1")
    bad, again = await chat.send("327301010190000")  # 15 digits
    assert "16 digit" in bad and "NIK" in again
    await chat.send("3273010101900001")
    await chat.send("lewati")
    await chat.send("Jl. Sukajadi No. 10")
    bad, again = await chat.send("abc")
    assert "RT/RW" in bad and "RT/RW" in again
    await chat.send("1/2")
    await chat.send("Kota Bandung")
    await chat.send("Sukajadi")
    await chat.send("Sukagalih")
    bad, _ = await chat.send("4016")
    assert "5 digit" in bad
    await chat.send("40163")
    await chat.send("lewati")
    await chat.send("lewati")
    bad, again = await chat.send("9")
    assert "Pilih nomor 1 sampai 6" in bad and "Home Bronze" in again
    await chat.send("Home Gold 75M")
    bad, _ = await chat.send("01/01/2020")
    assert "sudah lewat" in bad
    await chat.send("lusa")  # the clock's today is a Saturday: "besok" is a Sunday, no installations
    await chat.send("sore")
    [summary] = await chat.send("rumah pagar hijau")
    assert "Budi Santoso" in summary and "budi@gmail.com" in summary and "Home Gold 75M" in summary
    assert "Sore (15.00–18.00)" in summary and "rumah pagar hijau" in summary
    async with fonnte.services.db.sessions() as s:
        reprompts = select(func.count()).where(ConversationEvent.event == "reprompt")
        assert (await s.execute(reprompts)).scalar_one() >= 6  # counted for the drop-off funnel


async def test_a_nik_whose_birth_date_cannot_be_gets_a_reprompt_saying_so(fonnte: Harness) -> None:
    """Digits 7–12 are DDMMYY (women: day + 40): 31 February, day 36, month 13 cannot be; a
    holder younger than 17 on the clock's date (21 November 2026) has no KTP yet. Each is
    told what is wrong, the question stays and the earlier answers are kept."""
    chat = Chat(fonnte)
    await to_question(chat, "NIK")
    for impossible in ["3273 0131 0290 0001", "3273013601900001", "3273.0101.1390.0001"]:
        bad, again = await chat.send(impossible)
        assert "tanggal lahir" in bad and "tidak mungkin" in bad and "410190" in bad, impossible
        assert "NIK" in again
    for young in ["3273010101100001", "3273016211090001"]:  # 2010; a woman born 22 November 2009
        bad, again = await chat.send(young)
        assert "belum berumur 17 tahun" in bad and "orang tua" in bad, young
        assert "NIK" in again
    [photo] = await chat.send("3273012111090001")  # 17 today
    assert "foto KTP" in photo
    for text in ["lewati", "Jl. Sukajadi No. 10", "001/002"]:
        await chat.send(text)
    summary = (await to_rest_of_registration(chat))[-1]
    assert "Budi Santoso" in summary and "budi@gmail.com" in summary and "3273********0001" in summary


async def test_an_english_chat_is_told_why_a_nik_is_refused(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await chat.send("english")
    await chat.send("1")
    for text in ["Budi Santoso", "budi@gmail.com", "1"]:
        await chat.send(text)
    bad, _ = await chat.send("3273013102900001")
    assert "date of birth" in bad and "cannot be" in bad
    bad, _ = await chat.send("3273010101100001")
    assert "not yet 17" in bad


async def test_back_returns_to_the_previous_question_with_answers_kept(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "kota/kabupaten")
    [rt_rw] = await chat.send("kembali")
    assert "RT/RW" in rt_rw
    [street] = await chat.send("kembali")
    assert "alamat jalan" in street
    await chat.send("Jl. Merdeka No. 5")
    await chat.send("3/4")
    replies = await to_rest_of_registration(chat)
    assert "Jl. Merdeka No. 5, RT 003/RW 004" in replies[-1] and "Budi Santoso" in replies[-1]


async def to_rest_of_registration(chat: Chat) -> list[str]:
    replies: list[str] = []
    for text in ["Kota Bandung", "Sukajadi", "Sukagalih", "ya", "lewati", "lewati", "2", "1", "1", "lewati"]:
        replies = await chat.send(text)
    return replies


async def test_help_explains_and_asks_again_cancel_drops_the_draft(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "NIK")
    explain, again = await chat.send("bantuan")
    assert "16 digit di bagian atas KTP" in explain and "NIK" in again
    cancelled, menu = await chat.send("batal")
    assert "dibatalkan" in cancelled.lower() and "Silakan pilih layanan" in menu
    [fresh] = await chat.send("1")
    assert "nama lengkap" in fresh  # a new registration, not a resume


async def test_edit_one_field_from_the_summary_and_come_back(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    [which] = await chat.send("ubah data")
    assert "Data mana" in which and "Paket" in which
    [package] = await chat.send("Paket")
    assert "Home Titanium" in package
    [summary] = await chat.send("6")
    assert "Home Titanium 300M" in summary and "Langkah 4/4" in summary
    await chat.send("2")
    await chat.send("Nomor WhatsApp")
    [summary] = await chat.send("1")  # own number: straight back to the summary
    assert "Langkah 4/4" in summary
    [confirmation] = await chat.send("1")
    assert re.search(r"REG-\d{8}-0001", confirmation)


async def test_a_number_typed_at_the_list_of_fields_picks_that_field(fonnte: Harness) -> None:
    """On numbered-text gateways "1" under "Data mana yang ingin diubah?" is Nama, not
    the summary's Kirim (it submitted the registration), and "3" is not Batal."""
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    [which] = await chat.send("2")
    assert "Data mana" in which
    [name] = await chat.send("1")
    assert "nama lengkap" in name
    [summary] = await chat.send("Budi Hartono")
    assert "Budi Hartono" in summary and "Langkah 4/4" in summary
    await chat.send("ubah data")
    [phone] = await chat.send("3")
    assert "Nomor *WhatsApp*" in phone
    [summary] = await chat.send("1")  # own number: back to the summary
    assert "Langkah 4/4" in summary
    [confirmation] = await chat.send("1")  # at the summary again, 1 is Kirim
    assert re.search(r"REG-\d{8}-0001", confirmation)
    async with fonnte.services.db.sessions() as s:
        assert (await s.execute(select(Registration.full_name))).scalar_one() == "Budi Hartono"


async def test_menu_keeps_the_draft_and_registering_again_resumes_it(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "RT/RW")
    [menu] = await chat.send("menu")
    assert "Silakan pilih layanan" in menu
    welcome, question = await chat.send("daftar")
    assert "Selamat datang kembali" in welcome and "RT/RW" in question


async def test_a_duplicate_is_told_to_its_owner_and_kept_from_anyone_else(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    [confirmation] = await chat.send("kirim")
    number = re.search(r"REG-\d{8}-\d{4}", confirmation)
    assert number
    [mine] = await chat.send("daftar")  # the owner's chat: told which registration, in its words
    assert number.group(0) in mine and "*Status:* Pendaftaran diterima" in mine
    other = Chat(fonnte, phone="6281200000199")
    await other.send("halo")
    await other.send("daftar")
    await other.send("Siti Aminah")
    in_use, again = await other.send("BUDI@gmail.com")  # a stranger typing Budi's email learns nothing
    assert "sudah dipakai" in in_use and "REG-" not in in_use + again and "email" in again
    [phone] = await other.send("siti@example.com")  # the name given before is kept
    assert "WhatsApp" in phone
    await other.send("2")
    in_use, again = await other.send("081200000101")  # Budi's number
    assert "Nomor ini sudah dipakai" in in_use and "REG-" not in in_use + again
    async with fonnte.services.db.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(Registration))).scalar_one() == 1


async def test_an_email_taken_while_the_summary_waited_is_asked_again_with_the_draft_kept(fonnte: Harness) -> None:
    first, second = Chat(fonnte), Chat(fonnte, phone="6281200000199")
    await to_question(first, "Langkah 4/4")
    await to_question(second, "Langkah 4/4")  # the same email
    await first.send("kirim")
    in_use, question = await second.send("kirim")
    assert "Email ini sudah dipakai" in in_use and "email" in question and "REG-" not in in_use
    [summary] = await second.send("siti@example.com")
    assert "siti@example.com" in summary and "Langkah 4/4" in summary and "Sukagalih" in summary
    [confirmation] = await second.send("kirim")
    assert re.search(r"REG-\d{8}-0002", confirmation)


async def test_another_number_is_confirmed_by_otp_with_expiry_attempts_and_resend(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "WhatsApp")
    await chat.send("2")
    [ask_otp] = await chat.send("0812-0000-0150")
    assert "0812****150" in ask_otp
    [code_message] = fonnte.gateway.texts_to("6281200000150")
    code = re.search(r"\*(\d{6})\*", code_message)
    assert code and "berlaku selama 5 menit" in code_message
    assert "Budi" not in code_message  # a number not yet proved the customer's gets nothing they typed
    async with fonnte.services.db.sessions() as s:  # marked, so staff see it masked
        sent = (await s.execute(select(OutboxMessage).where(OutboxMessage.phone == "6281200000150"))).scalar_one()
    assert sent.payload.get("sensitive") is True
    wrong = "000000" if code.group(1) != "000000" else "111111"
    assert "Sisa percobaan: *2*" in (await chat.send(wrong))[0]
    fonnte.clock.advance(minutes=6)
    assert "kedaluwarsa (berlaku 5 menit)" in (await chat.send(code.group(1)))[0]
    [resent] = await chat.send("kirim ulang")
    assert "Kode baru sudah dikirim" in resent
    new_code = re.search(r"\*(\d{6})\*", fonnte.gateway.texts_to("6281200000150")[-1])
    assert new_code
    [too_soon] = await chat.send("kirim ulang")  # refused: not followed by "a code was sent"
    assert "60 detik" in too_soon
    [nik] = await chat.send(new_code.group(1))
    assert "NIK" in nik
    await chat.send("lewati")
    await chat.send("lewati")
    await chat.send("Jl. Sukajadi No. 10")
    await chat.send("1/2")
    summary = (await to_rest_of_registration(chat))[-1]
    assert "0812****150 ✔️" in summary
    [confirmation] = await chat.send("kirim")
    number = re.search(r"REG-\d{8}-\d{4}", confirmation)
    assert number
    [status] = await chat.send("status")  # the chat that made it follows it, without typing its number
    assert number.group(0) in status and "ketik" not in status.lower()[:40]


async def test_a_restart_mid_flow_resumes_at_the_same_question(harness_factory: Any, sqlite_url: str) -> None:
    first: Harness = await harness_factory(sqlite_url, **FONNTE)

    async with first.services.db.transaction() as s:
        await seed_packages(s)
    chat = Chat(first)
    await to_question(chat, "Kecamatan")
    await first.client.close()
    second: Harness = await harness_factory(sqlite_url, **FONNTE)
    chat.h = second
    chat.seen = 0
    [village] = await chat.send("Sukajadi")
    assert "Kelurahan" in village


async def test_a_reminder_due_after_the_24_hour_window_is_not_sent(
    harness_factory: Callable[..., Any], sqlite_url: str
) -> None:
    h: Harness = await harness_factory(sqlite_url, **FONNTE, reminder_after_minutes=[60, 25 * 60])
    async with h.services.db.transaction() as s:
        await seed_packages(s)
    chat = Chat(h)
    await to_question(chat, "RT/RW")
    h.clock.advance(minutes=61)
    assert await remind_quiet_registrations(h.services) == 1
    h.clock.advance(hours=24)  # 25 h since the customer wrote
    assert await remind_quiet_registrations(h.services) == 1  # counted …
    await h.settle()
    [first] = chat.replies()  # … but only the first reminder went out
    assert "belum selesai" in first


async def test_quiet_customers_are_reminded_twice_then_the_draft_expires(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "RT/RW")
    services = fonnte.services
    fonnte.clock.advance(minutes=59)
    assert await remind_quiet_registrations(services) == 0
    fonnte.clock.advance(minutes=2)
    assert await remind_quiet_registrations(services) == 1
    assert await remind_quiet_registrations(services) == 0  # not twice
    fonnte.clock.advance(hours=22)
    assert await remind_quiet_registrations(services) == 1
    await fonnte.settle()
    first, second = chat.replies()
    assert "belum selesai" in first and "Pengingat terakhir" in second
    fonnte.clock.advance(hours=49)
    assert await remind_quiet_registrations(services) == 1
    await fonnte.settle()
    assert chat.replies() == []  # outside WhatsApp's 24-hour window: dropped quietly
    async with services.db.sessions() as s:
        convo = (await s.execute(select(Conversation))).scalar_one()
    assert convo.flow == "menu" and "registration" not in convo.data
    [fresh] = await chat.send("daftar")
    assert "nama lengkap" in fresh


async def test_an_answer_resets_the_reminders(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "RT/RW")
    fonnte.clock.advance(minutes=61)
    assert await remind_quiet_registrations(fonnte.services) == 1
    await chat.send("1/2")
    fonnte.clock.advance(minutes=30)
    assert await remind_quiet_registrations(fonnte.services) == 0
    fonnte.clock.advance(minutes=31)
    assert await remind_quiet_registrations(fonnte.services) == 1
    await fonnte.settle()
    assert "belum selesai" in chat.replies()[-1]


@pytest.mark.parametrize("accept", ["1", "ya"])  # a single suggestion is also taken with "ya"
async def test_a_kecamatan_of_another_city_is_offered_with_its_city_and_corrects_it(
    fonnte: Harness, accept: str
) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "kota/kabupaten")
    [which] = await chat.send("bandung")
    assert "Kabupaten Bandung" in which and "Kota Bandung" in which
    await chat.send("1" if which.index("1. Kabupaten Bandung") >= 0 else "2")  # the wrong one
    [offer] = await chat.send("coblong")
    assert "Coblong — Kota Bandung" in offer
    [village] = await chat.send(accept)
    assert "Kelurahan" in village and "Coblong" in village
    [postcode] = await chat.send("dago")
    assert "Dago" in postcode
    for text in ["ya", "lewati", "lewati", "2", "1", "1"]:
        await chat.send(text)
    [summary] = await chat.send("lewati")
    assert "Dago, Coblong, Kota Bandung" in summary


async def test_short_words_are_not_guessed_as_place_names(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Kecamatan")
    [unknown, again] = await chat.send("ya")
    assert "tidak menemukan" in unknown and "kembali" in unknown and "Kecamatan" in again


async def test_a_number_with_an_open_registration_is_told_at_once(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Langkah 4/4")
    await chat.send("kirim")
    [told] = await chat.send("daftar")
    assert "sudah terdaftar dengan nomor ini" in told and "REG-" in told


async def test_the_funnel_times_each_question_from_asking_to_the_accepted_answer(fonnte: Harness) -> None:
    from datetime import timedelta

    from ispbot.storage import chat_funnel
    from ispbot.storage.analytics import Window

    chat = Chat(fonnte)
    await to_question(chat, "nama lengkap")
    fonnte.clock.advance(timedelta(seconds=40))
    await chat.send("12345")  # not a name: refused, the clock keeps running
    fonnte.clock.advance(timedelta(seconds=5))
    await chat.send("Budi Santoso")
    fonnte.clock.advance(timedelta(seconds=12))
    await chat.send("batal")  # gives up at the email question
    async with fonnte.services.db.sessions() as s:
        window = Window.last_days(1, now=fonnte.clock.now(), tz=fonnte.services.settings.tz)
        name, email = await chat_funnel.question_funnel(s, window, "registration", ["ASK_NAME", "ASK_EMAIL"])
    assert (name.reached, name.answered, name.reprompts, name.dropped, name.median_seconds) == (1, 1, 1, 0, 45.0)
    assert (email.reached, email.answered, email.dropped, email.in_progress) == (1, 0, 1, 0)
    async with fonnte.services.db.sessions() as s:
        answer = select(ConversationEvent.seconds, ConversationEvent.retries).where(
            ConversationEvent.state == "ASK_NAME", ConversationEvent.event == "answered")
        assert (await s.execute(answer)).one() == (45.0, 1)  # one refused answer before it


async def test_a_suggested_email_is_taken_with_ya_and_a_plain_ya_otherwise_is_refused(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "email")
    [no_suggestion, again] = await chat.send("ya")
    assert '"ya" bukan alamat email yang valid' in no_suggestion and "email" in again
    [typo] = await chat.send("siti@gmial.com")
    assert "*siti@gmail.com*" in typo and "balas *ya*" in typo
    [next_question] = await chat.send("Ya")
    assert "WhatsApp" in next_question
    async with fonnte.services.db.sessions() as s:
        conversation = (await s.execute(select(Conversation))).scalar_one()
    assert conversation.data["registration"]["email"] == "siti@gmail.com"
    assert "_email_suggestion" not in conversation.data["registration"]


async def test_a_name_typed_again_at_the_email_question_is_told_how_to_go_back(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "email")  # the name given was "Budi Santoso"
    [hint, _again] = await chat.send("Budi Santoso Wijaya")
    assert "sepertinya nama" in hint and "*kembali*" in hint
    [name_question] = await chat.send("kembali")
    assert "nama lengkap" in name_question
    [email_question] = await chat.send("Budi Santoso Wijaya")
    assert "Budi Santoso Wijaya" in email_question and "email" in email_question
    [not_an_email, _] = await chat.send("budi")  # one word: no guess, the plain refusal
    assert "bukan alamat email yang valid" in not_an_email


async def test_a_new_answer_under_suggestions_is_not_taken_for_one_hidden_inside_its_words(fonnte: Harness) -> None:
    """"kab bekasi" under "Maksud Anda…? [1] Kasi (Kabupaten Tambrauw)…" took Kasi, in
    Papua, because "kasi" is inside "bekasi"; the address moved province unannounced."""
    chat = Chat(fonnte)
    await to_question(chat, "kota/kabupaten")
    await chat.send("jaksel")
    [suggested] = await chat.send("bekasi")
    assert "Maksud Anda" in suggested
    replies = await chat.send("kab bekasi")
    assert "Kasi" not in replies[-1] and "Tambrauw" not in " ".join(replies)


async def test_a_suggested_kecamatan_keeps_its_whole_name_and_city(fonnte: Harness) -> None:
    """Suggestions were cut to 24 characters on every gateway: "Kiaracondong (Kota Bandu",
    and at Kota Bandung's kecamatan question "minggu" offered "Pasar Minggu (Kota Admin"."""
    chat = Chat(fonnte)
    await to_question(chat, "Kecamatan")
    [offer] = await chat.send("minggu")
    assert "Pasar Minggu — Kota Administrasi Jakarta Selatan" in offer
    [offer] = await chat.send("kiaracondog")
    assert "Kiaracondong — Kota Bandung" in offer


async def test_a_suggested_kecamatan_is_a_list_row_with_its_city_below(cloudapi: Harness) -> None:
    chat = Chat(cloudapi, gateway="cloudapi")
    await to_question(chat, "Kecamatan")
    await chat.send("minggu")
    assert chat.last_choices[0]["title"] == "Pasar Minggu"
    assert chat.last_choices[0]["description"] == "Kota Administrasi Jakarta Selatan"


async def test_a_single_suggestion_is_offered_as_one_not_as_one_of_these(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "kota/kabupaten")
    await chat.send("kabupaten bandung")
    [suggested] = await chat.send("coblong")  # a kecamatan of Kota Bandung, not of the kabupaten
    assert 'Maksud Anda ini untuk "coblong"?' in suggested and "salah satu" not in suggested
    assert "Coblong — Kota Bandung" in suggested


@pytest.mark.parametrize("typed", ["paket 2", "yg 40mb", "40 Mbps kak", "ambil yang silver"])
async def test_a_package_as_customers_name_it(fonnte: Harness, typed: str) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "paket")
    [when] = await chat.send(typed)
    assert "tanggal instalasi" in when
    async with fonnte.services.db.sessions() as s:
        convo = (await s.execute(select(Conversation))).scalar_one()
    assert "Silver" in str(convo.data)


@pytest.mark.parametrize(("typed", "package"), [
    ("yg paling murah", "Home Bronze 20M"), ("paling murah", "Home Bronze 20M"), ("yang termurah", "Home Bronze 20M"),
    ("paling cepat kak", "Home Titanium 300M"), ("rp 199.900", "Home Silver 40M"), ("199rb", "Home Silver 40M"),
    ("yg 270 ribu aja", "Home Gold 75M"), ("bronz", "Home Bronze 20M"), ("paket platinum", "Home Platinum 100M"),
])
async def test_a_package_named_by_rank_price_or_a_misspelt_name(fonnte: Harness, typed: str, package: str) -> None:
    """"yg paling murah", "199rb" and "bronz" were "Paket … tidak ada"."""
    chat = Chat(fonnte)
    await to_question(chat, "paket")
    [when] = await chat.send(typed)
    assert "tanggal instalasi" in when
    for text in ["2", "1", "lewati"]:
        replies = await chat.send(text)
    assert f"*Paket:* {package} —" in replies[-1]


async def test_a_price_no_package_comes_near_is_told_so(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "paket")
    told, again = await chat.send("paket 20 ribu")
    assert "Tidak ada paket seharga Rp 20.000" in told and "pilih paket" in again


async def test_lewati_at_the_city_is_told_it_cannot_be_skipped_not_offered_pati(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "kota/kabupaten")
    replies = await chat.send("lewati")
    assert "Pati" not in " ".join(replies) and "kota/kabupaten" in replies[-1]
    assert "tidak bisa dilewati" in replies[0] and "ketik jawabannya" in replies[0]


async def test_a_greeting_is_greeted_back_and_a_name_said_in_chat_is_just_the_name(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "nama lengkap")
    hello, again = await chat.send("halo kak")  # "Halo Kak" was saved as the name
    assert "Kita lanjutkan" in hello and "nama lengkap" in again
    [email] = await chat.send("nama saya budi santoso kak")
    assert "*Budi Santoso*" in email


async def test_the_funnel_counts_a_finished_registration_and_a_step_back_as_no_drop(fonnte: Harness) -> None:
    """The confirmation was counted as given up on by everyone who registered (its answer
    was recorded under the menu the submit had moved to), and *kembali* as a drop."""
    from ispbot.storage import chat_funnel
    from ispbot.storage.analytics import Window

    chat = Chat(fonnte)
    await to_question(chat, "foto KTP")
    [nik_again] = await chat.send("kembali")
    assert "NIK" in nik_again
    await chat.send("3273010101900001")
    await to_question(Chat(fonnte, phone="6281200000109"), "Langkah 4/4")  # another customer, still at it
    chat.replies()
    for text in ["lewati", "Jl. Sukajadi No. 10", "001/002", "Kota Bandung", "Sukajadi", "Sukagalih", "ya",
                 "lewati", "lewati", "2", "1", "1", "lewati"]:
        await chat.send(text)
    done = await chat.send("1")  # Kirim
    assert any("REG-" in reply for reply in done)
    async with fonnte.services.db.sessions() as s:
        window = Window.last_days(1, now=fonnte.clock.now(), tz=fonnte.services.settings.tz)
        photo, confirm = await chat_funnel.question_funnel(s, window, "registration", ["ASK_KTP_PHOTO", "CONFIRM"])
    assert (photo.reached, photo.answered, photo.dropped) == (2, 2, 0)  # asked again after kembali: once
    assert (confirm.reached, confirm.answered, confirm.in_progress, confirm.dropped) == (2, 1, 1, 0)


async def test_jakarta_offers_all_five_cities_and_solo_is_surakarta(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "kota/kabupaten")
    [offered] = await chat.send("jakarta")
    assert all(f"Jakarta {part}" in offered for part in ("Pusat", "Utara", "Barat", "Timur", "Selatan"))
    [district] = await chat.send("5")
    assert "Kecamatan" in district
    other = Chat(fonnte, phone="6281200000108")
    await to_question(other, "kota/kabupaten")
    [district] = await other.send("solo")
    assert "Kota Surakarta" in district  # not Solok, in West Sumatra


async def test_the_time_slot_is_read_from_a_time_said_in_words(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "Jam berapa")
    refused, again = await chat.send("jam 7 malam")
    assert "08.00–18.00" in refused and "Jam berapa" in again
    [notes] = await chat.send("jam 10 pagi aja kak")
    assert "catatan" in notes
    [summary] = await chat.send("lewati")
    assert "Pagi (08.00–12.00)" in summary


@pytest.mark.parametrize("typed", ["malam", "malem aja kak", "evening"])
async def test_an_evening_asked_for_is_told_the_installation_hours(fonnte: Harness, typed: str) -> None:
    """"malam aja kak" (at work all day) was "Mohon pilih salah satu pilihan", no word on
    why the evening is not offered."""
    chat = Chat(fonnte)
    await to_question(chat, "Jam berapa")
    refused, again = await chat.send(typed)
    assert "08.00–18.00" in refused and "Jam berapa" in again


async def test_a_draft_kept_while_the_customer_went_to_the_menu_expires_too(fonnte: Harness) -> None:
    """It holds the NIK; parked at the menu it was kept for ever."""
    chat = Chat(fonnte)
    await to_question(chat, "alamat jalan")  # the NIK given
    replies = await chat.send("menu")
    assert any("Silakan pilih layanan" in r for r in replies)

    async def draft() -> object:
        async with fonnte.services.db.sessions() as s:
            return (await s.execute(select(Conversation))).scalar_one().data.get("registration")

    assert draft is not None and await draft() is not None
    fonnte.clock.advance(hours=71)
    await remind_quiet_registrations(fonnte.services)
    assert await draft() is not None  # still wanted: "daftar" resumes it
    fonnte.clock.advance(hours=2)
    assert await remind_quiet_registrations(fonnte.services) == 1
    assert await draft() is None


async def test_a_new_code_asked_for_in_everyday_words_is_sent_and_words_use_no_attempt(fonnte: Harness) -> None:
    """"kirim ulang kak" and "kodenya blm masuk min" were checked as codes: "Kode salah",
    two of the three attempts gone."""
    chat = Chat(fonnte)
    await to_question(chat, "WhatsApp")
    await chat.send("2")
    await chat.send("0812-0000-0150")
    fonnte.clock.advance(seconds=61)
    [resent] = await chat.send("kirim ulang kak")
    assert "Kode baru sudah dikirim" in resent
    [too_soon] = await chat.send("kodenya blm masuk min")  # the resend limits still hold
    assert "detik" in too_soon and "salah" not in too_soon.lower()
    fonnte.clock.advance(seconds=61)
    [resent] = await chat.send("ga dapet kode nya")
    assert "Kode baru sudah dikirim" in resent
    assert len(fonnte.gateway.texts_to("6281200000150")) == 3
    [hint] = await chat.send("gimana ini kak")
    assert "6 angka" in hint and "*kirim ulang*" in hint and "salah" not in hint.lower()
    code = re.search(r"\*(\d{6})\*", fonnte.gateway.texts_to("6281200000150")[-1])
    assert code
    wrong = "000000" if code.group(1) != "000000" else "111111"
    assert "Sisa percobaan: *2*" in (await chat.send(wrong))[0]  # the words used none of the three
    [nik] = await chat.send(code.group(1))
    assert "NIK" in nik


@pytest.mark.parametrize("typed", ["kirim ulang", "kirim lagi dong", "belum masuk kak", "blm masuk", "gak masuk min",
                                   "tidak masuk", "belum dapat", "ga dapet kode", "kodenya ga ada", "resend",
                                   "minta kode baru"])
def test_asking_for_a_new_code_as_it_is_chatted(typed: str) -> None:
    from ispbot.flows.otp_step import asks_for_a_new_code

    assert asks_for_a_new_code(typed)


@pytest.mark.parametrize("typed", ["123456", "kode 123456", "sudah masuk", "ok", "gimana ini"])
def test_a_code_or_other_words_are_not_a_resend(typed: str) -> None:
    from ispbot.flows.otp_step import asks_for_a_new_code

    assert not asks_for_a_new_code(typed)


@pytest.mark.parametrize("yes", ["iya bener", "ya betul kak", "sudah benar"])
async def test_a_suggested_email_is_taken_with_yes_as_it_is_chatted(fonnte: Harness, yes: str) -> None:
    """"iya bener" under "Apakah maksud Anda siti@gmail.com?" was told it looked like a name."""
    chat = Chat(fonnte)
    await to_question(chat, "email")
    await chat.send("siti.aminah@gmial.com")
    [next_question] = await chat.send(yes)
    assert "WhatsApp" in next_question
    async with fonnte.services.db.sessions() as s:
        conversation = (await s.execute(select(Conversation))).scalar_one()
    assert conversation.data["registration"]["email"] == "siti.aminah@gmail.com"


async def test_a_suggested_email_declined_asks_for_the_right_one(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "email")
    await chat.send("siti.aminah@gmial.com")
    [told] = await chat.send("bukan kak")
    assert "sepertinya nama" not in told and "bukan alamat email" not in told and "alamat email Anda yang benar" in told
    [next_question] = await chat.send("siti@example.com")
    assert "WhatsApp" in next_question


async def test_the_known_postcode_is_confirmed_with_yes_as_it_is_chatted(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "40163")
    [landmark] = await chat.send("iya bener")
    assert "patokan" in landmark
    async with fonnte.services.db.sessions() as s:
        conversation = (await s.execute(select(Conversation))).scalar_one()
    assert conversation.data["registration"]["postcode"] == "40163"


async def test_the_known_postcode_declined_asks_for_the_right_one(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "40163")
    [told, _again] = await chat.send("bukan")
    assert "kode pos yang benar" in told
    noted, landmark = await chat.send("40164")  # not the official one: kept as typed, noted for staff
    assert "40164" in noted and "patokan" in landmark


@pytest.mark.parametrize(("typed", "package"), [
    ("40", "Home Silver 40M"), ("yg 20", "Home Bronze 20M"), ("20 aja", "Home Bronze 20M"),
    ("yang 100 kak", "Home Platinum 100M"), ("300", "Home Titanium 300M"),
    ("2", "Home Silver 40M"), ("no 6", "Home Titanium 300M"),  # a row number is still a row number
])
async def test_a_package_named_by_its_speed_alone(fonnte: Harness, typed: str, package: str) -> None:
    """"40" at the package question was "Paket "40" tidak ada. Pilih nomor 1 sampai 6"."""
    chat = Chat(fonnte)
    await to_question(chat, "paket")
    [when] = await chat.send(typed)
    assert "tanggal instalasi" in when
    async with fonnte.services.db.sessions() as s:
        convo = (await s.execute(select(Conversation))).scalar_one()
    assert convo.data["registration"]["package_name"] == package


async def test_a_speed_no_package_has_is_refused(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await to_question(chat, "paket")
    bad, _again = await chat.send("50")
    assert "Pilih nomor 1 sampai 6" in bad


async def test_the_date_example_is_a_day_offered_and_typing_it_is_taken(fonnte: Harness) -> None:
    """The example was a fixed 25/11/2026: soon past, and copying it was refused."""
    chat = Chat(fonnte, phone="6281234500210")
    [asked] = await to_question(chat, "tanggal instalasi")
    example = re.search(r"contoh: \*(\d\d/\d\d/\d{4})\*", asked)
    assert example, asked
    bad, again = await chat.send("kapan2")
    assert f"*{example[1]}*" in bad and "tanggal instalasi" in again
    [slot] = await chat.send(example[1])
    assert "Jam berapa" in slot


async def test_a_suggested_email_is_one_message_that_says_how_to_answer(fonnte: Harness) -> None:
    """"Apakah maksud Anda budi@gmail.com? … balas *ya*" came with the email question again
    under it ("Apa alamat email Anda?"), as if the suggestion had not been asked."""
    chat = Chat(fonnte)
    await to_question(chat, "email")
    [suggested] = await chat.send("budi@gmial.com")
    assert "*budi@gmail.com*" in suggested and "balas *ya*" in suggested and "ketik alamat email yang benar" in suggested
    [declined] = await chat.send("bukan")  # the right address is asked for in that one message too
    assert "Ketik alamat email Anda yang benar" in declined
    [next_question] = await chat.send("budi.s@example.com")
    assert "WhatsApp" in next_question
    async with fonnte.services.db.sessions() as s:
        conversation = (await s.execute(select(Conversation))).scalar_one()
    assert conversation.data["registration"]["email"] == "budi.s@example.com"


async def test_a_suggested_email_is_one_message_in_english(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await chat.send("english")
    await chat.send("1")
    await chat.send("Budi Santoso")
    [suggested] = await chat.send("budi@gmial.com")
    assert "Did you mean *budi@gmail.com*?" in suggested and "reply *yes*" in suggested
    [next_question] = await chat.send("yes")
    assert "WhatsApp" in next_question
