"""Logging a chat in to a customer account (flows/account.py): the customer id, the code sent
to the number on file, and what happens when a code is asked for twice or is typed early."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from ispbot.flows.account import customer_code_in
from ispbot.storage import customers
from ispbot.storage.demo import DEMO_CUSTOMER_CODE, DEMO_CUSTOMER_PHONE, seed_demo_customer
from ispbot.storage.models import Conversation, Customer, Ticket
from tests.conftest import Harness
from tests.flows.chat import Chat

STRANGER = "6281234567304"  # a number that is not the customer's own


@pytest.fixture
async def portal(cloudapi: Harness) -> Harness:
    async with cloudapi.services.db.transaction() as s:
        now = cloudapi.clock.now()
        await seed_demo_customer(s, now, now.date())
    return cloudapi


def stranger_chat(h: Harness) -> Chat:
    return Chat(h, phone=STRANGER, gateway="cloudapi")


def codes_sent(h: Harness) -> list[str]:
    """The login codes the customer's own number received, oldest first."""
    found = [re.search(r"\*(\d{6})\*", text) for text in h.gateway.texts_to(DEMO_CUSTOMER_PHONE)]
    return [code.group(1) for code in found if code]


async def test_an_expired_login_code_says_how_long_it_lasted(portal: Harness) -> None:
    """"Kode sudah kedaluwarsa (berlaku 5 menit)" for a code whose message said 10."""
    chat = stranger_chat(portal)
    await chat.send("akun")
    await chat.send(DEMO_CUSTOMER_CODE)
    [code] = codes_sent(portal)
    assert "Berlaku: 10 menit" in portal.gateway.texts_to(DEMO_CUSTOMER_PHONE)[0]
    portal.clock.advance(minutes=11)
    [expired] = await chat.send(code)
    assert "kedaluwarsa (berlaku 10 menit)" in expired


@pytest.mark.parametrize("typed", ["id pelanggan saya AGLS202510150001", "agls 2025 1015 0001", "AGLS-202510150001",
                                   "ID: agls-2025-1015-0001 kak", "ini kak AGLS202510150001 🙏"])
async def test_a_customer_id_is_read_inside_a_sentence_and_as_typed(portal: Harness, typed: str) -> None:
    """"id pelanggan saya AGLS202612030001" was "ID pelanggan *id pelanggan saya
    AGLS20261203* tidak ditemukan", and three of those closed the chat for an hour."""
    chat = stranger_chat(portal)
    await chat.send("akun")
    [ask_code] = await chat.send(typed)
    assert "0812****002" in ask_code and len(codes_sent(portal)) == 1


def test_only_one_customer_id_is_read_from_a_message() -> None:
    """A message listing many ids is one guess: the first with the ISP's prefix."""
    assert customer_code_in("wa 081234567890, id AGLS202510150001", prefix="AGLS") == "AGLS202510150001"
    assert customer_code_in("agls202510150002 agls202510150003", prefix="AGLS") == "AGLS202510150002"
    assert customer_code_in("PLG 123456", prefix="AGLS") == "PLG123456"
    assert customer_code_in("saya lupa id saya", prefix="AGLS") is None


async def test_an_unknown_id_in_a_sentence_is_named_as_read(portal: Harness) -> None:
    chat = stranger_chat(portal)
    await chat.send("akun")
    [unknown, _again] = await chat.send("id pelanggan saya AGLS 2026 1203 0001")
    assert "*AGLS202612030001* tidak ditemukan" in unknown


async def test_asking_again_within_the_minute_goes_back_to_the_code_that_still_works(portal: Harness) -> None:
    """The id typed again 5 s after a code was sent got "⏳ Kode baru bisa dikirim lagi
    dalam 55 detik" and the id question again, where "kirim ulang" and then the code itself
    were counted as wrong ids until the chat was closed for an hour."""
    chat = stranger_chat(portal)
    await chat.send("tagihan")
    await chat.send(DEMO_CUSTOMER_CODE)
    await chat.send("menu")
    await chat.send("akun")
    portal.clock.advance(seconds=5)
    [still_valid] = await chat.send(DEMO_CUSTOMER_CODE)  # one message, not "still valid" + "a code was sent"
    assert "masih berlaku" in still_valid and "⏳" not in still_valid and "telah dikirim" not in still_valid
    assert "0812****002" in still_valid and "Ketik 6 angka" in still_valid and "setelah 55 detik" in still_valid
    [code] = codes_sent(portal)  # no second code
    linked, summary = await chat.send(code)
    assert "Login berhasil" in linked and "Tiket aktif" in summary  # "akun", the last thing asked for


async def test_the_code_typed_at_the_id_prompt_is_taken_as_the_code(portal: Harness) -> None:
    chat = stranger_chat(portal)
    await chat.send("tagihan")
    await chat.send(DEMO_CUSTOMER_CODE)
    await chat.send("menu")
    await chat.send("akun")
    [code] = codes_sent(portal)
    linked, summary = await chat.send(code)
    assert "Login berhasil" in linked and "Tiket aktif" in summary


async def test_a_wrong_code_at_the_id_prompt_leads_to_the_code_prompt(portal: Harness) -> None:
    chat = stranger_chat(portal)
    await chat.send("profil")
    await chat.send(DEMO_CUSTOMER_CODE)
    await chat.send("menu")
    await chat.send("akun")
    [code] = codes_sent(portal)
    wrong, ask_code = await chat.send("000000" if code != "000000" else "111111")
    assert "Sisa percobaan: *2*" in wrong and "0812****002" in ask_code
    [resend_too_soon] = (await chat.send("kirim ulang"))[:1]
    assert "detik" in resend_too_soon  # at the code's own prompt now
    linked, _summary = await chat.send(code)
    assert "Login berhasil" in linked


async def test_kirim_ulang_at_the_id_prompt_is_about_the_code(portal: Harness) -> None:
    chat = stranger_chat(portal)
    await chat.send("tagihan")
    await chat.send(DEMO_CUSTOMER_CODE)
    await chat.send("menu")
    await chat.send("akun")
    [still_valid] = await chat.send("kirim ulang")
    assert "masih berlaku" in still_valid and "0812****002" in still_valid
    assert "tidak ditemukan" not in still_valid


async def test_the_id_typed_again_at_the_code_prompt_uses_no_attempt(portal: Harness) -> None:
    chat = stranger_chat(portal)
    await chat.send("akun")
    await chat.send(DEMO_CUSTOMER_CODE)
    [still_valid] = await chat.send(f"id saya {DEMO_CUSTOMER_CODE}")
    assert "masih berlaku" in still_valid and "0812****002" in still_valid
    [code] = codes_sent(portal)
    [wrong] = await chat.send("000000" if code != "000000" else "111111")
    assert "Sisa percobaan: *2*" in wrong  # the id was no attempt
    portal.clock.advance(minutes=2)
    [_ask_code] = await chat.send(DEMO_CUSTOMER_CODE)  # over a minute later: a new code
    assert len(codes_sent(portal)) == 2
    linked, _summary = await chat.send(codes_sent(portal)[-1])
    assert "Login berhasil" in linked


# -- the link lapses while a flow is open -------------------------------------------------


async def log_in(h: Harness, chat: Chat, feature: str) -> list[str]:
    """`feature` asked for from a number not on file, the id, then the code: the replies to it."""
    await chat.send(feature)
    await chat.send(DEMO_CUSTOMER_CODE)
    linked, *opened = await chat.send(codes_sent(h)[-1])
    assert "Login berhasil" in linked
    return opened


async def link_until(h: Harness) -> datetime:
    async with h.services.db.sessions() as s:
        row = (await s.execute(select(Conversation).where(Conversation.phone == STRANGER))).scalar_one()
    return datetime.fromisoformat(row.data["account"]["until"])


async def the_customer(h: Harness) -> Customer:
    async with h.services.db.sessions() as s:
        customer = await customers.by_code(s, DEMO_CUSTOMER_CODE)
    assert customer is not None
    return customer


def told_to_log_in_again(replies: list[str]) -> bool:
    said = "\n".join(replies)
    return "sudah berakhir" in said and "ID pelanggan" in said


@pytest.mark.parametrize(("option", "value"), [("1", "orang.lain@example.com"), ("2", "Jl. Orang Lain No. 9"),
                                               ("3", "081299998888")])
async def test_a_lapsed_link_changes_nothing_from_the_profile_menu(portal: Harness, option: str, value: str) -> None:
    """Seven days after logging in, "1" and another email at the open profile menu were
    "✅ Email berhasil diubah", and "3" changed the number on file: the account taken over."""
    chat = stranger_chat(portal)
    [profile] = await log_in(portal, chat, "profil")
    assert "ahmad.test@example.com" in profile
    before = await the_customer(portal)
    portal.clock.set(await link_until(portal) + timedelta(seconds=1))
    lapsed = await chat.send(option)
    assert told_to_log_in_again(lapsed)
    after = await chat.send(value)
    assert not any("berhasil diubah" in r for r in after)
    now = await the_customer(portal)
    assert (now.email, now.address, now.phone) == (before.email, before.address, before.phone)
    assert portal.gateway.texts_to("6281299998888") == []


async def test_a_lapsed_link_is_noticed_at_any_question_and_the_login_opens_it_afresh(portal: Harness) -> None:
    chat = stranger_chat(portal)
    await log_in(portal, chat, "profil")
    await chat.tap("Ubah email")
    portal.clock.set(await link_until(portal) + timedelta(seconds=1))
    assert told_to_log_in_again(await chat.send("orang.lain@example.com"))
    assert (await the_customer(portal)).email == "ahmad.test@example.com"
    await chat.send(DEMO_CUSTOMER_CODE)
    linked, profile = await chat.send(codes_sent(portal)[-1])
    assert "Login berhasil" in linked and "ahmad.test@example.com" in profile  # the profile again, from its menu


async def test_a_lapsed_link_shows_no_details_when_the_question_is_asked_again(portal: Harness) -> None:
    chat = stranger_chat(portal)
    await log_in(portal, chat, "profil")
    portal.clock.set(await link_until(portal) + timedelta(seconds=1))
    replies = await chat.send("bantuan")
    assert told_to_log_in_again(replies) and "ahmad.test@example.com" not in "\n".join(replies)


async def test_a_code_sent_to_a_new_number_before_the_link_lapsed_does_not_change_it_after(portal: Harness) -> None:
    new_phone = "6281299998888"
    chat = stranger_chat(portal)
    await log_in(portal, chat, "profil")
    until = await link_until(portal)
    portal.clock.set(until - timedelta(minutes=3))
    await chat.send("profil")
    await chat.tap("Ganti nomor")
    [ask_code] = await chat.send("0812-9999-8888")
    assert "0812****888" in ask_code
    code = re.search(r"\*(\d{6})\*", portal.gateway.texts_to(new_phone)[0])
    assert code
    portal.clock.set(until + timedelta(seconds=1))  # the code would still work for 7 minutes
    assert told_to_log_in_again(await chat.send(code.group(1)))
    assert (await the_customer(portal)).phone == DEMO_CUSTOMER_PHONE
    assert not any("diganti" in text for text in portal.gateway.texts_to(DEMO_CUSTOMER_PHONE))


async def test_a_lapsed_link_sends_no_invoice(portal: Harness) -> None:
    chat = stranger_chat(portal)
    [listing] = await log_in(portal, chat, "tagihan")
    assert "Tagihan Anda" in listing
    portal.clock.set(await link_until(portal) + timedelta(seconds=1))
    assert told_to_log_in_again(await chat.tap(chat.last_choices[0]["title"]))
    assert not [r for r in portal.gateway.requests if r.json.get("type") == "document"]


async def test_a_lapsed_link_opens_no_ticket(portal: Harness) -> None:
    chat = stranger_chat(portal)
    await log_in(portal, chat, "lapor")  # once linked, straight to the new report
    [ask_photo] = await chat.send("internet mati sejak pagi, lampu LOS merah")
    assert "foto" in ask_photo
    portal.clock.set(await link_until(portal) + timedelta(seconds=1))
    assert told_to_log_in_again(await chat.send("lewati"))
    async with portal.services.db.sessions() as s:
        assert (await s.execute(select(Ticket).where(Ticket.description.contains("LOS merah")))).first() is None


async def test_an_account_switched_off_mid_flow_changes_nothing(portal: Harness) -> None:
    """The customer's own number: no link to lapse, but the portal can be switched off."""
    chat = Chat(portal, phone=DEMO_CUSTOMER_PHONE, gateway="cloudapi")
    await chat.send("profil")
    await chat.tap("Ubah email")
    async with portal.services.db.transaction() as s:
        customer = await customers.by_phone(s, DEMO_CUSTOMER_PHONE)
        assert customer is not None
        customer.portal_active = False
    [refused] = await chat.send("orang.lain@example.com")
    assert "tidak aktif" in refused
    assert (await the_customer(portal)).email == "ahmad.test@example.com"


async def test_a_registration_still_open_links_another_account_by_its_id_typed_at_the_menu(portal: Harness) -> None:
    """Registered at a new address, subscribed at another with another number: "tagihan"
    says the registration is in progress and ends there; the id of the other account,
    typed next, still links it."""
    from tests.webadmin.support import make_registration

    await make_registration(portal, phone=STRANGER)
    chat = stranger_chat(portal)
    [told] = await chat.send("tagihan")
    assert "masih diproses" in told and "*ID pelanggan*" in told and "Ketik *ID pelanggan* Anda" not in told
    [ask_code] = await chat.send(DEMO_CUSTOMER_CODE)
    assert "0812****002" in ask_code and len(codes_sent(portal)) == 1
    [code] = codes_sent(portal)
    replies = "\n".join(await chat.send(code))
    assert "Tagihan Anda" in replies  # what was asked for, once linked


async def test_in_english_a_registration_still_open_is_one_message(portal: Harness) -> None:
    from tests.webadmin.support import make_registration

    await make_registration(portal, phone=STRANGER)
    chat = stranger_chat(portal)
    await chat.send("english")
    [told] = await chat.send("tagihan")
    assert "still in progress" in told and "type *status*" in told and "Type your *customer ID*" not in told
