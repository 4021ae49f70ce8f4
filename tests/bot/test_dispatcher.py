"""The dispatcher's running loop: a webhook's wake names its contacts (no inbox read), and
the inbox is still read at every poll, however busy the webhooks keep it."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select

from ispbot.app import DISPATCHER
from ispbot.dispatcher import Dispatcher
from ispbot.flows.turn import Turn
from ispbot.providers.messages import Contact, InboundKind, InboundMessage
from ispbot.storage import conversations, inbox
from ispbot.storage.models import InboxMessage
from tests.conftest import Harness

BUDI = Contact(phone="6281200000101")
SITI = Contact(phone="6281200000102")


def text_from(contact: Contact, text: str, message_id: str) -> InboundMessage:
    return InboundMessage(provider="fonnte", contact=contact, kind=InboundKind.TEXT, text=text, message_id=message_id)


async def store(h: Harness, message: InboundMessage) -> None:
    async with h.services.db.transaction() as s:
        assert await inbox.store(s, message, h.clock.now()) is not None


async def pending(h: Harness) -> list[str]:
    async with h.services.db.sessions() as s:
        rows = await s.execute(select(InboxMessage.text).where(InboxMessage.status == "pending"))
        return sorted(rows.scalars())


async def until(condition: Any, tries: int = 500) -> None:
    for _ in range(tries):
        if await condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not reached")


async def test_hinted_contacts_are_handled_and_the_poll_still_reads_the_inbox(
    harness_factory: Any, sqlite_url: str
) -> None:
    h: Harness = await harness_factory(sqlite_url, provider="fonnte", fonnte_token="tok")
    dispatcher = h.client.app[DISPATCHER]  # type: ignore[index]
    handled: list[str] = []

    async def handler(turn: Turn) -> None:
        handled.append(turn.message.text)

    dispatcher.handler = handler
    runner = asyncio.create_task(dispatcher.run(poll_seconds=0.05))
    try:
        await asyncio.sleep(0)  # the first round reads the (empty) inbox
        await store(h, text_from(SITI, "s1", "m1"))
        dispatcher.wake([SITI.key])
        await until(lambda: _done(handled, ["s1"]))
        # stored with no wake at all (another process, say), while webhooks keep waking
        # the dispatcher for someone else: the poll finds it
        await store(h, text_from(BUDI, "b1", "m2"))
        for i in range(30):
            await store(h, text_from(SITI, f"s{i + 2}", f"n{i}"))
            dispatcher.wake([SITI.key])
            await asyncio.sleep(0.01)
        await until(lambda: _done(handled, ["b1"]))
        await until(lambda: _no_pending(h))
        assert [t for t in handled if t.startswith("s")] == [f"s{i + 1}" for i in range(31)]  # in order, once each
        assert handled.count("b1") == 1
    finally:
        runner.cancel()
        await dispatcher.stop()


async def _done(handled: list[str], texts: list[str]) -> bool:
    return all(t in handled for t in texts)


async def _no_pending(h: Harness) -> bool:
    return await pending(h) == []


@pytest.mark.postgres
async def test_a_contact_held_by_another_process_is_handled_once_it_commits(
    harness_factory: Any, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process's turn (or a staff action) holds the contact's row when this process
    is woken for its message: this process tries again shortly and handles it right after
    that commit, not at the next poll (a minute away here)."""
    h: Harness = await harness_factory(postgres_url, provider="fonnte", fonnte_token="tok")
    handled: list[str] = []
    turned = asyncio.Event()

    async def handler(turn: Turn) -> None:
        handled.append(turn.message.text)

    dispatcher = Dispatcher(h.services, handler, on_outbox=turned.set)
    await store(h, text_from(BUDI, "b1", "m1"))
    await dispatcher.drain()  # the conversation row exists now
    turned.clear()

    holder = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg", "postgresql"), timeout=5)
    holding = holder.transaction()
    await holding.start()
    await holder.execute("SELECT id FROM conversations WHERE contact_key = $1 FOR UPDATE", BUDI.key)
    tried = asyncio.Event()
    try_lock = conversations.try_lock

    async def watched(*args: Any, **kwargs: Any) -> Any:
        found = await try_lock(*args, **kwargs)
        if found is None:
            tried.set()  # found it held
        return found

    monkeypatch.setattr(conversations, "try_lock", watched)
    runner = asyncio.create_task(dispatcher.run(poll_seconds=60))
    try:
        await store(h, text_from(BUDI, "b2", "m2"))
        dispatcher.wake([BUDI.key])
        await asyncio.wait_for(tried.wait(), timeout=10)
        assert handled == ["b1"]
        await holding.commit()
        await asyncio.wait_for(turned.wait(), timeout=10)  # a hang guard, not a timing
        assert handled == ["b1", "b2"]
        assert await pending(h) == []
    finally:
        runner.cancel()
        await dispatcher.stop()
        await holder.close()
