"""Woowa (woo-wa.com; API at notifapi.com or on a dedicated Woowa server's address).

Sending: `POST {base}/api/send_message` with JSON `{"phone_no", "key", "message"}`: the
key travels in the body, not in a header. This synchronous endpoint answers the plain
text "Success" (some servers answer a JSON object with `status` and `message_id`);
anything else is the failure reason (e.g. "phone_offline"). `async_send_message` only
queues and so would hide failures from the outbox: it is not used. `send_file_url` takes
no caption, so a document goes out as caption + link in one text (documents=False keeps
the flows from promising an attachment). No buttons: choices go as numbered text.

Incoming webhook: ASSUMPTION. Woowa's webhook is not publicly documented and is seen in
several shapes, so any of these field names is accepted, as JSON or a form: sender from
`phone_number` | `sender` | `from` | `phone`, text from `message` | `body` | `text`, name
from `contact_name` | `name` | `pushname` | `pushName`, id from `message_id` | `id`, group
from `is_group` | `isGroup` | `group_id` or a "@g.us" sender, media from `url` |
`file_url` with `type` | `message_type` (text, image, document, location…) and
`file_name`, and `timestamp` (Unix seconds or milliseconds). A location is read from the
text as "lat,long". Check one real delivery before going live. Woowa cannot sign its
webhooks, so the URL carries ISPBOT_WEBHOOK_SECRET.
"""

from __future__ import annotations

import json
import math
import mimetypes
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from ispbot.config import Settings
from ispbot.providers.base import (
    Capabilities,
    WebhookRequest,
    check_shared_secret,
    document_text,
    numbered_text,
    post_checked,
)
from ispbot.providers.errors import (
    GatewayError,
    MalformedWebhook,
    PermanentGatewayError,
    RetryableGatewayError,
)
from ispbot.providers.messages import (
    Inbound,
    InboundKind,
    InboundMessage,
    Location,
    Media,
    OutboundKind,
    OutboundMessage,
    SendResult,
)
from ispbot.providers.phone import contact_from_sender

NAME = "woowa"
PERSONAL_SUFFIXES = ("@c.us", "@s.whatsapp.net", "@lid")
SENDER_FIELDS = ("phone_number", "sender", "from", "phone")
KINDS = {
    "text": InboundKind.TEXT,
    "chat": InboundKind.TEXT,
    "image": InboundKind.IMAGE,
    "document": InboundKind.DOCUMENT,
    "location": InboundKind.LOCATION,
}
SUCCESS_WORDS = ("success", "sent", "ok", "true")
PERMANENT_REASONS = ("key", "token", "not registered", "not exist", "invalid number")
RETRYABLE_REASONS = ("offline", "disconnect", "quota", "limit", "too many", "expired", "timeout")


class WoowaProvider:
    name: ClassVar[str] = NAME
    capabilities: ClassVar[Capabilities] = Capabilities(buttons=False, lists=False, documents=False)

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client

    def authenticate(self, request: WebhookRequest) -> None:
        check_shared_secret(request, self._settings.webhook_secret)

    def parse_webhook(self, request: WebhookRequest) -> list[Inbound]:
        body = request.form_or_json()
        sender = _first(body, SENDER_FIELDS)
        if not sender:
            raise MalformedWebhook("Woowa webhook without a sender")
        message = _parse_message(body, sender)
        return [] if message is None else [message]

    async def send(self, message: OutboundMessage) -> SendResult:
        key = self._settings.woowa_token
        if not key:
            raise PermanentGatewayError("ISPBOT_WOOWA_TOKEN is not set: cannot send via Woowa")
        if not message.to.phone:
            raise PermanentGatewayError("Woowa sends to phone numbers only; the contact has none")
        if message.kind in (OutboundKind.DOCUMENT, OutboundKind.IMAGE):
            if not message.url:
                raise PermanentGatewayError(f"{message.kind.value} without a url")
            text = document_text(message)
        else:
            text = numbered_text(message)
        answer = await post_checked(
            self._client,
            self._settings.woowa_base_url.rstrip("/") + "/api/send_message",
            json={"phone_no": message.to.phone, "key": key, "message": text},
            expect_json=False,
        )
        return _send_result(answer)


def _parse_message(body: dict[str, Any], sender: str) -> InboundMessage | None:
    group = _truthy(body.get("is_group")) or _truthy(body.get("isGroup"))
    if group or _text(body.get("group_id")).strip():
        return None
    if "@" in sender and not sender.endswith(PERSONAL_SUFFIXES):
        return None  # groups, broadcasts and channels are not conversations
    name = _first(body, ("contact_name", "name", "pushname", "pushName")).strip()
    contact = contact_from_sender(sender, name=name or None)
    if not contact.phone:
        raise MalformedWebhook("Woowa sender is not a phone number")
    text = _first(body, ("message", "body", "text"))
    declared = _first(body, ("type", "message_type")).strip().lower()
    url = _first(body, ("url", "file_url")).strip() or None
    filename = _text(body.get("file_name")).strip() or None
    kind = KINDS.get(declared, InboundKind.TEXT if not declared and not url else InboundKind.OTHER)
    location = _location(text) if kind is InboundKind.LOCATION else None
    if kind is InboundKind.LOCATION and location is None:
        kind = InboundKind.TEXT  # unreadable coordinates: keep what the customer sent
    if kind is InboundKind.TEXT and not text:
        kind = InboundKind.OTHER
    media = None
    if (url or filename) and kind not in (InboundKind.TEXT, InboundKind.LOCATION):
        media = Media(url=url, filename=filename, mime_type=_guess_mime(filename, url))
    return InboundMessage(
        provider=NAME,
        contact=contact,
        kind=kind,
        message_id=_first(body, ("message_id", "id")).strip() or None,
        timestamp=_timestamp(body.get("timestamp")),
        text="" if location else text,
        media=media,
        location=location,
    )


def _send_result(answer: str) -> SendResult:
    reply = answer.strip()
    if reply.lower() in SUCCESS_WORDS:
        return SendResult(message_id=None)
    try:
        data = json.loads(reply)
    except ValueError:
        data = None
    if isinstance(data, dict):
        status = data.get("status")
        if status is True or _text(status).strip().lower() in SUCCESS_WORDS:
            return SendResult(message_id=_first(data, ("message_id", "id")).strip() or None)
        reply = _first(data, ("message", "reason", "error")) or reply
    raise _refusal(reply[:300] or "empty answer")


def _refusal(reason: str) -> GatewayError:
    lowered = reason.lower()
    if any(marker in lowered for marker in PERMANENT_REASONS):
        return PermanentGatewayError(f"Woowa refused: {reason}")
    if any(marker in lowered for marker in RETRYABLE_REASONS):
        return RetryableGatewayError(f"Woowa refused: {reason}")
    # Unknown answers are retried: the outbox's attempt limit dead-letters them in the end.
    return RetryableGatewayError(f"Woowa refused (unknown answer): {reason}")


def _first(body: dict[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        value = _text(body.get(name))
        if value.strip():
            return value
    return ""


def _text(value: Any) -> str:
    """A string field, accepting numbers (form and JSON disagree); anything else is ""."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**30:
        return str(value)
    return ""


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return value is True or (type(value) is int and value == 1)


def _timestamp(value: Any) -> datetime | None:
    """Unix seconds or milliseconds as an aware UTC datetime; anything else is None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
        if not math.isfinite(seconds) or seconds <= 0:
            return None
        return datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _location(raw: str) -> Location | None:
    parts = raw.split(",")
    if len(parts) != 2:
        return None
    try:
        latitude, longitude = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    finite = math.isfinite(latitude) and math.isfinite(longitude)
    if not finite or abs(latitude) > 90 or abs(longitude) > 180:
        return None
    return Location(latitude=latitude, longitude=longitude)


def _guess_mime(filename: str | None, url: str | None) -> str | None:
    for name in (filename or "", (url or "").split("?")[0].rsplit("/", 1)[-1]):
        if "." in name:
            extension = name.rsplit(".", 1)[-1].lower()
            if extension.isascii() and extension.isalnum():
                return mimetypes.guess_type(f"file.{extension}", strict=False)[0]
    return None
