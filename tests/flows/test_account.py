"""Logging a chat in to a customer account (flows/account.py): the customer id, the code sent
to the number on file, and what happens when a code is asked for twice or is typed early."""

from __future__ import annotations

import re

import pytest

from ispbot.flows.account import customer_code_in
from ispbot.storage.demo import DEMO_CUSTOMER_CODE, DEMO_CUSTOMER_PHONE, seed_demo_customer
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
    still_valid, ask_code = await chat.send(DEMO_CUSTOMER_CODE)
    assert "masih berlaku" in still_valid and "⏳" not in still_valid
    assert "0812****002" in ask_code
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
    still_valid, ask_code = await chat.send("kirim ulang")
    assert "masih berlaku" in still_valid and "0812****002" in ask_code
    assert "tidak ditemukan" not in still_valid + ask_code


async def test_the_id_typed_again_at_the_code_prompt_uses_no_attempt(portal: Harness) -> None:
    chat = stranger_chat(portal)
    await chat.send("akun")
    await chat.send(DEMO_CUSTOMER_CODE)
    still_valid, ask_code = await chat.send(f"id saya {DEMO_CUSTOMER_CODE}")
    assert "masih berlaku" in still_valid and "0812****002" in ask_code
    [code] = codes_sent(portal)
    [wrong] = await chat.send("000000" if code != "000000" else "111111")
    assert "Sisa percobaan: *2*" in wrong  # the id was no attempt
    portal.clock.advance(minutes=2)
    [_ask_code] = await chat.send(DEMO_CUSTOMER_CODE)  # over a minute later: a new code
    assert len(codes_sent(portal)) == 2
    linked, _summary = await chat.send(codes_sent(portal)[-1])
    assert "Login berhasil" in linked
