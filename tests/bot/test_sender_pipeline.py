"""The running sender does not wait for one batch's gateway calls before claiming the next:
a reply stuck at the gateway (a slow media upload, a gateway timing out) does not hold up
the replies of other customers enqueued after it, and a customer's next reply follows the
one ahead of it as soon as that one is sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from sqlalchemy import select

from ispbot.app import SENDER, create_app
from ispbot.clock import FakeClock
from ispbot.providers.messages import Contact, OutboundKind, OutboundMessage
from ispbot.services import Services
from ispbot.storage import outbox
from ispbot.storage.models import OutboxMessage
from ispbot.webhooks import SERVICES
from tests.conftest import make_settings
from tests.fakes import FakeGateway

SLOW = Contact(phone="6281200000101")
QUICK = Contact(phone="6281200000102")
Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]
Reply = Callable[[Contact, str], Awaitable[None]]


@asynccontextmanager
async def running_sender(
    sqlite_url: str, tmp_path: Path, clock: FakeClock, handle: Handler
) -> AsyncIterator[tuple[Services, Reply]]:
    """The app's sender running, its poll a minute away, with `handle` as the gateway; and
    `reply`, which enqueues a reply and wakes the sender, as a turn does."""
    settings = make_settings(sqlite_url, tmp_path / "data", provider="fonnte", fonnte_token="tok")
    app = create_app(settings, clock=clock, transport=httpx.MockTransport(handle), background=False)
    services, sender = app[SERVICES], app[SENDER]

    async def reply(to: Contact, text: str) -> None:
        async with services.db.transaction() as session:
            await outbox.enqueue(session, provider="fonnte", now=clock.now(),
                                 message=OutboundMessage(to=to, kind=OutboundKind.TEXT, text=text))
        sender.wake()

    runner = asyncio.create_task(sender.run(poll_seconds=60))
    try:
        yield services, reply
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await services.http.aclose()
        await services.db.dispose()


async def test_a_reply_stuck_at_the_gateway_does_not_hold_up_other_customers(
    sqlite_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    gateway = FakeGateway()
    stuck, release, quick_sent = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def handle(request: httpx.Request) -> httpx.Response:
        if SLOW.phone.encode() in request.content:
            stuck.set()
            await release.wait()
        response = gateway.handle(request)
        if QUICK.phone.encode() in request.content:
            quick_sent.set()
        return response

    async with running_sender(sqlite_url, tmp_path, clock, handle) as (services, reply):
        await reply(SLOW, "Kode OTP Anda 123456")
        await asyncio.wait_for(stuck.wait(), timeout=10)
        await reply(QUICK, "Terima kasih, Siti.")
        await asyncio.wait_for(quick_sent.wait(), timeout=10)  # hang guards, not timings
        assert gateway.texts_to(QUICK.phone) == ["Terima kasih, Siti."]
        assert gateway.texts_to(SLOW.phone) == []  # still at the gateway
        release.set()
        for _ in range(500):
            async with services.db.sessions() as session:
                statuses = (await session.execute(select(OutboxMessage.status))).scalars().all()
            if statuses == ["sent", "sent"]:
                break
            await asyncio.sleep(0.01)
        assert statuses == ["sent", "sent"]
        assert gateway.texts_to(SLOW.phone) == ["Kode OTP Anda 123456"]


async def test_a_reply_queued_behind_one_at_the_gateway_follows_it_at_once(
    sqlite_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    """The second reply of a customer waits for the first (order), and goes as soon as the
    first is marked sent: the sender is woken for it, not left to its poll a minute away."""
    gateway = FakeGateway()
    stuck, release = asyncio.Event(), asyncio.Event()

    async def handle(request: httpx.Request) -> httpx.Response:
        if b"123456" in request.content:
            stuck.set()
            await release.wait()
        return gateway.handle(request)

    async with running_sender(sqlite_url, tmp_path, clock, handle) as (_services, reply):
        await reply(SLOW, "Kode OTP Anda 123456")
        await asyncio.wait_for(stuck.wait(), timeout=10)
        await reply(SLOW, "Kode berlaku 5 menit.")
        for _ in range(50):  # the sender claims and finds the second reply behind the first
            await asyncio.sleep(0)
        assert gateway.texts_to(SLOW.phone) == []
        release.set()
        for _ in range(500):
            if len(gateway.texts_to(SLOW.phone)) == 2:
                break
            await asyncio.sleep(0.01)  # a hang guard of 5 s, against the poll's 60
        assert gateway.texts_to(SLOW.phone) == ["Kode OTP Anda 123456", "Kode berlaku 5 menit."]
