"""A gateway outage delays replies and never drops them; a poison message never blocks."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from ispbot.storage.models import InboxMessage, OutboxMessage
from tests.conftest import CONFORMANCE, Harness


def fonnte_text(sender: str, text: str, inboxid: int) -> dict[str, Any]:
    body = json.loads((CONFORMANCE / "fonnte" / "private_text.json").read_text())
    body.update(sender=sender, pengirim=sender, message=text, pesan=text, inboxid=inboxid)
    return body


async def outbox_rows(h: Harness) -> list[OutboxMessage]:
    async with h.services.db.sessions() as s:
        return list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def test_replies_wait_out_a_gateway_outage_and_then_arrive(harness_factory: Any, db_url: str) -> None:
    h: Harness = await harness_factory(db_url, provider="fonnte", fonnte_token="tok")
    h.gateway.fail_next(500, "timeout", "disconnect", 503)
    await h.post("fonnte", fonnte_text("6281200000101", "halo", 1))
    await h.settle()
    assert h.gateway.requests == []
    [row] = await outbox_rows(h)
    assert row.status == "pending" and row.attempts == 1 and "500" in (row.last_error or "")
    for _ in range(3):  # each retry waits out its backoff on the injected clock
        h.clock.advance(minutes=16)
        await h.settle()
    assert h.gateway.requests == []
    h.clock.advance(minutes=16)
    await h.settle()
    assert len(h.gateway.texts_to("6281200000101")) == 1
    [row] = await outbox_rows(h)
    assert row.status == "sent" and row.attempts == 5


async def test_rate_limited_gateway_is_retried_after_its_retry_after(harness_factory: Any, sqlite_url: str) -> None:
    h: Harness = await harness_factory(sqlite_url, provider="fonnte", fonnte_token="tok")
    h.gateway.retry_after = "30"
    h.gateway.fail_next(429)
    await h.post("fonnte", fonnte_text("6281200000101", "halo", 1))
    await h.settle()
    [row] = await outbox_rows(h)
    assert (row.next_attempt_at - h.clock.now()).total_seconds() == 30
    h.clock.advance(seconds=29)
    await h.settle()
    assert h.gateway.requests == []
    h.clock.advance(seconds=2)
    await h.settle()
    assert len(h.gateway.requests) == 1


async def test_one_customers_outage_does_not_reorder_their_replies(harness_factory: Any, sqlite_url: str) -> None:
    h: Harness = await harness_factory(sqlite_url, provider="fonnte", fonnte_token="tok")
    await h.post("fonnte", fonnte_text("6281200000101", "halo", 1))
    await h.post("fonnte", fonnte_text("6281200000101", "hai", 2))
    h.gateway.fail_next(500)
    await h.settle()
    h.clock.advance(minutes=1)
    await h.settle()
    rows = await outbox_rows(h)
    assert [r.status for r in rows] == ["sent", "sent"]
    sent_ids = [r.provider_message_id for r in rows]
    assert sent_ids == sorted(sent_ids, key=int)  # the first reply went out first


async def test_permanent_failures_are_dead_lettered_visibly(harness_factory: Any, sqlite_url: str) -> None:
    h: Harness = await harness_factory(sqlite_url, provider="fonnte", fonnte_token="tok")
    h.gateway.fail_next(401)
    await h.post("fonnte", fonnte_text("6281200000101", "halo", 1))
    await h.settle()
    [row] = await outbox_rows(h)
    assert row.status == "dead"
    metrics = await (await h.client.get("/metrics")).text()
    assert 'ispbot_outbox_messages{provider="fonnte",status="dead"} 1.0' in metrics


async def test_a_message_that_breaks_the_flow_gets_an_apology_and_does_not_block(
    harness_factory: Any, sqlite_url: str
) -> None:
    h: Harness = await harness_factory(sqlite_url, provider="fonnte", fonnte_token="tok")
    from ispbot.app import DISPATCHER
    from ispbot.flows.router import handle

    async def fragile(turn: Any) -> None:
        if turn.message.text == "boom":
            raise RuntimeError("bug in a flow")
        await handle(turn)

    h.client.app[DISPATCHER].handler = fragile  # type: ignore[index]
    await h.post("fonnte", fonnte_text("6281200000101", "boom", 1))
    await h.post("fonnte", fonnte_text("6281200000101", "halo", 2))
    await h.settle()
    texts = h.gateway.texts_to("6281200000101")
    assert len(texts) == 2 and "Mohon maaf" in texts[0] and "Selamat datang" in texts[1]
    async with h.services.db.sessions() as s:
        statuses = list((await s.execute(select(InboxMessage.status).order_by(InboxMessage.id))).scalars())
    assert statuses == ["failed", "done"]
