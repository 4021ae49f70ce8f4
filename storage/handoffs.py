"""Handoffs: a conversation handed from the bot to a human at CS, and back.

    bot ──"cs" / misunderstood twice──▶ waiting ──an agent takes it──▶ human
     ▲                                    │                              │
     └──── customer leaves ("batal") ◀────┤                              │
     └──── nobody took it in time ◀───────┘                              │
     └──── the agent hands it back, or nobody wrote for the timeout ◀────┘

While a conversation is `waiting` or `human` the bot stays quiet: every message the
customer sends is kept (the inbox) and counted in `unread` until its agent reads it.
Every change bumps the conversation's `version` and `updated_at`, which is how the
admin's live view notices it (`changed_since`). Functions only flush.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import Conversation, Customer, InboxMessage, Registration, User

BOT, WAITING, HUMAN = "bot", "waiting", "human"


class HandoffRefused(Exception):
    """The action does not fit the conversation's handoff state (e.g. taken by another agent)."""


def start(conversation: Conversation, now: datetime) -> None:
    conversation.mode = WAITING
    conversation.handoff_at = now
    conversation.handoff_agent_id = None
    conversation.unread = 0
    conversation.misunderstood = 0


def note_inbound(conversation: Conversation) -> None:
    """A message while CS has the conversation: kept, counted, not answered by the bot."""
    conversation.unread += 1


def take(conversation: Conversation, agent: User, now: datetime, *, take_over: bool = False) -> None:
    """`agent` takes the conversation (from the queue, from the bot, or with `take_over`
    from another agent)."""
    if conversation.mode == HUMAN and conversation.handoff_agent_id == agent.id:
        raise HandoffRefused("already yours")
    if conversation.mode == HUMAN and not take_over:
        raise HandoffRefused("taken by another agent")
    if conversation.handoff_at is None or conversation.mode == BOT:
        conversation.handoff_at = now
    conversation.mode = HUMAN
    conversation.handoff_agent_id = agent.id
    conversation.unread = 0
    touch(conversation, now)


def check_agent(conversation: Conversation, agent: User) -> None:
    if conversation.mode != HUMAN or conversation.handoff_agent_id != agent.id:
        raise HandoffRefused("not yours")


def hand_back(conversation: Conversation, now: datetime) -> None:
    """Back to the bot, at the main menu (a registration draft is kept: "daftar" resumes it)."""
    if conversation.mode == BOT:
        raise HandoffRefused("already with the bot")
    conversation.mode = BOT
    conversation.handoff_agent_id = None
    conversation.handoff_at = None
    conversation.unread = 0
    conversation.misunderstood = 0
    conversation.flow, conversation.state = "menu", "MENU"
    touch(conversation, now)


def mark_read(conversation: Conversation) -> None:
    conversation.unread = 0


def touch(conversation: Conversation, now: datetime) -> None:
    """Something happened that the admin's live view should show."""
    conversation.version += 1
    conversation.updated_at = now


# --- reading -------------------------------------------------------------------------


async def by_id(session: AsyncSession, conversation_id: int, *, for_update: bool = False) -> Conversation | None:
    stmt = select(Conversation).where(Conversation.id == conversation_id)
    if for_update and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one_or_none()


async def waiting_count(session: AsyncSession) -> int:
    found = await session.execute(select(func.count(Conversation.id)).where(Conversation.mode == WAITING))
    return int(found.scalar_one())


@dataclass(frozen=True)
class QueueRow:
    conversation: Conversation
    name: str | None  # the customer's or the registration's name, when the phone is known
    last_text: str | None
    last_at: datetime | None


async def queue(session: AsyncSession, *, include_bot: bool = False, limit: int = 100) -> list[QueueRow]:
    """Waiting conversations first (longest wait first), then those with an agent (latest
    activity first), then, with `include_bot`, recent conversations with the bot."""
    rank = case((Conversation.mode == WAITING, 0), (Conversation.mode == HUMAN, 1), else_=2)
    stmt = select(Conversation).order_by(
        rank,
        case((Conversation.mode == WAITING, Conversation.handoff_at), else_=None).asc(),
        Conversation.updated_at.desc(),
        Conversation.id.desc(),
    ).limit(limit)
    if not include_bot:
        stmt = stmt.where(Conversation.mode.in_((WAITING, HUMAN)))
    conversations = list((await session.execute(stmt)).scalars())
    keys = [c.contact_key for c in conversations]
    phones = [c.phone for c in conversations if c.phone]
    last = await _last_inbound(session, keys)
    names = await names_of(session, phones)
    return [
        QueueRow(c, names.get(c.phone or ""), *(last.get(c.contact_key) or (None, None)))
        for c in conversations
    ]


async def _last_inbound(session: AsyncSession, keys: list[str]) -> dict[str, tuple[str, datetime]]:
    if not keys:
        return {}
    newest = (
        select(func.max(InboxMessage.id)).where(InboxMessage.contact_key.in_(keys)).group_by(InboxMessage.contact_key)
    )
    rows = await session.execute(
        select(InboxMessage.contact_key, InboxMessage.text, InboxMessage.kind, InboxMessage.received_at).where(
            InboxMessage.id.in_(newest)
        )
    )
    return {key: (text or f"[{kind}]", at) for key, text, kind, at in rows}


async def names_of(session: AsyncSession, phones: list[str]) -> dict[str, str]:
    """phone → the name we know it by: a customer's first, else its latest registration's."""
    if not phones:
        return {}
    names: dict[str, str] = {}
    registered = await session.execute(
        select(Registration.phone, Registration.full_name)
        .where(Registration.phone.in_(phones))
        .order_by(Registration.id)
    )
    names.update({phone: name for phone, name in registered})
    customers = await session.execute(select(Customer.phone, Customer.full_name).where(Customer.phone.in_(phones)))
    names.update({phone: name for phone, name in customers})
    return names


async def untouched(session: AsyncSession, now: datetime, quiet_for: timedelta) -> list[str]:
    """Contacts whose handoff went quiet: waiting and not taken for `quiet_for`, or with an
    agent and no message from either side for `quiet_for`."""
    rows = await session.execute(
        select(Conversation.contact_key).where(
            ((Conversation.mode == WAITING) & (Conversation.handoff_at <= now - quiet_for))
            | ((Conversation.mode == HUMAN) & (Conversation.updated_at <= now - quiet_for))
        )
    )
    return list(rows.scalars())


def is_quiet(conversation: Conversation, now: datetime, quiet_for: timedelta) -> bool:
    """The rule `untouched` queries, for one conversation read under its lock."""
    if conversation.mode == WAITING:
        return conversation.handoff_at is not None and conversation.handoff_at <= now - quiet_for
    return conversation.mode == HUMAN and conversation.updated_at <= now - quiet_for


@dataclass(frozen=True)
class Change:
    conversation_id: int
    mode: str
    unread: int
    version: int
    agent_id: int | None
    updated_at: datetime

    @property
    def signature(self) -> tuple[str, int, int, int | None]:
        return (self.mode, self.unread, self.version, self.agent_id)


async def changed_since(session: AsyncSession, since: datetime, limit: int = 200) -> list[Change]:
    """Conversations touched at or after `since` (indexed on updated_at), oldest first."""
    rows = await session.execute(
        select(
            Conversation.id, Conversation.mode, Conversation.unread, Conversation.version,
            Conversation.handoff_agent_id, Conversation.updated_at,
        )
        .where(Conversation.updated_at >= since)
        .order_by(Conversation.updated_at, Conversation.id)
        .limit(limit)
    )
    return [Change(*row) for row in rows]


async def latest_update(session: AsyncSession) -> datetime | None:
    return (await session.execute(select(func.max(Conversation.updated_at)))).scalar_one()
