"""The FAQ's [daftar paket] placeholder while the ISP has no active package: no empty line
under "Paket rumahan kami …", but a word that the list is being updated and an offer of
CS, as the registration's package question says; once a package is added, the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ispbot.storage import packages
from ispbot.storage.demo import seed_faq
from ispbot.storage.packages import PackageDraft
from tests.conftest import Harness
from tests.flows.chat import FONNTE, Chat


@pytest.fixture
async def no_packages(harness_factory: Callable[..., Any], sqlite_url: str) -> Harness:
    h: Harness = await harness_factory(sqlite_url, **FONNTE)
    async with h.services.db.transaction() as s:
        await seed_faq(s, h.clock.now())
    return h


async def ask_for_packages(chat: Chat) -> str:
    await chat.send("halo")
    return " ".join(await chat.send("paket internet apa saja yang tersedia?"))


async def test_the_package_list_with_no_active_package_offers_cs(no_packages: Harness) -> None:
    chat = Chat(no_packages, phone="6281200000178")
    answer = await ask_for_packages(chat)
    assert "Paket rumahan kami" in answer and "[daftar paket]" not in answer
    assert "daftar paket sedang kami perbarui" in answer and "Ketik *cs*" in answer
    assert "tanpa FUP:\n\n" not in answer  # no empty list
    waiting = " ".join(await chat.send("cs"))
    assert "sambungkan dengan *CS" in waiting

    async with no_packages.services.db.transaction() as session:  # the admin sets one up
        await packages.create(session, PackageDraft("Home Hemat 30M", 30, 150_000, "", None, True))
    answer = await ask_for_packages(Chat(no_packages, phone="6281200000179"))
    assert "Home Hemat 30M — 30 Mbps · Rp 150.000/bulan" in answer and "perbarui" not in answer


async def test_the_package_list_with_no_active_package_in_english(no_packages: Harness) -> None:
    chat = Chat(no_packages, phone="6281200000178")
    await chat.send("english")
    answer = " ".join(await chat.send("paket internet apa saja yang tersedia?"))
    assert "package list is being updated" in answer and "Type *cs*" in answer
