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
    from tests.webadmin.support import make_registration

    await make_registration(fonnte)  # this chat's number: staff have a registration to erase
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


async def test_a_number_with_only_its_chat_is_told_so_and_the_chat_is_deleted_at_once(fonnte: Harness) -> None:
    """No registration, no customer, no ticket under the number: "hapus data saya" promised
    NIK, KTP photo and subscription handling and opened a request for staff, who had
    nothing to do but the chat. The customer is told what is stored (the chat only) and
    it goes at once; the request is kept, done, as proof."""
    from ispbot.storage.models import AuditEntry, Conversation, InboxMessage, OutboxMessage

    chat = Chat(fonnte)
    await chat.send("halo")
    await chat.send("1")
    await chat.send("Budi Santoso")  # a registration begun, not sent: its answers are chat data
    notice = (await chat.send("hapus data saya"))[-1]  # after the word that the answers are kept
    assert "tidak ada data pendaftaran maupun data pelanggan" in notice and "riwayat chat" in notice
    assert "jawaban pendaftaran yang belum dikirim" in notice and "NIK" not in notice
    [done] = await chat.send("ya")
    assert "Riwayat chat Anda sudah kami hapus" in done and "HD-1" in done and "30 hari" in done
    [request] = await requests(fonnte)
    assert request.status == "done" and request.handled_by is None and request.outcome["chat_messages_deleted"] >= 6
    async with fonnte.services.db.sessions() as s:
        convo = (await s.execute(select(Conversation))).scalar_one()
        inbox = list((await s.execute(select(InboxMessage.text))).scalars())
        outbox = list((await s.execute(select(OutboxMessage.text))).scalars())
        audited = (await s.execute(select(AuditEntry).where(AuditEntry.action == "data_request.complete"))).scalar_one()
    assert "registration" not in (convo.data or {}) and "Budi Santoso" not in inbox
    assert not any("Budi Santoso" in (text or "") for text in outbox)
    assert inbox == ["ya"] and audited.target_id == "HD-1"  # the answer being read, pruned with the rest later
    [menu] = await chat.send("halo")  # the chat goes on
    assert "Daftar pasang baru" in menu


async def test_a_number_with_only_its_chat_can_keep_it(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await chat.send("hapus data")
    [kept] = await chat.send("tidak")
    assert "tidak dihapus" in kept and await requests(fonnte) == []


async def test_in_english_a_number_with_only_its_chat_is_told_so(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    await chat.send("english")
    [notice] = await chat.send("delete my data")
    assert "no registration or customer data" in notice and "chat history" in notice
    [done] = await chat.send("yes")
    assert "deleted your chat history" in done and "HD-1" in done
