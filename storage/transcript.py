"""A contact's chat as one list: what they sent (inbox) and what we sent (outbox), in order.
Used by the sandbox page, `ispbot chat` and the admin's transcript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.providers.messages import TemplateMessage
from ispbot.storage.models import InboxMessage, OutboxMessage


@dataclass(frozen=True)
class Line:
    key: str  # "in-12" / "out-40"
    direction: str  # "in" | "out"
    at: datetime
    kind: str
    text: str
    payload: dict[str, Any]
    status: str
    delivery: str | None = None  # outbound: the gateway's report (delivered, read, failed)
    purpose: str | None = None  # outbound: why it was sent ("otp", a status notice); None for replies

    @property
    def sensitive(self) -> bool:
        """An outbound one-time code (staff see it masked)."""
        return self.direction == "out" and (bool(self.payload.get("sensitive")) or self.purpose == "otp")

    @property
    def id(self) -> int:
        """The inbox or outbox row's id."""
        return int(self.key.partition("-")[2])

    @property
    def as_template(self) -> bool:
        """Sent as the approved WhatsApp template (the 24-hour window had closed)."""
        return bool(self.payload.get("window_closed")) if self.direction == "out" else False

    @property
    def template(self) -> TemplateMessage | None:
        """What went instead of the text, when it went as a template."""
        data = self.payload.get("template") if self.as_template else None
        return TemplateMessage.from_json(data) if data else None

    @property
    def undelivered(self) -> bool:
        return self.direction == "out" and (self.status == "dead" or self.delivery == "failed")

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "direction": self.direction,
            "at": self.at.isoformat(),
            "kind": self.kind,
            "text": self.text,
            "status": self.status,
            "choices": self.payload.get("choices") or [] if self.direction == "out" else [],
            "button": self.payload.get("button") if self.direction == "out" else None,
            "url": self.payload.get("url") if self.direction == "out" else None,
            "filename": self.payload.get("filename") if self.direction == "out" else None,
        }


async def lines(
    session: AsyncSession, contact_key: str, *, after_in: int = 0, after_out: int = 0, limit: int = 200
) -> list[Line]:
    inbound = await session.execute(
        select(InboxMessage)
        .where(InboxMessage.contact_key == contact_key, InboxMessage.id > after_in)
        .order_by(InboxMessage.id.desc())
        .limit(limit)
    )
    outbound = await session.execute(
        select(OutboxMessage)
        .where(OutboxMessage.contact_key == contact_key, OutboxMessage.id > after_out)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    result = [
        Line(f"in-{m.id}", "in", m.received_at, m.kind, m.text, m.payload, m.status)
        for m in inbound.scalars()
    ] + [
        Line(f"out-{m.id}", "out", m.created_at, m.kind, m.text, m.payload, m.status, m.delivery, m.purpose)
        for m in outbound.scalars()
    ]
    # A turn's replies share one timestamp: their ids keep them in the order they were
    # written ("out-10" sorts before "out-9" as text).
    result.sort(key=lambda line: (line.at, line.direction == "out", line.id))
    return result[-limit:]
