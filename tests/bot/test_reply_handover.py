"""A turn's replies handed to an idle sender (written claimed, no claim of their own) keep
the outbox's guarantees: a process that dies before sending them loses nothing (the lease
runs out and any sender takes them, once), and a reply never overtakes an earlier unsent
message to the same customer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ispbot.app import DISPATCHER, SENDER
from ispbot.providers.messages import Contact, OutboundKind, OutboundMessage
from ispbot.storage import outbox
from ispbot.storage.models import OutboxMessage
from tests.bot.test_delivery import fonnte_text
from tests.conftest import Harness

BUDI = "6281200000101"


async def statuses(h: Harness) -> list[str]:
    async with h.services.db.sessions() as s:
        return list((await s.execute(select(OutboxMessage.status).order_by(OutboxMessage.id))).scalars())


async def test_an_idle_senders_reply_goes_out_once_without_waiting_for_a_poll(
    harness_factory: Any, db_url: str
) -> None:
    h: Harness = await harness_factory(db_url, provider="fonnte", fonnte_token="tok")
    await h.post("fonnte", fonnte_text(BUDI, "halo", 1))
    await h.client.app[DISPATCHER].drain()
    assert await statuses(h) == ["sending"]  # written claimed by the turn, for this process's sender
    await h.settle()
    assert len(h.gateway.texts_to(BUDI)) == 1
    assert await statuses(h) == ["sent"]
    h.clock.advance(minutes=5)  # long past the lease: nothing is sent twice
    await h.settle()
    assert len(h.gateway.texts_to(BUDI)) == 1


async def test_replies_handed_to_a_process_that_died_are_sent_after_the_lease(
    harness_factory: Any, db_url: str
) -> None:
    h: Harness = await harness_factory(db_url, provider="fonnte", fonnte_token="tok")
    app = h.client.app
    app[SENDER].hand_over = lambda rows: None  # the process dies between its commit and the send
    await h.post("fonnte", fonnte_text(BUDI, "halo", 1))
    await h.settle()
    assert h.gateway.requests == []  # claimed under the lease: no other sender takes it yet
    h.clock.advance(seconds=h.services.settings.outbox_lease_seconds + 1)
    await h.settle()
    [welcome] = h.gateway.texts_to(BUDI)
    assert "Selamat datang" in welcome
    assert await statuses(h) == ["sent"]


async def test_a_reply_waits_behind_an_earlier_unsent_message_to_the_customer(
    harness_factory: Any, db_url: str
) -> None:
    h: Harness = await harness_factory(db_url, provider="fonnte", fonnte_token="tok")
    async with h.services.db.transaction() as s:  # e.g. CS wrote from the admin; not sent yet
        await outbox.enqueue(s, provider="fonnte", now=h.clock.now(), message=OutboundMessage(
            to=Contact(phone=BUDI), kind=OutboundKind.TEXT, text="Halo Pak Budi, ini dari CS."))
    await h.post("fonnte", fonnte_text(BUDI, "halo", 1))
    await h.client.app[DISPATCHER].drain()
    assert await statuses(h) == ["pending", "pending"]  # not handed over: it must go second
    await h.settle()
    cs_note, welcome = h.gateway.texts_to(BUDI)
    assert cs_note == "Halo Pak Budi, ini dari CS." and "Selamat datang" in welcome
