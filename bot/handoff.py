"""The staff and scheduler side of a handoff (the chat side is `ispbot.flows.handoff`):
a CS agent takes a conversation, replies, hands it back; a job returns quiet handoffs to
the bot. Each action runs in the caller's ONE transaction: the conversation (locked by
the caller), an audit row for take and hand back, and the customer's WhatsApp message in
the outbox (through the gateway the customer last wrote to, `sent_by` the agent)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ispbot import service_window
from ispbot.providers.messages import Contact, OutboundKind, OutboundMessage
from ispbot.services import Services
from ispbot.storage import audit, conversations, handoffs, outbox
from ispbot.storage.models import Conversation, User

MAX_REPLY = 2000


def agent_name(user: User) -> str:
    return (user.full_name or user.username).split()[0] if (user.full_name or user.username).strip() else "CS"


def inside_service_window(services: Services, conversation: Conversation) -> bool:
    return service_window.is_open(conversation.last_inbound_at, services.clock.now())


async def _send(
    services: Services,
    session: AsyncSession,
    conversation: Conversation,
    template: str,
    *,
    purpose: str,
    sent_by: User | None,
    **context: Any,
) -> None:
    text = services.messages.render(
        conversation.locale, template,
        isp_name=services.settings.isp_name, cs_phone=services.settings.cs_phone, **context,
    )
    contact = Contact(phone=conversation.phone, user_id=conversation.user_id)
    await outbox.enqueue(
        session,
        provider=conversation.provider,
        message=OutboundMessage(to=contact, kind=OutboundKind.TEXT, text=text),
        now=services.clock.now(),
        purpose=purpose,
        sent_by=sent_by.id if sent_by else None,
    )


async def take(
    services: Services, session: AsyncSession, conversation: Conversation, agent: User,
    *, take_over: bool = False, ip: str | None = None,
) -> None:
    """Raises HandoffRefused (e.g. another agent has it) before changing anything."""
    now = services.clock.now()
    before = conversation.mode, conversation.handoff_agent_id
    handoffs.take(conversation, agent, now, take_over=take_over)
    audit.record(
        session, action="handoff.take", now=now, actor=agent, ip=ip,
        target_type="conversation", target_id=conversation.id,
        detail={"from_mode": before[0], "from_agent": before[1]},
    )
    await _send(services, session, conversation, "handoff_taken", purpose="handoff:taken", sent_by=agent,
                agent=agent_name(agent))


async def reply(
    services: Services, session: AsyncSession, conversation: Conversation, agent: User, text: str
) -> None:
    """The agent's message to the customer. Only the agent holding the conversation may."""
    handoffs.check_agent(conversation, agent)
    await _send(services, session, conversation, "cs_reply", purpose="handoff:reply", sent_by=agent,
                agent=agent_name(agent), text=text[:MAX_REPLY])
    handoffs.mark_read(conversation)
    handoffs.touch(conversation, services.clock.now())


async def hand_back(
    services: Services, session: AsyncSession, conversation: Conversation, agent: User, *, ip: str | None = None
) -> None:
    now = services.clock.now()
    before = conversation.mode, conversation.handoff_agent_id
    handoffs.hand_back(conversation, now)
    audit.record(
        session, action="handoff.hand_back", now=now, actor=agent, ip=ip,
        target_type="conversation", target_id=conversation.id,
        detail={"from_mode": before[0], "from_agent": before[1]},
    )
    await _send(services, session, conversation, "handoff_returned", purpose="handoff:returned", sent_by=agent,
                draft_kept=_has_draft(conversation))


def _has_draft(conversation: Conversation) -> bool:
    """A registration left half-way is kept when the bot takes the chat back: say how to go on."""
    return bool((conversation.data or {}).get("registration"))


async def return_quiet_handoffs(services: Services) -> int:
    """ISPBOT_HANDOFF_TIMEOUT_MINUTES after a handoff nobody took (or a talk with an agent
    where nobody wrote since), the bot takes the conversation back and apologises (when
    WhatsApp's 24-hour window still allows a message). Returns how many returned."""
    now = services.clock.now()
    quiet_for = timedelta(minutes=services.settings.handoff_timeout_minutes)
    async with services.db.sessions() as session:
        candidates = await handoffs.untouched(session, now, quiet_for)
    returned = 0
    for contact_key in candidates:
        async with services.db.transaction() as session:
            convo = await conversations.get(session, contact_key, for_update=True)
            if convo is None or not handoffs.is_quiet(convo, now, quiet_for):
                continue  # taken, answered or handed back meanwhile
            handoffs.hand_back(convo, now)
            audit.record(
                session, action="handoff.timeout", now=now, actor_label="system",
                target_type="conversation", target_id=convo.id,
            )
            if inside_service_window(services, convo):
                await _send(services, session, convo, "handoff_timeout", purpose="handoff:timeout", sent_by=None,
                            draft_kept=_has_draft(convo))
            returned += 1
    return returned

