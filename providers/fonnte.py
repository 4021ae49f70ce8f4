"""Fonnte (fonnte.com), the most common unofficial WhatsApp gateway in Indonesia.

Incoming-message webhook, posted as JSON or (depending on the device's set-up) as a form:
`sender` ("628…", or a "…@g.us" group id), `message`, `name`, `type` (text, image,
location, document, video, audio, sticker…), `location` ("lat,long"), `url` + `filename` +
`extension` for media (higher packages only), `isgroup`, `inboxid` (0 unless the device's
inbox feature is on) and, since January 2026, `timestamp`; older payloads duplicate
`pesan`/`pengirim`. Without an inbox id the inbox must dedupe by sender + timestamp +
content: `message_id` is None then.

Message-status webhook (the device's "webhookstatus" URL, replacing the deprecated status
API): `device`, `id` (the id `/send` answered), `stateid`, `status` (Fonnte's: sent,
pending, invalid, expired…) and `state` (WhatsApp's: delivered, read…). WhatsApp's later
updates carry only `stateid` + `state`, so their `message_id` is the stateid.
Device-connection webhook (`device`, `status` connect/disconnect, `reason`): ignored.
Fonnte cannot sign its webhooks, so the URL carries ISPBOT_WEBHOOK_SECRET.

Sending: `POST {base}/send`, header `Authorization: <token>`, form `target`, `message`,
`countryCode`, optional `url` + `filename`; answers `{"status": true, "id": [...]}` or
`{"status": false, "reason": "..."}`. No interactive buttons: choices go as numbered text.
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

NAME = "fonnte"
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp", "gif", "heic"})
DOCUMENT_EXTENSIONS = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "csv"})
PERSONAL_SUFFIXES = ("@c.us", "@s.whatsapp.net", "@lid")

# `state` (WhatsApp's) or `status` (Fonnte's) → outcome. "pending", "waiting" and
# "processing" are not outcomes yet: such updates are dropped.
STATES: dict[str, DeliveryState] = {
    "sent": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.READ,
    "played": DeliveryState.READ,
    "invalid": DeliveryState.FAILED,
    "expired": DeliveryState.FAILED,
    "failed": DeliveryState.FAILED,
    "url unreachable": DeliveryState.FAILED,
}

# Reasons seen in Fonnte's answers ("invalid token", "token invalid", "unknown user",
# "target invalid", "request invalid on disconnected device", "out of quota"…), matched as
# lower-case substrings; permanent markers are checked first.
PERMANENT_REASONS = (
    "token",
    "unknown user",
    "invalid device",
    "target",
    "not registered",
    "input invalid",
    "url invalid",
    "file format",
)
RETRYABLE_REASONS = ("disconnect", "quota", "limit", "too many", "wait", "busy", "timeout")


class FonnteProvider:
    name: ClassVar[str] = NAME
    capabilities: ClassVar[Capabilities] = Capabilities(buttons=False, lists=False, documents=True)

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client

    def authenticate(self, request: WebhookRequest) -> None:
        check_shared_secret(request, self._settings.webhook_secret)

    def parse_webhook(self, request: WebhookRequest) -> list[Inbound]:
        body = request.form_or_json()
        if _text(body.get("sender")) or _text(body.get("pengirim")):
            message = _parse_message(body)
            return [] if message is None else [message]
        if _text(body.get("id")) or _text(body.get("stateid")):
            return _parse_status(body)
        if _text(body.get("status")).lower() in ("connect", "disconnect"):
            return []  # device connected / disconnected: nothing for the bot
        raise MalformedWebhook("Fonnte webhook with neither a sender nor a message id")

    async def send(self, message: OutboundMessage) -> SendResult:
        token = self._settings.fonnte_token
        if not token:
            raise PermanentGatewayError("ISPBOT_FONNTE_TOKEN is not set: cannot send via Fonnte")
        url = self._settings.fonnte_base_url.rstrip("/") + "/send"
        answer = await post_checked(
            self._client, url, headers={"Authorization": token}, data=_send_form(message)
        )
        return _send_result(answer)


def _parse_message(body: dict[str, Any]) -> InboundMessage | None:
    sender = _text(body.get("sender")) or _text(body.get("pengirim"))
    if _truthy(body.get("isgroup")) or ("@" in sender and not sender.endswith(PERSONAL_SUFFIXES)):
        return None  # groups, broadcasts and channels are not conversations
    contact = contact_from_sender(sender, name=_text(body.get("name")).strip() or None)
    if not contact.phone:
        raise MalformedWebhook("Fonnte sender is not a phone number")
    kind, text, media, location = _content(body)
    return InboundMessage(
        provider=NAME,
        contact=contact,
        kind=kind,
        message_id=_inbox_id(body.get("inboxid")),
        timestamp=_timestamp(body.get("timestamp")),
        text=text,
        media=media,
        location=location,
    )


def _content(
    body: dict[str, Any],
) -> tuple[InboundKind, str, Media | None, Location | None]:
    text = _text(body.get("message")) or _text(body.get("pesan"))
    kind = _text(body.get("type")).strip().lower()
    raw_location = _text(body.get("location")).strip()
    if kind == "location" or raw_location:
        location = _location(raw_location)
        if location is None:  # unreadable coordinates: keep what the customer sent
            return InboundKind.TEXT, text or raw_location, None, None
        return InboundKind.LOCATION, text, None, location
    url = _text(body.get("url")).strip() or None
    filename = _text(body.get("filename")).strip() or None
    extension = _extension(_text(body.get("extension")), filename, url)
    media = None
    if url or filename:
        media = Media(url=url, filename=filename, mime_type=_mime(extension))
    untyped = kind in ("", "text")
    if kind == "image" or (untyped and url and extension in IMAGE_EXTENSIONS):
        return InboundKind.IMAGE, text, media, None
    if kind == "document" or (untyped and url and extension in DOCUMENT_EXTENSIONS):
        return InboundKind.DOCUMENT, text, media, None
    if untyped and not url and text:
        return InboundKind.TEXT, text, None, None
    return InboundKind.OTHER, text, media, None  # video, audio, sticker, poll, empty…


def _parse_status(body: dict[str, Any]) -> list[Inbound]:
    message_id = _text(body.get("id")) or _text(body.get("stateid"))
    raw = (_text(body.get("state")) or _text(body.get("status"))).strip().lower()
    state = STATES.get(raw)
    if state is None:
        return []
    return [
        DeliveryStatus(
            provider=NAME,
            message_id=message_id,
            state=state,
            timestamp=_timestamp(body.get("timestamp")),
            error=raw if state is DeliveryState.FAILED else None,
        )
    ]


def _send_form(message: OutboundMessage) -> dict[str, str]:
    if not message.to.phone:
        raise PermanentGatewayError("Fonnte sends to phone numbers only; the contact has none")
    form = {"target": message.to.phone, "message": numbered_text(message), "countryCode": "62"}
    if message.kind in (OutboundKind.DOCUMENT, OutboundKind.IMAGE):
        if not message.url:
            raise PermanentGatewayError(f"{message.kind.value} without a url")
        form["url"] = message.url
        if message.filename:
            form["filename"] = message.filename
    return form


def _send_result(answer: Any) -> SendResult:
    if not isinstance(answer, dict):
        raise RetryableGatewayError("Fonnte answered with JSON that is not an object")
    if _truthy(answer.get("status")):
        ids = answer.get("id")
        first = ids[0] if isinstance(ids, list) and ids else ids
        return SendResult(message_id=_text(first) or None)
    raise _refusal(_text(answer.get("reason")) or "no reason given")


def _refusal(reason: str) -> GatewayError:
    lowered = reason.lower()
    if any(marker in lowered for marker in PERMANENT_REASONS):
        return PermanentGatewayError(f"Fonnte refused: {reason}")
    if any(marker in lowered for marker in RETRYABLE_REASONS):
        return RetryableGatewayError(f"Fonnte refused: {reason}")
    # An unknown reason is more often a passing state of the device or the service than a
    # fault in the message; the outbox's attempt limit still dead-letters it in the end.
    return RetryableGatewayError(f"Fonnte refused (unknown reason): {reason}")


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


def _inbox_id(value: Any) -> str | None:
    text = _text(value).strip()
    if text.isascii() and text.isdigit() and int(text) != 0:
        return str(int(text))
    return None


def _timestamp(value: Any) -> datetime | None:
    """Unix seconds (or milliseconds) as an aware UTC datetime; anything else is None."""
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
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None
    return Location(latitude=latitude, longitude=longitude)


def _extension(extension: str, filename: str | None, url: str | None) -> str:
    candidates = [extension.strip().lstrip(".")]
    for name in (filename or "", (url or "").split("?")[0].rsplit("/", 1)[-1]):
        if "." in name:
            candidates.append(name.rsplit(".", 1)[-1])
    for candidate in candidates:
        candidate = candidate.strip().lower()
        if candidate and candidate.isascii() and candidate.isalnum() and len(candidate) <= 8:
            return candidate
    return ""


def _mime(extension: str) -> str | None:
    return mimetypes.guess_type(f"file.{extension}", strict=False)[0] if extension else None
