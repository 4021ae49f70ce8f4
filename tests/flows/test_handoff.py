"""Talking to a human, from the customer's side, through real-format webhooks: "cs", the
menu item, two unreadable messages in a row at the menu (inside a flow: help, then CS
offered); the bot staying quiet while CS has the chat;
leaving the queue; office hours; and the job that returns quiet handoffs to the bot."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from ispbot.handoff import hand_back, return_quiet_handoffs, take
from ispbot.storage import conversations
from ispbot.storage.models import AuditEntry, Conversation, InboxMessage, User
from tests.conftest import Harness
from tests.flows.chat import Chat

PHONE = "6281200000131"


async def conversation_of(h: Harness, phone: str = PHONE) -> Conversation:
    async with h.services.db.sessions() as session:
        found = await conversations.get(session, phone)
    assert found is not None
    return found


async def add_agent(h: Harness, username: str = "rina") -> User:
    async with h.services.db.transaction() as session:
        user = User(username=username, full_name="Rina Lestari", role="cs", password_hash="x", is_active=True,
                    created_at=h.clock.now())
        session.add(user)
        await session.flush()
    return user


async def test_cs_hands_the_chat_to_a_human_and_the_bot_goes_quiet(fonnte: Harness) -> None:
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("halo")
    [told] = await chat.send("cs")
    assert "sambungkan dengan *CS AGLIS Net*" in told
    assert "±15 menit" in told and "Senin–Sabtu 08.00–17.00 WIB" in told and "*batal*" in told
    convo = await conversation_of(fonnte)
    assert (convo.mode, convo.unread, convo.handoff_at) == ("waiting", 0, fonnte.clock.now())

    assert await chat.send("internet saya mati dari pagi") == []
    assert await chat.send("halo?") == []
    assert await chat.send("daftar") == []  # menu words too: CS has the chat
    convo = await conversation_of(fonnte)
    assert (convo.mode, convo.unread) == ("waiting", 3)
    async with fonnte.services.db.sessions() as session:
        kept = (await session.execute(
            select(InboxMessage.text, InboxMessage.status).where(InboxMessage.contact_key == PHONE)
            .order_by(InboxMessage.id)
        )).all()
    assert [tuple(row) for row in kept[-3:]] == [("internet saya mati dari pagi", "done"), ("halo?", "done"),
                                                 ("daftar", "done")]


async def test_the_menu_item_hands_over_too(cloudapi: Harness) -> None:
    chat = Chat(cloudapi, phone=PHONE, gateway="cloudapi")
    await chat.send("halo")
    [told] = await chat.tap("Hubungi CS")
    assert "sambungkan dengan *CS" in told
    assert (await conversation_of(cloudapi)).mode == "waiting"


async def test_batal_or_menu_while_waiting_leaves_the_queue(fonnte: Harness) -> None:
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("cs")
    left, menu = await chat.send("batal")
    assert "dibatalkan" in left and "kembali dilayani bot" in left
    assert "Silakan pilih layanan" in menu
    assert (await conversation_of(fonnte)).mode == "bot"
    await chat.send("cs")
    _, menu = await chat.send("Menu")
    assert "Silakan pilih layanan" in menu
    [answer] = await chat.send("status")  # the bot answers again
    assert answer


async def test_with_an_agent_even_menu_goes_to_the_agent(fonnte: Harness) -> None:
    agent = await add_agent(fonnte)
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("cs")
    async with fonnte.services.db.transaction() as session:
        convo = await conversations.get(session, PHONE, for_update=True)
        assert convo is not None
        await take(fonnte.services, session, convo, agent)
    await fonnte.settle()
    [hello] = chat.replies()
    assert hello == "Halo, saya *Rina* dari CS AGLIS Net. 👋 Ada yang bisa saya bantu?"
    assert await chat.send("menu") == []
    assert await chat.send("batal") == []
    convo = await conversation_of(fonnte)
    assert (convo.mode, convo.handoff_agent_id, convo.unread) == ("human", agent.id, 2)


async def test_two_unreadable_messages_in_the_menu_hand_over(fonnte: Harness) -> None:
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("halo")
    sorry, _menu = await chat.send("asdf qwerty")
    assert "belum mengerti" in sorry
    [handed] = await chat.send("zxcv lorem")
    assert handed.startswith("Maaf, sepertinya saya belum bisa memahami pesan Anda.")
    assert "sambungkan dengan *CS" in handed
    assert (await conversation_of(fonnte)).mode == "waiting"


async def test_a_command_word_with_a_slip_is_understood_at_the_menu(fonnte: Harness) -> None:
    """Typing fast on a small keyboard: "dafatr" was "not understood", and two such slips
    sent the customer to CS."""
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("halo")
    [asked] = await chat.send("dafatr")
    assert "nama lengkap" in asked
    await chat.send("menu")
    [tracking] = await chat.send("stauts")
    assert "belum mengerti" not in tracking and "nomor registrasi" in tracking.lower()
    assert (await conversation_of(fonnte)).mode == "bot"


async def test_the_menu_reads_words_said_to_a_person(fonnte: Harness) -> None:
    """"halo kak", "daftar kak": how customers greet and ask a CS agent."""
    chat = Chat(fonnte, phone=PHONE)
    [menu] = await chat.send("halo kak")
    assert "Silakan pilih layanan" in menu and "belum mengerti" not in menu
    [asked] = await chat.send("daftar kak")
    assert "nama lengkap" in asked


async def test_a_one_word_answer_close_to_a_command_stays_an_answer(fonnte: Harness) -> None:
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("daftar")
    [again] = await chat.send("Statis")  # a one-word name, one letter from "status"
    assert again == "Terima kasih, *Statis*. Apa alamat *email* Anda? (contoh: budi@gmail.com)"


async def test_after_a_handover_for_unreadable_messages_a_menu_word_brings_the_bot_back(fonnte: Harness) -> None:
    """The customer did not ask for CS: once they name what they want, the bot does it
    (the waiting chat was silent, message after message)."""
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("halo")
    await chat.send("asdf qwerty")
    await chat.send("zxcv lorem")
    assert (await conversation_of(fonnte)).mode == "waiting"
    left, asked = await chat.send("daftar kak")
    assert "dibatalkan" in left and "nama lengkap" in asked
    assert (await conversation_of(fonnte)).mode == "bot"


async def test_who_asked_for_cs_keeps_waiting_whatever_they_type(fonnte: Harness) -> None:
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("cs")
    assert await chat.send("tagihan") == []  # their question for CS, kept for the agent
    assert (await conversation_of(fonnte)).mode == "waiting"


async def test_skip_at_a_question_that_needs_an_answer_is_told_so_and_not_counted(fonnte: Harness) -> None:
    from tests.flows.test_registration_paths import to_question

    chat = Chat(fonnte, phone=PHONE)
    await to_question(chat, "Jam berapa")
    for _ in range(2):  # twice "unreadable" used to hand the chat to CS
        told, again = await chat.send("lewati")
        assert "tidak bisa dilewati" in told and "Jam berapa" in again
    assert (await conversation_of(fonnte)).mode == "bot"


async def test_an_understood_message_in_between_resets_the_count(fonnte: Harness) -> None:
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("halo")
    await chat.send("asdf qwerty")
    await chat.send("halo")
    sorry, _menu = await chat.send("zxcv lorem")
    assert "belum mengerti" in sorry
    assert (await conversation_of(fonnte)).mode == "bot"


async def test_unreadable_answers_in_a_flow_bring_help_then_an_offer_of_cs_never_a_handoff(fonnte: Harness) -> None:
    """"31/02" then "kemarin" at the date question handed the chat to CS, and the valid
    "besok" that followed got no reply at all."""
    from tests.flows.test_registration_paths import to_question

    chat = Chat(fonnte, phone=PHONE)
    await to_question(chat, "tanggal instalasi")
    bad, again = await chat.send("31/02")
    assert '"31/02" belum bisa dibaca sebagai tanggal' in bad and "tanggal instalasi" in again
    bad, helped, again = await chat.send("kemarin")
    assert "belum bisa dibaca" in bad and "*besok*" in helped and "tanggal instalasi" in again
    bad, helped, offered, again = await chat.send("entahlah")
    assert "Ketik *cs* untuk dibantu CS" in offered and "tetap tersimpan" in offered
    assert "tanggal instalasi" in again
    assert not any("sambungkan" in r or "sudah kami catat" in r for r in [bad, helped, offered, again])
    assert (await conversation_of(fonnte)).mode == "bot"
    [asked] = await chat.send("lusa")  # the clock's today is a Saturday: "besok" is a Sunday
    assert "Jam berapa" in asked


async def test_changing_the_package_from_the_summary_is_helped_not_handed_over(fonnte: Harness) -> None:
    from tests.flows.test_registration_paths import to_question

    chat = Chat(fonnte, phone=PHONE)
    await to_question(chat, "Langkah 4/4")
    await chat.send("ubah data")
    [asked] = await chat.send("paket")
    assert "Home Bronze" in asked
    bad, _again = await chat.send("yang biasa")
    assert "tidak ada" in bad
    bad, helped, _again = await chat.send("paket 20 ribu")
    assert "tidak ada paket seharga rp 20.000" in bad.lower() and "unlimited" in helped
    assert (await conversation_of(fonnte)).mode == "bot"
    [summary] = await chat.send("Home Gold 75M")
    assert "Langkah 4/4" in summary and "Home Gold 75M" in summary


async def test_cs_asked_inside_a_registration_keeps_it_and_a_readable_answer_carries_on(fonnte: Harness) -> None:
    """Waiting for CS, the customer types the date after all: read, not swallowed."""
    from tests.flows.test_registration_paths import to_question

    chat = Chat(fonnte, phone=PHONE)
    await to_question(chat, "tanggal instalasi")
    [told] = await chat.send("cs")
    assert "sambungkan dengan *CS" in told
    assert "Pendaftaran Anda tetap tersimpan" in told and "Ketik *lanjut*" in told
    assert await chat.send("halo?") == []  # a word for CS: kept for the agent
    assert await chat.send("kapan bisa dipasang") == []
    assert (await conversation_of(fonnte)).mode == "waiting"
    resumed, asked = await chat.send("lusa")
    assert "kita lanjutkan pendaftaran Anda tanpa menunggu CS" in resumed and "Jam berapa" in asked
    convo = await conversation_of(fonnte)
    assert (convo.mode, convo.state) == ("bot", "ASK_SLOT")


async def test_lanjut_while_waiting_for_cs_goes_back_to_the_question(fonnte: Harness) -> None:
    from tests.flows.test_registration_paths import to_question

    chat = Chat(fonnte, phone=PHONE)
    await to_question(chat, "Jam berapa")
    await chat.send("cs")
    resumed, asked = await chat.send("lanjut kak")
    assert "tanpa menunggu CS" in resumed and "Jam berapa" in asked
    assert (await conversation_of(fonnte)).mode == "bot"


async def test_a_registration_handed_to_cs_survives_the_agent(fonnte: Harness) -> None:
    agent = await add_agent(fonnte)
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("daftar")
    await chat.send("Rina Wulandari")
    await chat.send("rina@example.com")
    [handed] = await chat.send("cs")
    assert "sambungkan dengan *CS" in handed
    async with fonnte.services.db.transaction() as session:
        convo = await conversations.get(session, PHONE, for_update=True)
        assert convo is not None
        await take(fonnte.services, session, convo, agent)
        await hand_back(fonnte.services, session, convo, agent)
    await fonnte.settle()
    _hello, back = chat.replies()
    assert "kembali dilayani bot" in back and "*menu*" in back
    assert "pendaftaran Anda tersimpan: ketik *daftar* untuk melanjutkan" in back  # not left guessing
    resume, question = await chat.send("daftar")
    assert "lanjutkan pendaftaran" in resume
    assert "Nomor *WhatsApp* mana" in question


async def test_outside_office_hours_the_customer_is_told_when_cs_answers(fonnte: Harness) -> None:
    fonnte.clock.set(datetime(2026, 11, 22, 5, 0, tzinfo=UTC))  # Sunday, 12.00 WIB
    chat = Chat(fonnte, phone=PHONE)
    [told] = await chat.send("cs")
    assert "di luar jam layanan CS" in told
    assert "*Senin, 23 November 2026, 08.00 WIB*" in told
    assert (await conversation_of(fonnte)).mode == "waiting"


async def test_an_english_chat_is_given_the_office_hours_in_english(fonnte: Harness) -> None:
    fonnte.clock.set(datetime(2026, 11, 22, 5, 0, tzinfo=UTC))  # Sunday, 12.00 WIB
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("english")
    [told] = await chat.send("cs")
    assert "outside its hours right now (Monday–Saturday 08:00–17:00 WIB)" in told and "Senin" not in told


async def test_an_untouched_handoff_returns_to_the_bot_with_an_apology(fonnte: Harness) -> None:
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("cs")
    fonnte.clock.advance(minutes=100)
    await chat.send("halo, ada orang?")  # a customer's message does not restart the wait
    fonnte.clock.advance(minutes=19)
    assert await return_quiet_handoffs(fonnte.services) == 0
    fonnte.clock.advance(minutes=1)
    assert await return_quiet_handoffs(fonnte.services) == 1
    assert await return_quiet_handoffs(fonnte.services) == 0  # once
    await fonnte.settle()
    [apology] = chat.replies()
    assert apology.startswith("Mohon maaf, CS kami belum sempat membalas.") and "081200000800" in apology
    convo = await conversation_of(fonnte)
    assert (convo.mode, convo.handoff_at, convo.unread, convo.flow) == ("bot", None, 0, "menu")
    async with fonnte.services.db.sessions() as session:
        actions = list((await session.execute(select(AuditEntry.action))).scalars())
    assert actions == ["handoff.timeout"]
    [menu] = await chat.send("halo")
    assert "Silakan pilih layanan" in menu


async def test_a_taken_handoff_returns_only_after_nobody_wrote_for_the_timeout(fonnte: Harness) -> None:
    agent = await add_agent(fonnte)
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("cs")
    fonnte.clock.advance(minutes=110)
    async with fonnte.services.db.transaction() as session:
        convo = await conversations.get(session, PHONE, for_update=True)
        assert convo is not None
        await take(fonnte.services, session, convo, agent)
    fonnte.clock.advance(minutes=60)
    assert await return_quiet_handoffs(fonnte.services) == 0
    await chat.send("masih di sana?")
    fonnte.clock.advance(minutes=119)
    assert await return_quiet_handoffs(fonnte.services) == 0
    fonnte.clock.advance(minutes=1)
    assert await return_quiet_handoffs(fonnte.services) == 1
    assert (await conversation_of(fonnte)).mode == "bot"


async def test_no_apology_outside_whatsapps_24_hour_window(fonnte: Harness) -> None:
    fonnte.services.settings.handoff_timeout_minutes = 25 * 60
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("cs")
    fonnte.clock.advance(hours=25)
    assert await return_quiet_handoffs(fonnte.services) == 1
    await fonnte.settle()
    assert chat.replies() == []
    assert (await conversation_of(fonnte)).mode == "bot"


async def test_a_thank_you_after_a_finished_registration_is_not_a_second_unreadable_message(fonnte: Harness) -> None:
    """"hmm" at the summary was unreadable; the registration then went through, and the
    customer's "makasih" counted as the second unreadable message: CS queue."""
    from tests.flows.test_registration_paths import to_question

    chat = Chat(fonnte, phone=PHONE)
    await to_question(chat, "Langkah 4/4")
    choose, _summary = await chat.send("hmm")
    assert "Mohon pilih" in choose
    [confirmation] = await chat.send("kirim")
    assert "REG-" in confirmation
    replies = await chat.send("makasih")
    assert not any("sambungkan dengan *CS" in r for r in replies)
    assert (await conversation_of(fonnte)).mode == "bot"


async def test_thanks_and_ok_at_the_menu_get_a_friendly_word_not_a_handoff(fonnte: Harness) -> None:
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("halo")
    [welcome] = await chat.send("makasih kak")
    assert welcome == "Sama-sama! 😊 Ketik *menu* bila perlu bantuan lagi."
    [ok] = await chat.send("ok")
    assert "Ketik *menu*" in ok and "belum mengerti" not in ok
    for said in ("terima kasih banyak ya min 🙏", "siap, mantap", "👍", "thx"):
        [reply] = await chat.send(said)
        assert "Ketik *menu*" in reply, said
    assert (await conversation_of(fonnte)).mode == "bot"
    sorry, _menu = await chat.send("asdf qwerty")  # the count starts from nothing: one, not two
    assert "belum mengerti" in sorry
    assert (await conversation_of(fonnte)).mode == "bot"


async def test_a_photo_at_the_menu_is_answered_as_a_possible_payment_proof(fonnte: Harness) -> None:
    """A transfer receipt sent at the menu counted as unreadable, and the next message
    handed the chat to CS unasked; the customer is told how to get it checked instead."""
    chat = Chat(fonnte, phone=PHONE)
    await chat.send("halo")
    await chat.send("asdf qwerty")
    for caption in ("bukti transfer kak", ""):  # Fonnte carries a photo's caption as its text
        [told] = await chat.send(caption, image_url="https://example.invalid/transfer.jpg")
        assert "bukti pembayaran" in told and "*cs*" in told and "*tagihan*" in told
        assert "belum mengerti" not in told
    assert (await conversation_of(fonnte)).mode == "bot"
