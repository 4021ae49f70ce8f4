"""The inbox: every accepted inbound message, stored before the webhook is answered.

Duplicates stop here: by the gateway's message id where it gives one, otherwise (Fonnte
without its inbox feature) by sender + timestamp + content, or sender + content within a
short window when the gateway gives no timestamp either.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.providers.messages import InboundMessage
from ispbot.storage.models import InboxMessage
from ispbot.storage.upsert import insert_for

# A gateway that retries a webhook without giving a message id or timestamp does so within
# seconds; a customer who sends the very same text twice inside this window is (rarely)
# taken as one message. Documented in the README.
NO_ID_DUPLICATE_WINDOW = timedelta(seconds=90)


def _content_hash(message: InboundMessage) -> str:
    parts = [
        message.kind.value,
        message.text,
        message.choice_id or "",
        message.media.url or message.media.media_id or "" if message.media else "",
        f"{message.location.latitude},{message.location.longitude}" if message.location else "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def dedupe_key(message: InboundMessage, received_at: datetime) -> str:
    if message.message_id:
        return f"id:{message.message_id}"[:200]
    content = _content_hash(message)
    if message.timestamp:
        return f"ts:{message.contact.key}:{int(message.timestamp.timestamp())}:{content}"
    return f"rx:{message.contact.key}:{content}:{received_at.timestamp():.6f}"


async def _recent_same_content(
    session: AsyncSession, message: InboundMessage, received_at: datetime
) -> bool:
    prefix = f"rx:{message.contact.key}:{_content_hash(message)}:"
    found = await session.execute(
        select(InboxMessage.id)
        .where(
            InboxMessage.provider == message.provider,
            InboxMessage.contact_key == message.contact.key,
            InboxMessage.dedupe_key.startswith(prefix, autoescape=True),
            InboxMessage.received_at >= received_at - NO_ID_DUPLICATE_WINDOW,
        )
        .limit(1)
    )
    return found.first() is not None


async def store(session: AsyncSession, message: InboundMessage, received_at: datetime) -> int | None:
    """Insert the message; its inbox id, or None when it is a duplicate."""
    if (
        not message.message_id
        and not message.timestamp
        and await _recent_same_content(session, message, received_at)
    ):
        return None
    dialect = session.bind.dialect.name
    stmt = _STORE.get(dialect)
    if stmt is None:
        stmt = _STORE[dialect] = insert_for(session, _INBOX).on_conflict_do_nothing().returning(_INBOX.c.id)
    row = {
        "provider": message.provider,
        "dedupe_key": dedupe_key(message, received_at),
        "contact_key": message.contact.key,
        "kind": message.kind.value,
        "text": message.text[:4096],
        "payload": message.to_json(),
        "status": "pending",
        "attempts": 0,
        "received_at": received_at,
    }
    return (await session.execute(stmt, row)).scalar_one_or_none()


# The statements of every message, built once (constructing one and computing its cache
# key costs more than SQLite takes to run it). Core statements on the tables: what they
# write is nothing the session holds as objects.
_INBOX = InboxMessage.__table__
_STORE: dict[str, Any] = {}  # by dialect: INSERT … ON CONFLICT DO NOTHING RETURNING id
_OLDEST_PENDING = (
    select(_INBOX)
    .where(_INBOX.c.contact_key == bindparam("contact_key"), _INBOX.c.status == "pending")
    .order_by(_INBOX.c.id)
    .limit(bindparam("limit"))
)
_MARK_DONE = (
    update(_INBOX)
    .where(_INBOX.c.id == bindparam("inbox_id"))
    .values(status="done", processed_at=bindparam("now", type_=_INBOX.c.processed_at.type))
)


async def pending_contacts(session: AsyncSession, limit: int = 1000) -> list[str]:
    """Contacts that have unprocessed messages, oldest first."""
    rows = await session.execute(
        select(InboxMessage.contact_key, InboxMessage.id)
        .where(InboxMessage.status == "pending")
        .order_by(InboxMessage.id)
        .limit(limit)
    )
    seen: dict[str, None] = {}
    for contact_key, _ in rows:
        seen.setdefault(contact_key, None)
    return list(seen)


async def next_pending(session: AsyncSession, contact_key: str) -> Row[Any] | None:
    """The oldest unprocessed message of one contact (call with the conversation locked)."""
    found = await oldest_pending(session, contact_key, 1)
    return found[0] if found else None


async def oldest_pending(session: AsyncSession, contact_key: str, limit: int) -> list[Row[Any]]:
    """Up to `limit` unprocessed messages of one contact, oldest first (the second one tells
    the dispatcher whether to come back without another query). Rows with the columns of
    `InboxMessage` as attributes."""
    rows = await session.execute(_OLDEST_PENDING, {"contact_key": contact_key, "limit": limit})
    return list(rows)


async def mark_done(session: AsyncSession, inbox_id: int, now: datetime) -> None:
    await session.execute(_MARK_DONE, {"inbox_id": inbox_id, "now": now})


async def record_failure(
    session: AsyncSession, inbox_id: int, error: str, now: datetime, *, give_up: bool
) -> None:
    await session.execute(
        update(InboxMessage)
        .where(InboxMessage.id == inbox_id)
        .values(
            attempts=InboxMessage.attempts + 1,
            last_error=error[:2000],
            status="failed" if give_up else "pending",
            processed_at=now if give_up else None,
        )
    )
