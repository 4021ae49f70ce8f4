"""WhatsApp's 24-hour customer-service window, and the messages the business starts.

A business may write freely within 24 hours of the customer's last message; after that the
Cloud API takes only approved templates. Every message the bot or its staff start (a
registration's status change, an invoice reminder or receipt, a ticket update, a code for
the web form, a staff alert) is queued through `queue`: rendered as text in the customer's
language, with the template that carries the same news attached where the gateway needs one
(messages/whatsapp_templates.py), and marked `window_closed` when the customer's last
message is older than the window (less a margin for the time it may wait in the outbox).

Where Meta still finds the window closed (the message waited out a gateway outage, the
clocks disagree), its "failed" report brings `resend_as_template`: the template is queued
once, as a new outbox row after the failed one.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.providers.messages import Contact, OutboundKind, OutboundMessage
from ispbot.services import Services
from ispbot.storage import conversations, outbox
from ispbot.storage.models import Conversation

SERVICE_WINDOW = timedelta(hours=24)
# A message queued this close to the window's end may reach Meta after it: the template goes.
QUEUE_MARGIN = timedelta(minutes=10)


def is_open(last_inbound_at: datetime | None, now: datetime, *, margin: timedelta = timedelta(0)) -> bool:
    """Whether the business may still write freely, `margin` before the window closes."""
    return last_inbound_at is not None and now - last_inbound_at < SERVICE_WINDOW - margin


def window_state(services: Services, convo: Conversation | None) -> str | None:
    """Why a message the business sent this contact now would need a template: "never"
    (they have not written yet; `convo` None: no conversation at all) or "closed" (their
    last message is over a day old), where their gateway has the rule; None when a free
    text would arrive. The admin warns before CS type one that would not."""
    provider = convo.provider if convo else services.settings.provider.value
    if not services.provider_for(provider).capabilities.templates:
        return None
    last = convo.last_inbound_at if convo else None
    if last is None:
        return "never"
    return None if is_open(last, services.clock.now()) else "closed"


async def queue(
    services: Services,
    session: AsyncSession,
    to: Contact,
    template: str,
    *,
    purpose: str,
    conversation_key: str | None = None,
    conversation: Conversation | None = None,
    locale: str | None = None,
    provider: str | None = None,
    sent_by: int | None = None,
    **context: Any,
) -> str:
    """Put message `template` for `to` in the outbox, in the caller's transaction: through
    `provider`, else the gateway the contact last wrote to, in `locale`, else the contact's
    language. The conversation is `conversation` (one the caller read before deleting it),
    else looked up by `conversation_key` (default: the contact's key). Returns the text."""
    convo = conversation or await conversations.get(session, conversation_key or to.key)
    provider = provider or (convo.provider if convo else services.settings.provider.value)
    locale = locale or (convo.locale if convo else None) or services.settings.locale
    context.setdefault("isp_name", services.settings.isp_name)
    context.setdefault("cs_phone", services.settings.cs_phone)
    text = services.messages.render(locale, template, **context)
    fallback = None
    if services.provider_for(provider).capabilities.templates:
        fallback = services.messages.whatsapp_template(locale, template, **context)
    now = services.clock.now()
    closed = fallback is not None and not is_open(convo.last_inbound_at if convo else None, now, margin=QUEUE_MARGIN)
    message = OutboundMessage(to=to, kind=OutboundKind.TEXT, text=text, template=fallback, window_closed=closed)
    await outbox.enqueue(session, provider=provider, message=message, now=now, purpose=purpose[:40], sent_by=sent_by)
    return text


async def resend_as_template(session: AsyncSession, failed: Row[Any], now: datetime) -> bool:
    """The gateway reported outbox row `failed` undelivered because the window had closed:
    queue its template instead, if it has one and was not already the template."""
    message = OutboundMessage.from_json(Contact(phone=failed.phone, user_id=failed.user_id), failed.payload)
    if message.template is None or message.window_closed:
        return False
    await outbox.enqueue(
        session,
        provider=failed.provider,
        message=dataclasses.replace(message, window_closed=True),
        now=now,
        purpose=failed.purpose,
        sent_by=failed.sent_by,
    )
    return True
