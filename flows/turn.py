"""One turn of a conversation: the inbound message, the contact's conversation row (locked),
the session of the turn's transaction, and the replies the turn produces.

Flows talk to the customer only through `say` and `ask`, which render message templates;
the dispatcher writes the replies to the outbox in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.config import Settings
from ispbot.messages import Messages
from ispbot.providers.messages import (
    Choice,
    Contact,
    InboundMessage,
    OutboundKind,
    OutboundMessage,
)
from ispbot.storage.models import Conversation


@dataclass
class Turn:
    session: AsyncSession
    conversation: Conversation
    message: InboundMessage
    now: datetime
    settings: Settings
    messages: Messages
    replies: list[OutboundMessage] = field(default_factory=list)

    @property
    def contact(self) -> Contact:
        return self.message.contact

    @property
    def text(self) -> str:
        """What the customer typed, without surrounding spaces."""
        return self.message.text.strip()

    @property
    def locale(self) -> str:
        return self.conversation.locale

    def render(self, template: str, /, **context: Any) -> str:
        context.setdefault("isp_name", self.settings.isp_name)
        context.setdefault("cs_phone", self.settings.cs_phone)
        return self.messages.render(self.locale, template, **context)

    def say(self, template: str, /, **context: Any) -> None:
        self.replies.append(
            OutboundMessage(to=self.contact, kind=OutboundKind.TEXT, text=self.render(template, **context))
        )

    def say_to(self, contact: Contact, template: str, /, *, sensitive: bool = False, **context: Any) -> None:
        """A message to another number of the customer's (e.g. an OTP: `sensitive`, so
        staff reading the transcript do not see the code)."""
        self.replies.append(
            OutboundMessage(
                to=contact, kind=OutboundKind.TEXT, text=self.render(template, **context), sensitive=sensitive
            )
        )

    def ask(
        self, template: str, choices: list[Choice], /, *, button: str | None = None, **context: Any
    ) -> None:
        self.replies.append(
            OutboundMessage(
                to=self.contact,
                kind=OutboundKind.CHOICES,
                text=self.render(template, **context),
                choices=tuple(choices),
                button=button,
            )
        )

    def send_document(self, template: str, url: str, filename: str, /, **context: Any) -> None:
        self.replies.append(
            OutboundMessage(
                to=self.contact,
                kind=OutboundKind.DOCUMENT,
                text=self.render(template, **context),
                url=url,
                filename=filename,
            )
        )
