"""Inbox, outbox, sequences and conversations, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ispbot.clock import FakeClock
from ispbot.providers.messages import (
    Contact,
    DeliveryState,
    DeliveryStatus,
    InboundKind,
    InboundMessage,
    OutboundKind,
    OutboundMessage,
)
from ispbot.storage import conversations, inbox, outbox, sequences
from ispbot.storage.database import Database
from ispbot.storage.models import InboxMessage, OutboxMessage

BUDI = Contact(phone="6281200000101", name="Budi")
SITI = Contact(phone="6281200000102", name="Siti")


def text_from(contact: Contact, text: str, message_id: str | None = None, **kw: object) -> InboundMessage:
    return InboundMessage(
        provider="fonnte", contact=contact, kind=InboundKind.TEXT, text=text, message_id=message_id, **kw  # type: ignore[arg-type]
    )


def reply_to(contact: Contact, text: str) -> OutboundMessage:
    return OutboundMessage(to=contact, kind=OutboundKind.TEXT, text=text)


async def test_inbox_drops_a_redelivery_with_the_same_gateway_id(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    async with db.transaction() as s:
        first = await inbox.store(s, text_from(BUDI, "halo", "wamid.1"), clock.now())
        again = await inbox.store(s, text_from(BUDI, "halo", "wamid.1"), clock.now())
        other = await inbox.store(s, text_from(BUDI, "halo", "wamid.2"), clock.now())
    assert first is not None and other is not None and again is None
    await db.dispose()


async def test_inbox_without_ids_dedupes_by_sender_content_and_window(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    async with db.transaction() as s:
        assert await inbox.store(s, text_from(BUDI, "1"), clock.now()) is not None
        clock.advance(seconds=20)
        assert await inbox.store(s, text_from(BUDI, "1"), clock.now()) is None  # gateway retry
        assert await inbox.store(s, text_from(SITI, "1"), clock.now()) is not None  # other sender
        assert await inbox.store(s, text_from(BUDI, "2"), clock.now()) is not None  # other text
        clock.advance(minutes=5)
        assert await inbox.store(s, text_from(BUDI, "1"), clock.now()) is not None  # a new answer
    await db.dispose()


async def test_inbox_with_timestamp_but_no_id_dedupes_exactly(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    sent_at = clock.now() - timedelta(seconds=3)
    async with db.transaction() as s:
        assert await inbox.store(s, text_from(BUDI, "ya", timestamp=sent_at), clock.now()) is not None
        clock.advance(minutes=30)  # a late retry is still the same message
        assert await inbox.store(s, text_from(BUDI, "ya", timestamp=sent_at), clock.now()) is None
        later = sent_at + timedelta(seconds=40)
        assert await inbox.store(s, text_from(BUDI, "ya", timestamp=later), clock.now()) is not None
    await db.dispose()


async def test_pending_messages_come_back_in_arrival_order_per_contact(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    async with db.transaction() as s:
        for i, contact in enumerate([BUDI, SITI, BUDI, BUDI]):
            await inbox.store(s, text_from(contact, f"m{i}", f"id{i}"), clock.now())
    async with db.transaction() as s:
        assert await inbox.pending_contacts(s) == [BUDI.key, SITI.key]
        row = await inbox.next_pending(s, BUDI.key)
        assert row is not None and row.text == "m0"
        await inbox.mark_done(s, row.id, clock.now())
        row = await inbox.next_pending(s, BUDI.key)
        assert row is not None and row.text == "m2"
    await db.dispose()


async def test_outbox_claims_each_contacts_rows_in_order_and_holds_them_behind_a_failure(
    db_url: str, clock: FakeClock
) -> None:
    db = Database(db_url)
    async with db.transaction() as s:
        for text in ("b1", "b2", "b3"):
            await outbox.enqueue(s, provider="fonnte", message=reply_to(BUDI, text), now=clock.now())
        await outbox.enqueue(s, provider="fonnte", message=reply_to(SITI, "s1"), now=clock.now())
    async with db.transaction() as s:
        claimed = await outbox.claim_due(s, clock.now())
    assert [r.text for r in claimed] == ["b1", "b2", "b3", "s1"]
    b1 = claimed[0]
    async with db.transaction() as s:
        await outbox.mark_failed(s, b1, "HTTP 500", clock.now(), permanent=False, max_attempts=5)
        for later in claimed[1:3]:
            await outbox.release(s, later.id)
        await outbox.mark_sent(s, claimed[3].id, "x", clock.now())
    async with db.transaction() as s:
        # b1 waits for its backoff; b2 and b3 must not overtake it.
        assert await outbox.claim_due(s, clock.now()) == []
    clock.advance(minutes=1)
    async with db.transaction() as s:
        assert [r.text for r in await outbox.claim_due(s, clock.now())] == ["b1", "b2", "b3"]
    await db.dispose()


async def test_outbox_lease_expires_so_a_dead_senders_rows_are_sent_again(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    async with db.transaction() as s:
        await outbox.enqueue(s, provider="fonnte", message=reply_to(BUDI, "hi"), now=clock.now())
    async with db.transaction() as s:
        assert len(await outbox.claim_due(s, clock.now())) == 1
    async with db.transaction() as s:
        assert await outbox.claim_due(s, clock.now()) == []  # another sender holds it
    clock.advance(outbox.LEASE + timedelta(seconds=1))
    async with db.transaction() as s:
        assert len(await outbox.claim_due(s, clock.now())) == 1
    await db.dispose()


async def test_outbox_dead_letters_after_max_attempts_and_on_permanent_errors(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    async with db.transaction() as s:
        await outbox.enqueue(s, provider="fonnte", message=reply_to(BUDI, "a"), now=clock.now())
        await outbox.enqueue(s, provider="fonnte", message=reply_to(SITI, "b"), now=clock.now())
    statuses = []
    for _ in range(3):
        async with db.transaction() as s:
            rows = await outbox.claim_due(s, clock.now())
            for row in rows:
                if row.contact_key == BUDI.key:
                    statuses.append(await outbox.mark_failed(s, row, "500", clock.now(), permanent=False, max_attempts=3))
                else:
                    await outbox.mark_failed(s, row, "invalid number", clock.now(), permanent=True, max_attempts=3)
        clock.advance(minutes=20)
    assert statuses == ["pending", "pending", "dead"]
    async with db.transaction() as s:
        dead = (await s.execute(select(func.count()).where(OutboxMessage.status == "dead"))).scalar_one()
    assert dead == 2
    await db.dispose()


async def test_delivery_reports_update_the_sent_row(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    async with db.transaction() as s:
        row = await outbox.enqueue(s, provider="cloudapi", message=reply_to(BUDI, "a"), now=clock.now())
        await outbox.mark_sent(s, row.id, "wamid.77", clock.now())
        await outbox.record_delivery(s, DeliveryStatus("cloudapi", "wamid.77", DeliveryState.READ))
    async with db.transaction() as s:
        stored = await s.get(OutboxMessage, row.id)
        assert stored is not None and stored.delivery == "read"
    await db.dispose()


async def test_sequence_numbers_are_unique_under_concurrency(db_url: str) -> None:
    db = Database(db_url)

    async def take() -> int:
        async with db.transaction() as s:
            return await sequences.next_value(s, "REG-20261121")

    values = await asyncio.gather(*(take() for _ in range(20)))
    assert sorted(values) == list(range(1, 21))
    await db.dispose()


async def test_conversation_is_created_once_and_keeps_state(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    async with db.transaction() as s:
        convo = await conversations.lock(s, BUDI, "fonnte", clock.now(), "id")
        convo.flow, convo.state, convo.data = "registration", "ASK_EMAIL", {"full_name": "Budi"}
    async with db.transaction() as s:
        again = await conversations.lock(s, BUDI, "cloudapi", clock.now(), "id")
        assert (again.flow, again.state, again.data) == ("registration", "ASK_EMAIL", {"full_name": "Budi"})
        assert again.provider == "cloudapi"
    async with db.transaction() as s:
        total = (await s.execute(select(func.count()).select_from(InboxMessage))).scalar_one()
    assert total == 0
    await db.dispose()


async def test_timestamps_come_back_timezone_aware(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    async with db.transaction() as s:
        await inbox.store(s, text_from(BUDI, "x", "t1"), clock.now())
    async with db.transaction() as s:
        row = await inbox.next_pending(s, BUDI.key)
    assert row is not None and row.received_at == clock.now() and row.received_at.tzinfo is not None
    await db.dispose()


async def test_a_turns_replies_go_in_as_one_insert_in_order(db_url: str, clock: FakeClock) -> None:
    db = Database(db_url)
    async with db.transaction() as s:
        await outbox.enqueue_many(
            s, provider="fonnte", messages=[reply_to(BUDI, "r1"), reply_to(BUDI, "r2")], now=clock.now(), inbox_id=7
        )
        await outbox.enqueue_many(s, provider="fonnte", messages=[], now=clock.now())
    async with db.transaction() as s:
        claimed = await outbox.claim_due(s, clock.now())
    assert [(r.text, r.inbox_id, r.attempts, r.phone) for r in claimed] == [
        ("r1", 7, 0, BUDI.phone), ("r2", 7, 0, BUDI.phone)
    ]
    assert outbox.as_message(claimed[0]).text == "r1"
    await db.dispose()


async def test_funnel_events_are_written_with_the_transaction_and_dropped_with_a_rollback(
    db_url: str, clock: FakeClock
) -> None:
    from ispbot.storage.models import ConversationEvent

    db = Database(db_url)
    async with db.transaction() as s:
        convo = await conversations.lock(s, BUDI, "fonnte", clock.now(), "id")
    async with db.transaction() as s:  # nothing else changed: still written at the commit
        conversations.record_event(s, convo, "asked", clock.now(), "ASK_NAME")
        conversations.record_event(s, convo, "answered", clock.now(), "ASK_NAME")
    try:
        async with db.transaction() as s:
            conversations.record_event(s, convo, "asked", clock.now(), "ASK_EMAIL")
            raise RuntimeError("the turn failed")
    except RuntimeError:
        pass
    async with db.transaction() as s:
        rows = (await s.execute(select(ConversationEvent).order_by(ConversationEvent.id))).scalars().all()
        assert [(e.state, e.event, e.contact_key) for e in rows] == [
            ("ASK_NAME", "asked", BUDI.key), ("ASK_NAME", "answered", BUDI.key)
        ]
        convo = await conversations.lock(s, BUDI, "fonnte", clock.now(), "id")
        conversations.record_event(s, convo, "reprompt", clock.now(), "ASK_NAME")
        # an autoflush before a query writes them, as it would added objects
        convo.state = "ASK_NAME"
        count = await s.execute(select(func.count()).select_from(ConversationEvent))
        assert count.scalar_one() == 3
    await db.dispose()


@pytest.mark.postgres
async def test_postgres_numbers_do_not_hold_a_burst_of_registrations_in_line(postgres_url: str) -> None:
    """On PostgreSQL a number is taken and committed on its own: while one registration's
    transaction is still open, the counter row is free for the next one (inside that
    transaction, sixty registrations at once waited for each other's commits). The
    trade: a rolled-back registration's number is not given again."""
    import asyncpg

    db = Database(postgres_url)
    watcher = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as first:
                assert await sequences.next_value(first, "REG-20261202") == 1
                # Still open: another transaction can lock the counter row, not wait on it.
                async with watcher.transaction():
                    locked = await watcher.fetch(
                        "SELECT value FROM sequences WHERE name = 'REG-20261202' FOR UPDATE NOWAIT")
                assert [r["value"] for r in locked] == [1]
                async with db.transaction() as second:
                    assert await sequences.next_value(second, "REG-20261202") == 2
                raise RuntimeError("the first registration fails after taking its number")
        async with db.transaction() as third:
            assert await sequences.next_value(third, "REG-20261202") == 3  # 1 stays unused
    finally:
        await watcher.close()
        await db.dispose()


@pytest.mark.postgres
async def test_postgres_autocommit_writes_commit_statement_by_statement(postgres_url: str, clock: FakeClock) -> None:
    """`Database.autocommit()` (the webhook's store, the sender's marks): on PostgreSQL a
    stored message is committed by its own INSERT, before the block ends (no BEGIN and
    COMMIT round trips), and a later failure in the block does not take it back."""
    import asyncpg

    db = Database(postgres_url)
    watcher = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        with pytest.raises(RuntimeError):
            async with db.autocommit() as s:
                assert await inbox.store(s, text_from(BUDI, "halo", "wamid.1"), clock.now()) is not None
                assert await watcher.fetchval("SELECT count(*) FROM inbox") == 1
                raise RuntimeError("the webhook's next event fails")
        assert await watcher.fetchval("SELECT count(*) FROM inbox") == 1
    finally:
        await watcher.close()
        await db.dispose()


async def test_a_transcript_keeps_a_turns_replies_in_order_past_the_tenth_row(db_url: str, clock: FakeClock) -> None:
    """Replies written in one turn share a timestamp; "out-10" must not come before "out-9"."""
    from ispbot.storage import transcript

    db = Database(db_url)
    async with db.transaction() as s:
        await inbox.store(s, text_from(BUDI, "halo", "t1"), clock.now())
        await outbox.enqueue_many(
            s, provider="fonnte", messages=[reply_to(BUDI, f"r{n}") for n in range(1, 13)], now=clock.now()
        )
    async with db.transaction() as s:
        lines = await transcript.lines(s, BUDI.key)
    assert [line.text for line in lines] == ["halo"] + [f"r{n}" for n in range(1, 13)]
    await db.dispose()
