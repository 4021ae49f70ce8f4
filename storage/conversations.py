"""Conversations: one row per contact with its flow, state and collected answers.

`lock` returns the row locked for the caller's transaction (SELECT … FOR UPDATE on
PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE), so a contact's messages are
handled one at a time even across processes, and state is read only after the lock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, event, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ispbot.providers.messages import Contact
from ispbot.storage.models import Conversation, ConversationEvent
from ispbot.storage.upsert import insert_for


async def lock(
    session: AsyncSession, contact: Contact, provider: str, now: datetime, locale: str
) -> Conversation:
    conversation = await try_lock(session, contact, provider, now, locale, skip_locked=False)
    assert conversation is not None
    return conversation


async def try_lock(
    session: AsyncSession, contact: Contact, provider: str, now: datetime, locale: str, *, skip_locked: bool = True
) -> Conversation | None:
    """`lock`, except that on PostgreSQL a row another transaction holds is not waited for:
    None then (that process is handling the contact and will see its next messages)."""
    await session.execute(
        insert_for(session, Conversation)
        .values(
            contact_key=contact.key,
            phone=contact.phone,
            user_id=contact.user_id,
            provider=provider,
            flow="menu",
            state="start",
            data={},
            locale=locale,
            mode="bot",
            version=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )
    stmt = select(Conversation).where(Conversation.contact_key == contact.key)
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=skip_locked)
    conversation = (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()
    if conversation is None:
        return None
    if conversation.provider != provider:
        conversation.provider = provider  # replies go back the way the customer wrote
    return conversation


async def try_lock_existing(session: AsyncSession, contact_key: str) -> Conversation | None:
    """The contact's row locked (as `try_lock`), or None when there is none yet or (on
    PostgreSQL) another transaction holds it. One statement: the usual case of a contact
    who has written before needs no INSERT."""
    stmt = _LOCK_EXISTING_PG if session.bind.dialect.name == "postgresql" else _LOCK_EXISTING
    rows = await session.execute(stmt, {"contact_key": contact_key})
    return rows.scalar_one_or_none()


# Built once: the dispatcher runs it for every message.
_LOCK_EXISTING = (
    select(Conversation)
    .where(Conversation.contact_key == bindparam("contact_key"))
    .execution_options(populate_existing=True)
)
_LOCK_EXISTING_PG = _LOCK_EXISTING.with_for_update(skip_locked=True)


async def get(session: AsyncSession, contact_key: str, *, for_update: bool = False) -> Conversation | None:
    stmt = select(Conversation).where(Conversation.contact_key == contact_key)
    if for_update and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    rows = await session.execute(stmt.execution_options(populate_existing=True))
    return rows.scalar_one_or_none()


def record_event(
    session: AsyncSession, conversation: Conversation, event: str, now: datetime, state: str | None = None,
    *, seconds: float | None = None, retries: int | None = None, flow: str | None = None,
) -> None:
    """Note a funnel event. It is written with the session's next flush (as an added ORM
    object would be), but all of a flush's events in one INSERT without RETURNING: nobody
    needs their ids, and a turn records two or three."""
    pending: list[dict[str, Any]] = session.sync_session.info.setdefault(_EVENTS, [])
    pending.append(
        {
            "contact_key": conversation.contact_key,
            "flow": flow or conversation.flow,  # the answering flow's: its handler may have moved on
            "state": state or conversation.state,
            "event": event,
            "created_at": now,
            "seconds": seconds,
            "retries": retries,
        }
    )


_EVENTS = "ispbot.conversation_events"
_INSERT_EVENTS = insert(ConversationEvent.__table__)


def _write_events(session: Session, *_: Any) -> None:
    pending = session.info.pop(_EVENTS, None)
    if pending:
        session.connection().execute(_INSERT_EVENTS, pending)


def _forget_events(session: Session, *_: Any) -> None:
    session.info.pop(_EVENTS, None)


# before_flush: written when the session flushes (autoflush before a query, or the commit);
# before_commit: also when nothing else was changed (a flush with nothing to do fires no
# before_flush); a rollback drops them with the rest of the transaction.
event.listen(Session, "before_flush", _write_events)
event.listen(Session, "before_commit", _write_events)
event.listen(Session, "after_rollback", _forget_events)
