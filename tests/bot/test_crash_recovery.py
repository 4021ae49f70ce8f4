"""Kill the service with SIGKILL while webhooks stream in, restart it, and check that every
acknowledged message was processed exactly once and every reply was sent."""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from ispbot.bench.gateway import RecordingGateway, free_port
from ispbot.bench.processes import start_service
from ispbot.storage.database import Database
from ispbot.storage.migrations import upgrade
from ispbot.storage.models import InboxMessage, OutboxMessage
from tests.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.slow

PHONES = [f"62812000003{i:02d}" for i in range(12)]
PER_PHONE = 6


def webhook(phone: str, n: int) -> dict[str, Any]:
    return {"sender": phone, "message": "halo", "name": "Uji", "type": "text",
            "inboxid": int(phone[-2:]) * 1000 + n + 1, "isgroup": False, "device": "6281200000900"}


async def test_sigkill_mid_stream_loses_nothing_and_processes_once(tmp_path: Path) -> None:
    gateway = RecordingGateway()
    await gateway.start()

    db_url = f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
    await asyncio.to_thread(upgrade, db_url)
    port = free_port()
    env = {
        **os.environ,
        "ISPBOT_DATABASE_URL": db_url,
        "ISPBOT_PROVIDER": "fonnte",
        "ISPBOT_FONNTE_TOKEN": "test-token",
        "ISPBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "ISPBOT_FONNTE_BASE_URL": gateway.url,
        "ISPBOT_DATA_DIR": str(tmp_path / "data"),
        "ISPBOT_SECRET_KEY": "crash-test-secret",
        "ISPBOT_OUTBOX_LEASE_SECONDS": "2",
    }
    pending = [webhook(phone, n) for n in range(PER_PHONE) for phone in PHONES]
    acknowledged: set[int] = set()
    kills = 0
    process = await start_service(env, port)
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            while pending:
                body = pending[0]
                try:
                    response = await client.post(f"http://127.0.0.1:{port}/webhooks/fonnte?secret={WEBHOOK_SECRET}", json=body)
                    if response.status_code == 200:
                        acknowledged.add(body["inboxid"])
                        pending.pop(0)
                except httpx.TransportError:
                    # Not acknowledged: the gateway retries it, as Fonnte does.
                    process = await start_service(env, port)
                    continue
                if len(acknowledged) in (20, 50) and kills < 2:
                    process.send_signal(signal.SIGKILL)
                    await process.wait()
                    kills += 1
                    process = await start_service(env, port)
            db = Database(db_url)
            for _ in range(400):  # bounded wait for the backlog to drain
                async with db.sessions() as s:
                    unfinished = (await s.execute(select(func.count()).where(InboxMessage.status != "done"))).scalar_one()
                    unsent = (await s.execute(select(func.count()).where(OutboxMessage.status != "sent"))).scalar_one()
                if unfinished == 0 and unsent == 0:
                    break
                await asyncio.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
        await gateway.stop()

    async with db.sessions() as s:
        inbox_rows = list((await s.execute(select(InboxMessage))).scalars())
        replies = list((await s.execute(select(OutboxMessage))).scalars())
    await db.dispose()
    assert kills == 2
    processed = Counter(row.dedupe_key for row in inbox_rows)
    assert len(acknowledged) == len(PHONES) * PER_PHONE
    assert {int(k.split(":")[1]) for k in processed} == acknowledged
    assert all(n == 1 for n in processed.values())
    assert all(row.status == "done" for row in inbox_rows)
    per_message = Counter(r.inbox_id for r in replies)
    assert len(per_message) == len(inbox_rows) and set(per_message.values()) == {1}
    assert all(r.status == "sent" for r in replies)
    delivered = Counter(s.to for s in gateway.sent)
    assert all(delivered[phone] >= PER_PHONE for phone in PHONES)
    duplicates = sum(delivered.values()) - len(replies)
    print(f"\ncrash test: {len(acknowledged)} messages, {kills} SIGKILLs, lost 0, duplicate sends {duplicates}")
