"""The outbox: every message the bot sends, written in the same transaction as its cause
and delivered at least once by the sender (`ispbot.sender`).

A row is `pending` until claimed, `sending` while a sender holds its lease, then `sent` or,
after too many failures or a permanent one, `dead` (visible in the admin). A lease that
runs out (the sender died) makes the row claimable again. Rows of one contact go out in
order: a row is not claimed while an earlier row of the same contact is unsent.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Row, and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.providers.messages import Contact, DeliveryState, DeliveryStatus, OutboundMessage
from ispbot.storage.models import OutboxMessage

LEASE = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=15)


async def enqueue(
    session: AsyncSession,
    *,
    provider: str,
    message: OutboundMessage,
    now: datetime,
    purpose: str | None = None,
    inbox_id: int | None = None,
    sent_by: int | None = None,
) -> OutboxMessage:
    row = OutboxMessage(
        provider=provider,
        contact_key=message.to.key,
        phone=message.to.phone,
        user_id=message.to.user_id,
        kind=message.kind.value,
        text=message.text,
        payload=message.to_json(),
        purpose=purpose,
        inbox_id=inbox_id,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        sent_by=sent_by,
    )
    session.add(row)
    await session.flush()
    return row


class Handed(NamedTuple):
    """A turn's reply written already claimed (see `enqueue_many`): what the sender needs
    to deliver it and mark it, with the message itself instead of its stored copy."""

    id: int
    provider: str
    contact_key: str
    attempts: int
    message: OutboundMessage


async def enqueue_many(
    session: AsyncSession,
    *,
    provider: str,
    messages: list[OutboundMessage],
    now: datetime,
    inbox_id: int | None = None,
    claim_for: timedelta | None = None,
) -> list[Handed]:
    """`enqueue` for a turn's replies: one INSERT and no ORM objects, as the dispatcher
    needs neither the rows nor their ids. Their ids still follow list order.

    With `claim_for` (the sender's lease), replies to one contact who has no unsent row
    before them are written claimed, as the sender's claim would leave them, and returned
    for the dispatcher to hand to its process's sender after the commit: the claim's own
    transaction (two reads and an UPDATE) is saved for the usual reply. If the process
    dies before sending them, the lease runs out and any sender takes them, as after a
    claim. Otherwise (another row of the contact is still unsent, or the replies go to several
    numbers) they are written pending for the sender to claim in order; [] then."""
    if not messages:
        return []
    contact_key = messages[0].to.key
    claim = claim_for is not None and all(m.to.key == contact_key for m in messages)
    if claim:
        claim = (await session.execute(_FIRST_UNSENT, {"contact_key": contact_key})).first() is None
    rows = [
        {
            "provider": provider,
            "contact_key": message.to.key,
            "phone": message.to.phone,
            "user_id": message.to.user_id,
            "kind": message.kind.value,
            "text": message.text,
            "payload": message.to_json(),
            "purpose": None,
            "inbox_id": inbox_id,
            "status": "sending" if claim else "pending",
            "claimed_until": now + claim_for if claim and claim_for is not None else None,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "sent_by": None,
        }
        for message in messages
    ]
    if not claim:
        await session.execute(_INSERT, rows)
        return []
    ids = (await session.execute(_INSERT_RETURNING, rows)).scalars().all()
    return [Handed(i, provider, contact_key, 0, m) for i, m in zip(ids, messages, strict=True)]


def as_message(row: OutboxMessage | Handed) -> OutboundMessage:
    if isinstance(row, Handed):
        return row.message
    contact = Contact(phone=row.phone, user_id=row.user_id)
    return OutboundMessage.from_json(contact, row.payload)


async def claim_due(
    session: AsyncSession, now: datetime, limit: int = 100, lease: timedelta = LEASE
) -> list[OutboxMessage]:
    """Take a lease on due rows, keeping each contact's order: a contact's rows are claimed
    only as the unbroken run from its oldest unsent row. With PostgreSQL, rows another
    process holds are skipped (FOR UPDATE SKIP LOCKED), and so is the rest of that contact."""
    return (await claim_due_batch(session, now, limit, lease)).rows


class Claim(NamedTuple):
    """What one claim took, and what it saw left behind."""

    rows: list[OutboxMessage]
    full: bool  # the batch hit its limit: more rows may be due beyond it
    waiting: bool  # a due row was left behind an earlier unsent row of its contact


async def claim_due_batch(
    session: AsyncSession, now: datetime, limit: int = 100, lease: timedelta = LEASE
) -> Claim:
    """`claim_due`, and what the sender needs to know of what it left."""
    stmt = _CANDIDATES_PG if session.bind.dialect.name == "postgresql" else _CANDIDATES
    candidates = list((await session.execute(stmt, {"now": now, "limit": limit})).scalars())
    if not candidates:
        return Claim([], full=False, waiting=False)
    unsent = await session.execute(_UNSENT, {"contact_keys": list({row.contact_key for row in candidates})})
    queue: dict[str, list[int]] = {}
    for contact_key, outbox_id in unsent:
        queue.setdefault(contact_key, []).append(outbox_id)
    rows: list[OutboxMessage] = []
    taken: dict[str, int] = {}
    broken: set[str] = set()
    for row in candidates:
        key = row.contact_key
        index = taken.get(key, 0)
        ids = queue.get(key, [])
        if key not in broken and index < len(ids) and ids[index] == row.id:
            rows.append(row)
            taken[key] = index + 1
        else:
            broken.add(key)
    if rows:
        # A Core UPDATE: the rows' objects keep status "pending" in memory; the sender
        # reads only their content, id and attempts.
        await session.execute(_CLAIM, {"ids": [r.id for r in rows], "until": now + lease})
    return Claim(rows, full=len(candidates) >= limit, waiting=bool(broken))


# The sender's and the dispatcher's statements, built once (see inbox.py).
_OUTBOX = OutboxMessage.__table__
_INSERT = insert(_OUTBOX)
_INSERT_RETURNING = _INSERT.returning(_OUTBOX.c.id, sort_by_parameter_order=True)
_FIRST_UNSENT = (
    select(_OUTBOX.c.id)
    .where(_OUTBOX.c.contact_key == bindparam("contact_key"), _OUTBOX.c.status.in_(("pending", "sending")))
    .limit(1)
)
_NOW = bindparam("now", type_=_OUTBOX.c.next_attempt_at.type)
_CANDIDATES = (
    select(OutboxMessage)
    .where(
        or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= _NOW),
            and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < _NOW),
        )
    )
    .order_by(OutboxMessage.id)
    .limit(bindparam("limit"))
)
_CANDIDATES_PG = _CANDIDATES.with_for_update(skip_locked=True)
_UNSENT = (
    select(_OUTBOX.c.contact_key, _OUTBOX.c.id)
    .where(
        _OUTBOX.c.contact_key.in_(bindparam("contact_keys", expanding=True)),
        _OUTBOX.c.status.in_(("pending", "sending")),
    )
    .order_by(_OUTBOX.c.id)
)
_CLAIM = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .values(status="sending", claimed_until=bindparam("until", type_=_OUTBOX.c.claimed_until.type))
)
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("b_id"))
    .values(
        status="sent",
        sent_at=bindparam("b_at", type_=_OUTBOX.c.sent_at.type),
        claimed_until=None,
        provider_message_id=bindparam("b_provider_id"),
        attempts=bindparam("b_attempts"),
    )
)


async def mark_sent(
    session: AsyncSession, outbox_id: int, provider_message_id: str | None, now: datetime
) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(
            status="sent",
            sent_at=now,
            claimed_until=None,
            provider_message_id=provider_message_id,
            attempts=OutboxMessage.attempts + 1,
        )
    )


class Delivered(NamedTuple):
    """A claimed row the gateway accepted."""

    outbox_id: int
    attempts: int  # before this delivery
    provider_message_id: str | None
    at: datetime


async def mark_all_sent(session: AsyncSession, delivered: list[Delivered]) -> None:
    """`mark_sent` for many rows at once (one executemany)."""
    await session.execute(
        _MARK_SENT,
        [
            {"b_id": d.outbox_id, "b_at": d.at, "b_provider_id": d.provider_message_id, "b_attempts": d.attempts + 1}
            for d in delivered
        ],
    )


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """2 s, 4 s, 8 s … up to 15 minutes, with jitter; a gateway's Retry-After wins."""
    if retry_after is not None:
        return timedelta(seconds=min(retry_after, MAX_BACKOFF.total_seconds()))
    base = min(2.0 ** max(attempts, 1), MAX_BACKOFF.total_seconds())
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


async def mark_failed(
    session: AsyncSession,
    row: OutboxMessage | Handed,
    error: str,
    now: datetime,
    *,
    permanent: bool,
    max_attempts: int,
    retry_after: float | None = None,
) -> str:
    """Record a failed attempt: back to `pending` with backoff, or `dead`. Returns the status."""
    attempts = row.attempts + 1
    dead = permanent or attempts >= max_attempts
    status = "dead" if dead else "pending"
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id)
        .values(
            status=status,
            attempts=attempts,
            last_error=error[:2000],
            claimed_until=None,
            next_attempt_at=now if dead else now + backoff(attempts, retry_after),
        )
    )
    return status


async def release(session: AsyncSession, outbox_id: int) -> None:
    """Give a claimed row back untouched (an earlier row of its contact failed)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == "sending")
        .values(status="pending", claimed_until=None)
    )


async def record_delivery(session: AsyncSession, status: DeliveryStatus) -> Row[Any] | None:
    """A gateway's delivery report for a message we sent. A "failed" report returns the row
    it marked failed (its columns), the first time only: a repeated report returns None."""
    values: dict[str, object] = {"delivery": status.state.value}
    if status.error:
        values["last_error"] = status.error[:2000]
    stmt = (
        update(_OUTBOX)
        .where(_OUTBOX.c.provider == status.provider, _OUTBOX.c.provider_message_id == status.message_id)
        .values(**values)
    )
    if status.state is not DeliveryState.FAILED:
        await session.execute(stmt)
        return None
    first_time = or_(_OUTBOX.c.delivery.is_(None), _OUTBOX.c.delivery != DeliveryState.FAILED.value)
    return (await session.execute(stmt.where(first_time).returning(*_OUTBOX.c))).first()


async def requeue_dead(session: AsyncSession, outbox_id: int, now: datetime) -> bool:
    """Staff retry of a dead-lettered row."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == "dead")
        .values(status="pending", next_attempt_at=now, attempts=0)
    )
    return bool(result.rowcount)
