"""Soak test with faults: simulated customers chat steadily (most say hello, some register
all the way) while the gateway answers 500, 429 with Retry-After, closes connections or
(full form) times out, the SQLite database is locked for a while, the service is killed
with SIGKILL and restarted twice, and webhooks arrive duplicated, shuffled across phones
and late. Afterwards every acknowledged message was processed exactly once, every reply
was delivered at least once (duplicates counted and printed), no conversation is stuck and
no registration is half-written.

The reduced form runs in `make test`; the full one (more customers, gateway timeouts):

    ISPBOT_SOAK=full .venv/bin/pytest -s tests/bot/test_soak.py
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from sqlalchemy import func, select

from ispbot.bench.gateway import RecordingGateway, free_port
from ispbot.bench.processes import start_service
from ispbot.storage.database import Database
from ispbot.storage.demo import seed_packages
from ispbot.storage.migrations import upgrade
from ispbot.storage.models import Conversation, InboxMessage, OutboxMessage, Registration
from tests.bot.test_crash_recovery import webhook
from tests.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.slow

FULL = os.environ.get("ISPBOT_SOAK") == "full"
GREETERS = [f"62812000004{i:02d}" for i in range(30 if FULL else 8)]
REGISTRANTS = [f"62812000005{i:02d}" for i in range(6 if FULL else 2)]
HELLOS = 8 if FULL else 4
SCRIPT = ["halo", "1", "Budi Santoso", "budi{n}@gmail.com", "1", "3273010101900001", "lewati",
          "Jl. Sukajadi No. 10", "001/002", "Kota Bandung", "Sukajadi", "Sukagalih", "ya", "lewati", "lewati",
          "2", "1", "1", "lewati", "kirim"]


class FaultyGateway(RecordingGateway):
    """Fonnte's send API that fails on a schedule: every `every`-th request gets the next
    fault of the cycle."""

    def __init__(self, faults: list[str], every: int) -> None:
        super().__init__()
        self.faults, self.every, self.calls = faults, every, 0
        self.injected: Counter[str] = Counter()

    async def send(self, request: web.Request) -> web.StreamResponse:
        self.calls += 1
        if self.calls % self.every == 0:
            fault = self.faults[(self.calls // self.every) % len(self.faults)]
            self.injected[fault] += 1
            if fault == "500":
                return web.json_response({"status": False}, status=500)
            if fault == "429":
                return web.json_response({"status": False}, status=429, headers={"Retry-After": "1"})
            if fault == "timeout":
                await asyncio.sleep(16)  # past the sender's 15 s gateway timeout
            if fault == "disconnect" and request.transport is not None:
                request.transport.close()
                return web.Response(status=200)
        return await self._fonnte(request)


def registration_webhooks(phone: str, n: int) -> list[dict[str, Any]]:
    bodies = []
    for step, text in enumerate(SCRIPT):
        body = webhook(phone, 500 + step)
        body["message"] = text.format(n=n)
        bodies.append(body)
    return bodies


async def test_soak_with_faults_loses_nothing_and_leaves_nothing_half_done(tmp_path: Path) -> None:
    random.seed(8)
    gateway = FaultyGateway(["500", "429", "disconnect", *(["timeout"] if FULL else [])], every=7)
    app = web.Application()
    app.router.add_post("/send", gateway.send)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    gateway_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", gateway_port).start()

    db_path = tmp_path / "soak.db"
    db_url = f"sqlite+aiosqlite:///{db_path}"
    await asyncio.to_thread(upgrade, db_url)
    db = Database(db_url)
    async with db.transaction() as s:
        await seed_packages(s)
    port = free_port()
    env = {**os.environ, "ISPBOT_DATABASE_URL": db_url, "ISPBOT_PROVIDER": "fonnte", "ISPBOT_FONNTE_TOKEN": "t", "ISPBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
           "ISPBOT_FONNTE_BASE_URL": f"http://127.0.0.1:{gateway_port}", "ISPBOT_DATA_DIR": str(tmp_path / "data"),
           "ISPBOT_SECRET_KEY": "soak-test-secret", "ISPBOT_OUTBOX_LEASE_SECONDS": "20" if FULL else "2"}

    # The load: greetings shuffled across phones (per phone in order), registrations in order.
    hellos = [webhook(phone, n) for n in range(HELLOS) for phone in GREETERS]
    random.shuffle(hellos)
    hellos.sort(key=lambda b: b["inboxid"] % 1000)  # each phone's own messages stay in order
    scripts = [registration_webhooks(phone, n) for n, phone in enumerate(REGISTRANTS)]
    pending: list[dict[str, Any]] = []
    while hellos or any(scripts):
        pending += [hellos.pop() for _ in range(min(3, len(hellos)))]
        pending += [script.pop(0) for script in scripts if script]
    acknowledged: dict[int, dict[str, Any]] = {}
    kill_at = {len(pending) // 3, 2 * len(pending) // 3}
    faults: Counter[str] = Counter()
    replays = 0
    process = await start_service(env, port)
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            sent = 0
            while pending:
                body = pending.pop(0)
                sent += 1
                if len(acknowledged) in kill_at:  # mid-stream, with replies still in the outbox
                    kill_at.discard(len(acknowledged))
                    process.send_signal(signal.SIGKILL)
                    await process.wait()
                    faults["sigkill"] += 1
                    process = await start_service(env, port)
                if sent == 25:  # the database locked by another writer for a while
                    locker = sqlite3.connect(db_path, timeout=5)
                    locker.execute("BEGIN EXCLUSIVE")
                    faults["db_locked"] += 1
                    asyncio.get_running_loop().call_later(1.5, locker.commit)
                try:
                    response = await client.post(f"http://127.0.0.1:{port}/webhooks/fonnte?secret={WEBHOOK_SECRET}", json=body)
                except httpx.TransportError:
                    response = None
                if response is not None and response.status_code == 200:
                    acknowledged[body["inboxid"]] = body
                    if random.random() < 0.15:  # the gateway delivers it again, later
                        pending.insert(random.randrange(len(pending) + 1), body)
                        replays += 1
                else:  # not acknowledged: the gateway retries, as Fonnte does
                    pending.insert(0, body)
                    if response is None:
                        process = await start_service(env, port) if process.returncode is not None else process
                    await asyncio.sleep(0.2)
            # Bounded wait for the backlog to drain: a reply that met several faults waits out
            # its exponential backoff (2, 4, … 64 s after six failures) before it goes again.
            for _ in range(2400 if FULL else 1800):
                async with db.sessions() as s:
                    unfinished = (await s.execute(select(func.count()).where(InboxMessage.status != "done"))).scalar_one()
                    unsent = (await s.execute(select(func.count()).where(OutboxMessage.status != "sent"))).scalar_one()
                if unfinished == 0 and unsent == 0:
                    break
                await asyncio.sleep(0.1)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
        await runner.cleanup()

    async with db.sessions() as s:
        inbox_rows = list((await s.execute(select(InboxMessage))).scalars())
        replies = list((await s.execute(select(OutboxMessage))).scalars())
        conversations = list((await s.execute(select(Conversation))).scalars())
        registrations = list((await s.execute(select(Registration))).scalars())
    await db.dispose()

    assert faults["sigkill"] == 2 and faults["db_locked"] == 1 and len(gateway.injected) >= 3
    processed = Counter(int(row.dedupe_key.split(":")[1]) for row in inbox_rows)
    assert set(processed) == set(acknowledged), "an acknowledged message was lost"
    assert all(n == 1 for n in processed.values()), "a message was processed twice"
    assert all(row.status == "done" and row.attempts == 0 for row in inbox_rows)
    assert {r.inbox_id for r in replies} == {row.id for row in inbox_rows}, "a message got no reply"
    undelivered = [(r.id, r.status, r.attempts, r.next_attempt_at) for r in replies if r.status != "sent"]
    assert not undelivered, f"replies never delivered: {undelivered}"
    delivered = Counter(s.to for s in gateway.sent)
    expected = Counter(r.phone for r in replies)
    assert all(delivered[phone] >= n for phone, n in expected.items()), "a reply never reached the gateway"
    duplicates = len(gateway.sent) - len(replies)
    stuck = [c.phone for c in conversations if c.phone in GREETERS and c.flow != "menu"]
    assert stuck == [], "a conversation was left in the middle of a flow"
    assert {c.phone: c.flow for c in conversations if c.phone in REGISTRANTS} == dict.fromkeys(REGISTRANTS, "menu")
    assert sorted(r.phone for r in registrations) == sorted(REGISTRANTS)
    for registration in registrations:  # whole, or not there at all
        assert registration.registration_number and registration.full_name and registration.package_id
        assert registration.kelurahan == "Sukagalih" and registration.preferred_time_slot
    print(f"\nsoak test: {len(acknowledged)} messages from {len(GREETERS) + len(REGISTRANTS)} customers, "
          f"{replays} redelivered; faults: {dict(faults)} + gateway {dict(gateway.injected)}; "
          f"lost 0, processed twice 0, replies {len(replies)}, duplicate sends {duplicates}")
