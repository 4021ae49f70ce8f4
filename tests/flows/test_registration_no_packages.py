"""A registration chat while the ISP has no active package (none set up yet, or all
deactivated): no empty list and no "pick 1 to 0", but a word that no package can be
chosen now and an offer of CS, the answers kept; once packages are added, the list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ispbot.storage import packages
from ispbot.storage.packages import PackageDraft
from tests.conftest import Harness
from tests.flows.chat import FONNTE, Chat
from tests.flows.test_registration_paths import to_question


@pytest.fixture
async def no_packages(harness_factory: Callable[..., Any], sqlite_url: str) -> Harness:
    return await harness_factory(sqlite_url, **FONNTE)  # type: ignore[no-any-return]


async def add_package(h: Harness, name: str = "Home Hemat 30M") -> None:
    async with h.services.db.transaction() as session:
        await packages.create(session, PackageDraft(name, 30, 150_000, "", None, True))


async def test_no_package_is_said_so_with_an_offer_of_cs(no_packages: Harness) -> None:
    chat = Chat(no_packages)
    [told] = await to_question(chat, "paket")
    assert "pilihan paket belum tersedia" in told and "Ketik *cs*" in told and "tetap tersimpan" in told
    assert "sampai 0" not in told
    [again] = await chat.send("1")
    assert "pilihan paket belum tersedia" in again and "sampai" not in again
    waiting = await chat.send("cs")
    assert any("Pendaftaran Anda tetap tersimpan" in text for text in waiting)

    await add_package(no_packages)  # the admin sets one up meanwhile
    resumed, question = await chat.send("lanjut")
    assert "lanjutkan pendaftaran" in resumed and "Home Hemat 30M" in question
    [date_question] = await chat.send("1")
    assert "tanggal instalasi" in date_question


async def test_packages_added_meanwhile_are_shown_before_one_is_picked(no_packages: Harness) -> None:
    chat = Chat(no_packages)
    await to_question(chat, "paket")
    await add_package(no_packages)
    [question] = await chat.send("1")  # not taken for the package the customer never saw
    assert "Home Hemat 30M" in question and "tanggal instalasi" not in question
    [date_question] = await chat.send("1")
    assert "tanggal instalasi" in date_question
