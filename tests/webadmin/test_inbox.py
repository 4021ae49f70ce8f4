"""The CS chat inbox through the test client: the queue (waiting first, unread counts, the
nav badge), a conversation beside the customer's data (NIK masked), take, reply (queued
with sent_by, through the customer's gateway), hand back, who may do what, audit rows,
and the event stream's conversation events."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import aiohttp
from sqlalchemy import select

from ispbot.storage import conversations, handoffs
from ispbot.storage.models import AuditEntry, Conversation, OutboxMessage, User
from tests.conftest import Harness
from tests.flows.chat import Chat
from tests.webadmin.support import Browser, make_registration

BUDI = "6281200000101"
SITI = "6281200000102"


async def waiting_chat(h: Harness, phone: str, *texts: str) -> Chat:
    chat = Chat(h, phone=phone)
    await chat.send("cs")
    for text in texts:
        await chat.send(text)
    return chat


async def conversation_id(h: Harness, phone: str) -> int:
    async with h.services.db.sessions() as session:
        found = await conversations.get(session, phone)
    assert found is not None
    return found.id


async def convo(h: Harness, phone: str) -> Conversation:
    async with h.services.db.sessions() as session:
        found = await conversations.get(session, phone)
    assert found is not None
    return found


async def user_id(h: Harness, username: str) -> int:
    async with h.services.db.sessions() as session:
        return (await session.execute(select(User.id).where(User.username == username))).scalar_one()


async def test_the_queue_shows_waiting_first_with_unread_counts_and_the_nav_badge(h: Harness, cs: Browser) -> None:
    await make_registration(h)  # Budi's registration gives the queue a name
    await waiting_chat(h, BUDI, "internet mati", "tolong cepat")
    h.clock.advance(minutes=3)
    await waiting_chat(h, SITI, "halo")
    page = await cs.page("/admin/inbox")
    rows = re.findall(r'<tr data-conversation="(\d+)" data-mode="(\w+)"', page)
    assert [mode for _id, mode in rows] == ["waiting", "waiting"]
    assert rows[0][0] == str(await conversation_id(h, BUDI))  # the longest wait first
    assert "Budi Santoso" in page and "tolong cepat" in page
    assert page.count("081200000102") == 1  # Siti has no name on file: her number, once
    assert re.search(r'data-unread>2<', page)
    assert re.search(r'data-waiting-count title="Menunggu CS">2<', page)
    other = await cs.page("/admin/registrations")
    assert re.search(r'data-waiting-count title="Menunggu CS">2<', other)


async def test_take_reply_and_hand_back(h: Harness, cs: Browser) -> None:
    await make_registration(h)
    chat = await waiting_chat(h, BUDI, "internet mati dari pagi")
    cid = await conversation_id(h, BUDI)

    page = await cs.page(f"/admin/inbox/{cid}")
    assert "internet mati dari pagi" in page and "Budi Santoso" in page
    assert "3273********0001" in page and "3273010101900001" not in page  # the NIK masked
    assert "data-take" in page and "data-reply" not in page  # take first, then reply

    await cs.follow(await cs.post(f"/admin/inbox/{cid}/take"))
    await h.settle()
    assert chat.replies() == ["Halo, saya *Staf* dari CS AGLIS Net. 👋 Ada yang bisa saya bantu?"]
    state = await convo(h, BUDI)
    assert (state.mode, state.handoff_agent_id, state.unread) == ("human", await user_id(h, "cs"), 0)

    page = await cs.follow(await cs.post(f"/admin/inbox/{cid}/reply", {"text": "Baik Pak, kami cek <sekarang>."}))
    assert "Balasan dikirim." in page
    await h.settle()
    assert chat.replies() == ["*Staf (CS):* Baik Pak, kami cek <sekarang>."]
    async with h.services.db.sessions() as session:
        sent = (await session.execute(
            select(OutboxMessage).where(OutboxMessage.purpose == "handoff:reply")
        )).scalar_one()
    assert (sent.sent_by, sent.provider, sent.status) == (await user_id(h, "cs"), "fonnte", "sent")

    assert await chat.send("oke ditunggu") == []  # the bot stays quiet
    assert (await convo(h, BUDI)).unread == 1
    page = await cs.page(f"/admin/inbox/{cid}")  # the agent reads it
    assert "oke ditunggu" in page
    assert (await convo(h, BUDI)).unread == 0

    await cs.follow(await cs.post(f"/admin/inbox/{cid}/handback"))
    await h.settle()
    [back] = chat.replies()
    assert "kembali dilayani bot" in back and "*menu*" in back
    state = await convo(h, BUDI)
    assert (state.mode, state.handoff_agent_id, state.flow) == ("bot", None, "menu")
    [menu] = await chat.send("halo")
    assert "Silakan pilih layanan" in menu
    async with h.services.db.sessions() as session:
        audits = (await session.execute(
            select(AuditEntry.action, AuditEntry.target_type, AuditEntry.target_id)
            .where(AuditEntry.action.startswith("handoff.")).order_by(AuditEntry.id)
        )).all()
    assert [tuple(a) for a in audits] == [("handoff.take", "conversation", str(cid)),
                                           ("handoff.hand_back", "conversation", str(cid))]


async def test_one_agent_at_a_time_and_supervisors_take_over(
    h: Harness, cs: Browser, browser_factory: Any
) -> None:
    await waiting_chat(h, BUDI)
    cid = await conversation_id(h, BUDI)
    tech: Browser = await browser_factory("tech")  # another cs
    supervisor: Browser = await browser_factory("supervisor")
    await cs.post(f"/admin/inbox/{cid}/take")

    page = await tech.follow(await tech.post(f"/admin/inbox/{cid}/take"))
    assert "sudah diambil petugas lain" in page
    page = await tech.follow(await tech.post(f"/admin/inbox/{cid}/reply", {"text": "Halo"}))
    assert "Ambil alih percakapan ini dulu" in page
    page = await tech.follow(await tech.post(f"/admin/inbox/{cid}/handback"))
    assert "sudah diambil petugas lain" in page
    assert "data-take" not in await tech.page(f"/admin/inbox/{cid}")
    assert (await convo(h, BUDI)).handoff_agent_id == await user_id(h, "cs")

    page = await supervisor.follow(await supervisor.post(f"/admin/inbox/{cid}/take"))
    assert "Percakapan sudah Anda ambil alih" in page
    assert (await convo(h, BUDI)).handoff_agent_id == await user_id(h, "supervisor")
    page = await cs.follow(await cs.post(f"/admin/inbox/{cid}/reply", {"text": "Halo"}))
    assert "Ambil alih percakapan ini dulu" in page


async def test_a_reply_needs_text_and_a_form_token(h: Harness, cs: Browser) -> None:
    await waiting_chat(h, BUDI)
    cid = await conversation_id(h, BUDI)
    await cs.post(f"/admin/inbox/{cid}/take")
    assert "Tulis pesan dulu." in await cs.follow(await cs.post(f"/admin/inbox/{cid}/reply", {"text": "  "}))
    too_long = await cs.follow(await cs.post(f"/admin/inbox/{cid}/reply", {"text": "x" * 2001}))
    assert "terlalu panjang" in too_long
    assert (await cs.post(f"/admin/inbox/{cid}/reply", {"text": "Halo"}, csrf=False)).status == 403
    async with h.services.db.sessions() as session:
        replies = (await session.execute(
            select(OutboxMessage.id).where(OutboxMessage.purpose == "handoff:reply")
        )).all()
    assert replies == []


async def test_a_conversation_with_the_bot_can_be_taken_and_shows_in_all(h: Harness, cs: Browser) -> None:
    chat = Chat(h, phone=BUDI)
    await chat.send("halo")
    cid = await conversation_id(h, BUDI)
    assert f'data-conversation="{cid}"' not in await cs.page("/admin/inbox")
    assert f'data-conversation="{cid}"' in await cs.page("/admin/inbox?show=all")
    page = await cs.follow(await cs.post(f"/admin/inbox/{cid}/handback"))
    assert "sudah kembali ke bot" in page
    await cs.post(f"/admin/inbox/{cid}/take")
    assert (await convo(h, BUDI)).mode == "human"
    await h.settle()
    assert chat.replies() == ["Halo, saya *Staf* dari CS AGLIS Net. 👋 Ada yang bisa saya bantu?"]
    assert await chat.send("menu") == []


async def test_the_customers_data_beside_the_chat_is_only_theirs(h: Harness, cs: Browser) -> None:
    await make_registration(h)
    await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone=SITI,
                            id_card_number="3273010101900002")
    await waiting_chat(h, SITI)
    page = await cs.page(f"/admin/inbox/{await conversation_id(h, SITI)}")
    assert "Siti Aminah" in page and "Budi Santoso" not in page
    assert "Nomor ini bukan pelanggan terdaftar." in page


async def test_the_event_stream_reports_conversations_and_the_waiting_count(h: Harness, cs: Browser) -> None:
    response = await cs.http.get(cs.url("/admin/events"), headers={"Accept": "text/event-stream"},
                                 timeout=aiohttp.ClientTimeout(total=20))
    assert response.status == 200
    first = await read_events(response, until="inbox")
    assert first[-1] == ("inbox", '{"waiting": 0}')
    await waiting_chat(h, BUDI, "halo")
    cid = await conversation_id(h, BUDI)
    events = await read_events(response, until="inbox")
    changes = [json.loads(data) for kind, data in events if kind == "conversation"]
    assert [(c["id"], c["mode"], c["agent_id"]) for c in changes] == [(cid, "waiting", None)]
    assert events[-1] == ("inbox", '{"waiting": 1}')
    response.close()


async def read_events(response: aiohttp.ClientResponse, *, until: str) -> list[tuple[str, str]]:
    """Server-sent events up to and including the first `until` event."""
    events: list[tuple[str, str]] = []
    kind = ""
    async with asyncio.timeout(15):
        while True:
            line = (await response.content.readline()).decode().rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                events.append((kind, line[6:]))
                if kind == until:
                    return events


async def test_handoffs_in_the_queue_survive_a_second_look(h: Harness) -> None:
    """The storage queue: waiting, then with an agent, then (on request) the bot's."""
    await waiting_chat(h, BUDI)
    await Chat(h, phone=SITI).send("halo")
    async with h.services.db.sessions() as session:
        assert [r.conversation.phone for r in await handoffs.queue(session)] == [BUDI]
        assert [r.conversation.phone for r in await handoffs.queue(session, include_bot=True)] == [BUDI, SITI]
        assert await handoffs.waiting_count(session) == 1
