"""Neutral, frozen values that cross the gateway boundary.

Every provider parses its gateway's webhook into these and sends these through its API;
nothing past `providers/` knows a gateway's field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Contact:
    """Who a message is from or to.

    `phone` is the canonical `628…` form (digits only) where the sender is Indonesian, or the
    international digits of a foreign sender; `user_id` is a gateway's own user id (Meta's
    business-scoped user id) where the gateway gives one. A conversation is keyed by `key`.
    """

    phone: str | None
    user_id: str | None = None
    name: str | None = None
    is_indonesian: bool = True

    @property
    def key(self) -> str:
        if self.phone:
            return self.phone
        return f"uid:{self.user_id}"


class InboundKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    IMAGE = "image"
    DOCUMENT = "document"
    LOCATION = "location"
    OTHER = "other"


@dataclass(frozen=True)
class Media:
    url: str | None = None
    media_id: str | None = None
    mime_type: str | None = None
    filename: str | None = None


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class InboundMessage:
    provider: str
    contact: Contact
    kind: InboundKind
    message_id: str | None = None
    timestamp: datetime | None = None
    text: str = ""
    choice_id: str | None = None
    media: Media | None = None
    location: Location | None = None
    reply_to: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "contact": {
                "phone": self.contact.phone,
                "user_id": self.contact.user_id,
                "name": self.contact.name,
                "is_indonesian": self.contact.is_indonesian,
            },
            "kind": self.kind.value,
            "message_id": self.message_id,
            "timestamp": self.timestamp.isoformat() if self.timestamp else None,
            "text": self.text,
            "choice_id": self.choice_id,
            "media": None if self.media is None else self.media.__dict__.copy(),
            "location": None if self.location is None else self.location.__dict__.copy(),
            "reply_to": self.reply_to,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InboundMessage:
        ts = data.get("timestamp")
        return cls(
            provider=data["provider"],
            contact=Contact(**data["contact"]),
            kind=InboundKind(data["kind"]),
            message_id=data.get("message_id"),
            timestamp=datetime.fromisoformat(ts) if ts else None,
            text=data.get("text") or "",
            choice_id=data.get("choice_id"),
            media=Media(**data["media"]) if data.get("media") else None,
            location=Location(**data["location"]) if data.get("location") else None,
            reply_to=data.get("reply_to"),
        )


class DeliveryState(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


@dataclass(frozen=True)
class DeliveryStatus:
    provider: str
    message_id: str
    state: DeliveryState
    recipient: str | None = None
    timestamp: datetime | None = None
    error: str | None = None
    window_closed: bool = False  # failed: the 24-hour window had closed (a template may go instead)


Inbound = InboundMessage | DeliveryStatus


@dataclass(frozen=True)
class Choice:
    id: str
    title: str
    description: str | None = None


class OutboundKind(StrEnum):
    TEXT = "text"
    CHOICES = "choices"
    DOCUMENT = "document"
    IMAGE = "image"


@dataclass(frozen=True)
class TemplateMessage:
    """An approved WhatsApp template carrying the same news as a message's text, for the
    Cloud API, which takes nothing else once 24 hours have passed since the customer last
    wrote. `parameters` fill the body's {{1}}, {{2}} … in order; an authentication
    template's one parameter (the code) fills its copy-code button too."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()
    authentication: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "language": self.language,
            "parameters": list(self.parameters),
            "authentication": self.authentication,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TemplateMessage:
        return cls(
            name=data["name"],
            language=data["language"],
            parameters=tuple(data.get("parameters") or ()),
            authentication=bool(data.get("authentication")),
        )


@dataclass(frozen=True)
class OutboundMessage:
    """One message to send. `choices` are offered as buttons (≤ 3), a list (≤ 10) or
    numbered text, whichever the gateway can show; `button` labels a list's opener.

    A message the business starts (a status change, a reminder) may carry its `template`:
    sent instead of the text when `window_closed` (the customer's last message is more than
    24 hours old), or when the gateway answers that the window is closed. Only the Cloud API
    has the rule; the other gateways send the text."""

    to: Contact
    kind: OutboundKind
    text: str = ""
    choices: tuple[Choice, ...] = field(default_factory=tuple)
    button: str | None = None
    url: str | None = None
    filename: str | None = None
    template: TemplateMessage | None = None
    window_closed: bool = False
    sensitive: bool = False  # carries a one-time code: staff see the transcript line masked

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind.value,
            "text": self.text,
            "choices": [c.__dict__.copy() for c in self.choices],
            "button": self.button,
            "url": self.url,
            "filename": self.filename,
        }
        if self.template is not None:  # replies never carry one: their payload stays as it was
            data["template"] = self.template.to_json()
            data["window_closed"] = self.window_closed
        if self.sensitive:
            data["sensitive"] = True
        return data

    @classmethod
    def from_json(cls, to: Contact, data: dict[str, Any]) -> OutboundMessage:
        template = data.get("template")
        return cls(
            to=to,
            kind=OutboundKind(data["kind"]),
            text=data.get("text") or "",
            choices=tuple(Choice(**c) for c in data.get("choices") or ()),
            button=data.get("button"),
            url=data.get("url"),
            filename=data.get("filename"),
            template=TemplateMessage.from_json(template) if template else None,
            window_closed=bool(data.get("window_closed")),
            sensitive=bool(data.get("sensitive")),
        )


@dataclass(frozen=True)
class SendResult:
    message_id: str | None
