"""The sandbox gateway, the embedded default: the `/sandbox` web page and `ispbot chat`
post here, and "sending" succeeds at once because the outbox row itself is what the
sandbox page shows. It renders choices as buttons and lists like Meta's Cloud API, so the
interactive path is exercised without any gateway account.

Body: `{"phone": "0812…", "text": "…", "choice_id": null, "message_id": "…",
"location": {"latitude": …, "longitude": …}, "image_url": "…", "name": "…"}`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from ispbot.config import Settings
from ispbot.providers.base import Capabilities, WebhookRequest, check_shared_secret
from ispbot.providers.errors import MalformedWebhook
from ispbot.providers.messages import (
    Contact,
    Inbound,
    InboundKind,
    InboundMessage,
    Location,
    Media,
    OutboundMessage,
    SendResult,
)
from ispbot.providers.phone import InvalidPhone, normalize_phone


class SandboxProvider:
    name: ClassVar[str] = "sandbox"
    capabilities: ClassVar[Capabilities] = Capabilities(buttons=True, lists=True, documents=True)

    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings

    def authenticate(self, request: WebhookRequest) -> None:
        # The sandbox runs only with no real gateway configured (a developer's machine, a
        # demo): open unless a secret is set.
        if self.settings.webhook_secret:
            check_shared_secret(request, self.settings.webhook_secret)

    def parse_webhook(self, request: WebhookRequest) -> list[Inbound]:
        body = request.json_object()
        phone = body.get("phone")
        if not isinstance(phone, str):
            raise MalformedWebhook("phone is required")
        try:
            contact = Contact(phone=normalize_phone(phone), name=_str(body.get("name")))
        except InvalidPhone as exc:
            raise MalformedWebhook("phone is not an Indonesian mobile number") from exc
        text = _str(body.get("text")) or ""
        message_id = _str(body.get("message_id")) or uuid.uuid4().hex
        common: dict[str, Any] = {
            "provider": self.name,
            "contact": contact,
            "message_id": message_id,
            "timestamp": datetime.now(UTC),
        }
        if choice_id := _str(body.get("choice_id")):
            return [InboundMessage(kind=InboundKind.CHOICE, text=text, choice_id=choice_id, **common)]
        if isinstance(loc := body.get("location"), dict):
            try:
                location = Location(float(loc["latitude"]), float(loc["longitude"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise MalformedWebhook("location needs latitude and longitude") from exc
            return [InboundMessage(kind=InboundKind.LOCATION, location=location, **common)]
        if image_url := _str(body.get("image_url")):
            media = Media(url=image_url, mime_type=_str(body.get("mime_type")) or "image/jpeg")
            return [InboundMessage(kind=InboundKind.IMAGE, text=text, media=media, **common)]
        return [InboundMessage(kind=InboundKind.TEXT, text=text, **common)]

    async def send(self, message: OutboundMessage) -> SendResult:
        return SendResult(message_id=f"sandbox-{uuid.uuid4().hex}")


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
