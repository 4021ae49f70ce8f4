"""Wablas (wablas.com, one server per customer: solo., bdg., pati.… .wablas.com).

Incoming webhook: Wablas does not publish its format. ASSUMPTION: the field set of
Wablas's own sample webhook script, which integrations read, posted as JSON or a form:
`id`, `phone` (the sender), `message`, `pushName`, `isGroup` (+ `group`), `messageType`
(text, image, document, video, audio, location), `url` (media URL) + `file` (file name) +
`mimeType` for media, `deviceId`, `sender` (the device's OWN number, not the customer's)
and `timestamp` (Unix seconds/milliseconds or ISO-8601 with an offset; anything else is
ignored). A location is read from `message` as "lat,long" (assumption) and otherwise
kept as text. Wablas's tracking webhook (`id`, `phone`, `status` sent | received | read |
cancel | reject | pending, no `message`) becomes a DeliveryStatus. Wablas cannot sign
its webhooks, so the URL carries ISPBOT_WEBHOOK_SECRET.

Sending: form posts with header `Authorization: <token>`, or `<token>.<secret key>` when
the device has a secret key (newer Wablas servers require it): `/api/send-message`
(`phone`, `message`), `/api/send-document` (`phone`, `document` URL, `caption`),
`/api/send-image` (`phone`, `image` URL, `caption`). Answer: `{"status": true, "message":
"...", "data": {"device_id", "quota", "messages": [{"id", "phone", "status"}]}}` or
`{"status": false, "message": "<reason>"}`. No buttons: choices go as numbered text.
"""

from __future__ import annotations

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
    DeliveryState,
    DeliveryStatus,
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

NAME = "wablas"
PERSONAL_SUFFIXES = ("@c.us", "@s.whatsapp.net", "@lid")
KINDS = {
    "text": InboundKind.TEXT,
    "image": InboundKind.IMAGE,
    "document": InboundKind.DOCUMENT,
    "location": InboundKind.LOCATION,
}
# The tracking webhook's `status`; "pending" is not an outcome yet.
STATES = {
    "sent": DeliveryState.SENT,
    "received": DeliveryState.DELIVERED,
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.READ,
    "cancel": DeliveryState.FAILED,
    "reject": DeliveryState.FAILED,
    "failed": DeliveryState.FAILED,
}
PERMANENT_REASONS = ("token", "secret", "not registered", "invalid phone", "phone invalid")
RETRYABLE_REASONS = ("disconnect", "not connected", "quota", "limit", "too many", "expired")


class WablasProvider:
    name: ClassVar[str] = NAME
    capabilities: ClassVar[Capabilities] = Capabilities(buttons=False, lists=False, documents=True)

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client

    def authenticate(self, request: WebhookRequest) -> None:
        check_shared_secret(request, self._settings.webhook_secret)

    def parse_webhook(self, request: WebhookRequest) -> list[Inbound]:
        body = request.form_or_json()
        if "message" not in body and "messageType" not in body and _text(body.get("status")):
            return _parse_status(body)
        if not _text(body.get("phone")):
            raise MalformedWebhook("Wablas webhook without a phone")
        message = _parse_message(body)
        return [] if message is None else [message]

    async def send(self, message: OutboundMessage) -> SendResult:
        token = self._settings.wablas_token
        if not token:
            raise PermanentGatewayError("ISPBOT_WABLAS_TOKEN is not set: cannot send via Wablas")
        secret = self._settings.wablas_secret_key
        path, form = _request(message)
        answer = await post_checked(
            self._client,
            self._settings.wablas_base_url.rstrip("/") + path,
            headers={"Authorization": f"{token}.{secret}" if secret else token},
            data=form,
        )
        return _send_result(answer)


def _parse_message(body: dict[str, Any]) -> InboundMessage | None:
    phone = _text(body.get("phone"))
    if _truthy(body.get("isGroup")) or ("@" in phone and not phone.endswith(PERSONAL_SUFFIXES)):
        return None  # groups, broadcasts and channels are not conversations
    contact = contact_from_sender(phone, name=_text(body.get("pushName")).strip() or None)
    if not contact.phone:
        raise MalformedWebhook("Wablas phone is not a phone number")
    text = _text(body.get("message"))
    kind = KINDS.get(_text(body.get("messageType")).strip().lower(), InboundKind.OTHER)
    url = _text(body.get("url")).strip() or None
    filename = _text(body.get("file")).strip() or None
    media = None
    if url or filename:
        mime = _text(body.get("mimeType")).strip() or None
        media = Media(url=url, filename=filename, mime_type=mime or _guess_mime(filename, url))
    location = _location(text) if kind is InboundKind.LOCATION else None
    if kind is InboundKind.LOCATION and location is None:
        kind = InboundKind.TEXT  # unreadable coordinates: keep what the customer sent
    if kind is InboundKind.TEXT and not text:
        kind = InboundKind.OTHER
    return InboundMessage(
        provider=NAME,
        contact=contact,
        kind=kind,
        message_id=_text(body.get("id")).strip() or None,
        timestamp=_timestamp(body.get("timestamp")),
        text="" if location else text,
        media=None if kind in (InboundKind.TEXT, InboundKind.LOCATION) else media,
        location=location,
    )


def _parse_status(body: dict[str, Any]) -> list[Inbound]:
    message_id = _text(body.get("id")).strip()
    state = STATES.get(_text(body.get("status")).strip().lower())
    if not message_id:
        raise MalformedWebhook("Wablas status without a message id")
    if state is None:
        return []
    phone = _text(body.get("phone"))
    return [
        DeliveryStatus(
            provider=NAME,
            message_id=message_id,
            state=state,
            recipient=contact_from_sender(phone).phone if phone else None,
            timestamp=_timestamp(body.get("timestamp")),
            error=_text(body.get("status")) if state is DeliveryState.FAILED else None,
        )
    ]


def _request(message: OutboundMessage) -> tuple[str, dict[str, str]]:
    if not message.to.phone:
        raise PermanentGatewayError("Wablas sends to phone numbers only; the contact has none")
    phone = message.to.phone
    if message.kind in (OutboundKind.DOCUMENT, OutboundKind.IMAGE):
        if not message.url:
            raise PermanentGatewayError(f"{message.kind.value} without a url")
        if message.kind is OutboundKind.IMAGE:
            return "/api/send-image", {
                "phone": phone,
                "image": message.url,
                "caption": message.text,
            }
        return "/api/send-document", {
            "phone": phone,
            "document": message.url,
            "caption": message.text,
        }
    return "/api/send-message", {"phone": phone, "message": numbered_text(message)}


def _send_result(answer: Any) -> SendResult:
    if not isinstance(answer, dict):
        raise RetryableGatewayError("Wablas answered with JSON that is not an object")
    if not _truthy(answer.get("status")):
        raise _refusal(_text(answer.get("message")) or "no reason given")
    data = answer.get("data")
    messages = data.get("messages") if isinstance(data, dict) else None
    first = messages[0] if isinstance(messages, list) and messages else None
    message_id = _text(first.get("id")) if isinstance(first, dict) else ""
    return SendResult(message_id=message_id or None)


def _refusal(reason: str) -> GatewayError:
    lowered = reason.lower()
    if any(marker in lowered for marker in PERMANENT_REASONS):
        return PermanentGatewayError(f"Wablas refused: {reason}")
    if any(marker in lowered for marker in RETRYABLE_REASONS):
        return RetryableGatewayError(f"Wablas refused: {reason}")
    # Unknown reasons are retried: the outbox's attempt limit dead-letters them in the end.
    return RetryableGatewayError(f"Wablas refused (unknown reason): {reason}")


def _text(value: Any) -> str:
    """A string field, accepting numbers (Wablas sends phones as numbers); else ""."""
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
    """Unix seconds or milliseconds, or ISO-8601 with an offset, as aware UTC; else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):
        return _iso_timestamp(value) if isinstance(value, str) else None
    if not math.isfinite(seconds) or seconds <= 0:
        return None
    try:
        return datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _iso_timestamp(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            return None  # a naive time could be WIB or UTC: better no time than a wrong one
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
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
