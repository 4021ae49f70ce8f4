"""Logging a chat in to a customer account (flows/account.py): the customer id, the code sent
to the number on file, and what happens when a code is asked for twice or is typed early."""

from __future__ import annotations

import re

import pytest

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
