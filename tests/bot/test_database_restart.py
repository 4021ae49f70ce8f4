"""PostgreSQL restarted under a running service (every connection of the pool cut): a
webhook that meets a dead connection answers 503, the gateway's retry is stored, and the
customer gets the one reply they would have had. Nothing is lost, nothing doubled."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy import select

from ispbot.storage.models import InboxMessage
from tests.bot.test_delivery import fonnte_text
from tests.conftest import Harness

pytestmark = pytest.mark.postgres


async def _cut_every_connection(url: str) -> int:
    """What a server restart does to the pool: each of its connections is closed."""
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"), timeout=5)
    try:
        return int(await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    finally:
        await admin.close()


async def _post_as_a_gateway(h: Harness, body: dict[str, Any]) -> list[int]:
    """POST until accepted, as gateways retry what is not answered 200."""
    statuses: list[int] = []
    for _ in range(3):
        response = await h.post("fonnte", body)
        statuses.append(response.status)
        if response.status == 200:
            break
    return statuses


async def test_a_restart_of_the_database_delays_one_webhook_and_loses_nothing(
    harness_factory: Any, postgres_url: str
) -> None:
    from ispbot.storage.demo import seed_packages

    h: Harness = await harness_factory(postgres_url, provider="fonnte", fonnte_token="tok")
    async with h.services.db.transaction() as s:
        await seed_packages(s)
    await _post_as_a_gateway(h, fonnte_text("6281200000101", "halo", 1))
    await h.settle()
    assert "Daftar pasang baru" in h.gateway.requests[-1].text

    assert await _cut_every_connection(postgres_url) >= 1

    statuses = await _post_as_a_gateway(h, fonnte_text("6281200000101", "1", 2))
    assert statuses[-1] == 200 and set(statuses[:-1]) <= {503}
    await h.settle()
    replies = [r.text for r in h.gateway.requests[1:]]
    assert len(replies) == 1 and "nama lengkap" in replies[0]
    async with h.services.db.sessions() as s:
        rows = (await s.execute(select(InboxMessage).order_by(InboxMessage.id))).scalars().all()
    assert [(r.text, r.status) for r in rows] == [("halo", "done"), ("1", "done")]
