"""“hapus data” by chat: the confirmation read in the customer's words, and a short
re-prompt (not the whole notice again) when the answer is neither yes nor no."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ispbot.storage.models import DataDeletionRequest
from tests.conftest import Harness
from tests.flows.chat import Chat


async def requests(h: Harness) -> list[DataDeletionRequest]:
    async with h.services.db.sessions() as s:
        return list((await s.execute(select(DataDeletionRequest))).scalars())


@pytest.mark.parametrize("no", ["gak jadi deh", "ga", "tidak kak", "jangan"])
async def test_no_as_it_is_chatted_keeps_the_data(fonnte: Harness, no: str) -> None:
    chat = Chat(fonnte)
    [notice] = await chat.send("hapus data")
    assert "Hapus data pribadi" in notice
    [kept] = await chat.send(no)
    assert "tidak dihapus" in kept
    assert await requests(fonnte) == []


async def test_yes_as_it_is_chatted_asks_for_the_deletion(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await chat.send("hapus data")
    [requested] = await chat.send("iya bener")
    assert "HD-1" in requested
    assert len(await requests(fonnte)) == 1


async def test_an_unclear_answer_gets_a_short_question_not_the_notice_again(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await chat.send("hapus data")
    [again] = await chat.send("hmm gimana ya")
    assert "UU No. 27/2022" not in again and "*ya* atau *tidak*" in again
    assert "1. Ya, hapus data saya" in again and "2. Tidak jadi" in again  # the choices, numbered on Fonnte
    assert len(again.splitlines()) <= 4
    [kept] = await chat.send("2")
    assert "tidak dihapus" in kept
    assert await requests(fonnte) == []
