"""Buttons and lists on the Cloud API, English on request, and status tracking by chat."""

from __future__ import annotations

import json
import re

from ispbot.storage import registrations
from ispbot.storage.lifecycle import Action
from tests.bot.test_webhooks import meta_signature
from tests.conftest import CONFORMANCE, Harness
from tests.flows.chat import Chat


async def register_by_buttons(chat: Chat) -> str:
    await chat.send("halo")
    await chat.tap("Daftar pasang baru")
    await chat.send("Rina Wulandari")
    await chat.send("rina@example.com")
    await chat.tap("Nomor ini")
    await chat.send("lewati")
    await chat.send("lewati")
    await chat.send("Jl. Asia Afrika No. 1")
    await chat.send("RT 5 RW 7")
    [choose_city] = await chat.send("bandung")  # Kota or Kabupaten? offered as buttons
    assert "Maksud Anda" in choose_city
    await chat.tap("Kota Bandung")
    await chat.send("sumur bandung")
    await chat.send("braga")
    await chat.send("ya")
    await chat.send("lewati")
    await chat.send(location=(-6.917, 107.609))
    await chat.tap("Home Platinum")
    await chat.tap(chat.last_choices[0]["title"])
    await chat.tap("Siang")
    [summary] = await chat.send("lewati")
    assert "Braga, Sumur Bandung, Kota Bandung" in summary and "(lokasi terlampir)" in summary
    [confirmation] = await chat.tap("Kirim")
    number = re.search(r"REG-\d{8}-\d{4}", confirmation)
    assert number
    return number.group(0)


async def test_cloudapi_registration_with_buttons_and_lists(cloudapi: Harness) -> None:
    chat = Chat(cloudapi, phone="6281200000120", gateway="cloudapi")
    number = await register_by_buttons(chat)
    requests = [r.json for r in cloudapi.gateway.requests]
    assert any(r.get("interactive", {}).get("type") == "list" for r in requests)  # menu, packages, dates
    assert any(r.get("interactive", {}).get("type") == "button" for r in requests)  # yes/no-like choices
    async with cloudapi.services.db.sessions() as s:
        registration = await registrations.by_number(s, number)
    assert registration is not None and registration.latitude == -6.917 and registration.package.name == "Home Platinum 100M"


async def test_a_stale_button_is_not_applied_to_the_current_question(cloudapi: Harness) -> None:
    chat = Chat(cloudapi, phone="6281200000121", gateway="cloudapi")
    await chat.send("halo")
    menu_choices = list(chat.last_choices)
    await chat.tap("Daftar pasang baru")
    await chat.send("Rina Wulandari")
    stale, question = await chat.send(menu_choices[1]["title"], choice_id=menu_choices[1]["id"])
    assert "pertanyaan sebelumnya" in stale and "email" in question


async def test_english_on_request_in_the_middle_of_a_question(cloudapi: Harness) -> None:
    chat = Chat(cloudapi, phone="6281200000122", gateway="cloudapi")
    await chat.send("halo")
    await chat.tap("Daftar pasang baru")
    switched, question = await chat.send("language")
    assert "English" in switched and "full name" in question
    assert "email" in (await chat.send("Rina Wulandari"))[0].lower()


async def test_tracking_own_registration_by_word_number_or_email(cloudapi: Harness) -> None:
    chat = Chat(cloudapi, phone="6281200000123", gateway="cloudapi")
    number = await register_by_buttons(chat)
    [status] = await chat.send("status")
    assert number in status and "✅ Pendaftaran diterima ← _saat ini_" in status and "⬜ Data diverifikasi" in status
    assert "R****" in status and "Rina" not in status  # a masked name only
    async with cloudapi.services.db.transaction() as s:
        reg = await registrations.by_number(s, number)
        assert reg is not None
        await registrations.apply(s, reg, Action.REJECT, now=cloudapi.clock.now(), reason="Di luar area jangkauan")
    [by_number] = await chat.send(number.lower())
    assert "Ditolak" in by_number and "Di luar area jangkauan" in by_number
    [by_email] = await chat.send("rina@example.com")
    assert number in by_email
    [worded] = await chat.send("cek status Rina@Example.com")  # as customers type it
    assert number in worded and "Ditolak" in worded


async def test_someone_elses_registration_needs_the_matching_email(cloudapi: Harness) -> None:
    owner = Chat(cloudapi, phone="6281200000124", gateway="cloudapi")
    number = await register_by_buttons(owner)
    stranger = Chat(cloudapi, phone="6281200000125", gateway="cloudapi")
    await stranger.send("halo")
    [ask] = await stranger.send(number)
    assert "Untuk keamanan" in ask and "Paket" not in ask
    [refused] = await stranger.send("someone@else.com")
    assert "tidak menemukan" in refused and number not in refused
    await stranger.send(number)
    [shown] = await stranger.send("rina@example.com")
    assert number in shown and "Home Platinum" in shown
    [ask_number] = await stranger.send("rina@example.com")  # email alone is not enough
    assert "nomor registrasi" in ask_number


async def test_a_menu_word_while_tracking_leaves_tracking_and_does_what_it_says(cloudapi: Harness) -> None:
    chat = Chat(cloudapi, phone="6281200000126", gateway="cloudapi")
    await chat.send("halo")
    await chat.send("cek status")
    [ask_proof] = await chat.send("REG-20261122-0001")
    assert "Untuk keamanan" in ask_proof
    [name_question] = await chat.send("daftar")
    assert "nama lengkap" in name_question


async def test_an_english_summary_names_the_time_slot_in_english(fonnte: Harness) -> None:
    chat = Chat(fonnte, phone="6281200000124")
    await chat.send("english")
    for text in ["register", "John Tan", "john.tan@gmail.com", "1", "skip", "skip", "Jl. Braga No. 5", "2/3",
                 "Kota Bandung", "Sumur Bandung", "Braga", "yes", "skip", "skip", "2", "next monday", "1"]:
        await chat.send(text)
    [summary] = await chat.send("skip")
    assert "*Installation:* Monday, 23 November 2026, Morning (08:00–12:00)" in summary
    [done] = await chat.send("1")
    number = re.search(r"REG-\d{8}-\d{4}", done)
    assert number
    async with fonnte.services.db.sessions() as s:
        registration = await registrations.by_number(s, number.group(0))
    assert registration is not None and registration.preferred_time_slot == "Pagi (08.00–12.00)"  # staff read Indonesian


async def send_recorded(h: Harness, case: str, sender: str) -> None:
    """Post a recorded Cloud API message (tests/conformance) as sent from `sender`, and
    let the bot answer."""
    body = json.loads((CONFORMANCE / "cloudapi" / "message.json").read_text())[case]
    value = body["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = sender
    value["messages"][0]["id"] = f"wamid.{case}.{sender}"
    raw = json.dumps(body).encode()
    assert (await h.post("cloudapi", raw, headers=meta_signature(raw))).status == 200
    await h.settle()


async def test_a_voice_note_gets_a_request_to_type_and_the_question_again(cloudapi: Harness) -> None:
    chat = Chat(cloudapi, phone="6281200000125", gateway="cloudapi")
    await chat.send("daftar")
    await send_recorded(cloudapi, "voice", chat.phone)
    sorry, again = chat.replies()
    assert "pesan suara" in sorry and "ketik" in sorry and "nama lengkap" in again
    assert "email" in (await chat.send("Rina Wulandari"))[0]  # nothing lost, nothing counted against them


async def test_a_reaction_to_our_message_gets_no_answer(cloudapi: Harness) -> None:
    chat = Chat(cloudapi, phone="6281200000126", gateway="cloudapi")
    await chat.send("halo")
    await send_recorded(cloudapi, "reaction", chat.phone)
    assert chat.replies() == []  # the menu used to come again after every 👍


async def test_the_menu_tells_an_english_speaker_how_to_switch(fonnte: Harness) -> None:
    chat = Chat(fonnte, phone="6281200000125")
    [menu] = await chat.send("hello")
    assert "Type *english* for English" in menu
    _changed, english_menu = await chat.send("english")
    assert "Please choose a service" in english_menu and "Ketik bahasa untuk Bahasa Indonesia" in english_menu


async def test_a_rejected_registration_shows_the_steps_it_reached(cloudapi: Harness) -> None:
    """Rejected after verification, its status showed "⬜ Pendaftaran diterima" and
    "⬜ Data diverifikasi", as if it had never arrived; the tracking page ticks both."""
    chat = Chat(cloudapi, phone="6281200000126", gateway="cloudapi")
    number = await register_by_buttons(chat)
    async with cloudapi.services.db.transaction() as s:
        reg = await registrations.by_number(s, number)
        assert reg is not None
        await registrations.apply(s, reg, Action.VERIFY, now=cloudapi.clock.now())
        await registrations.apply(s, reg, Action.REJECT, now=cloudapi.clock.now(), reason="Di luar area jangkauan")
    [status] = await chat.send("status")
    assert "✅ Pendaftaran diterima" in status and "✅ Data diverifikasi" in status
    assert "⬜ Survey dijadwalkan" in status and "saat ini" not in status and "❌ *Ditolak.*" in status
