"""WAHA (self-hosted WhatsApp HTTP API, devlikeapro/waha) as a gateway.

Webhooks: `{"event", "session", "timestamp" (ms), "payload"}`. `message` carries a customer's
message (`payload.timestamp` in seconds); `message.ack` a delivery state of ours (ack -1 error,
0 pending, 1 server, 2 device, 3 read, 4 played). `message.any` repeats `message` and adds our
own messages, so it is ignored, as are groups, broadcasts, channels and session events.

Authenticity: with ISPBOT_WAHA_HMAC_KEY set (WAHA's `hmac.key` / WHATSAPP_HOOK_HMAC_KEY),
`X-Webhook-Hmac` must be the hex HMAC-SHA512 of the raw body; WAHA only ever signs with
SHA-512, so `X-Webhook-Hmac-Algorithm` is not consulted. Otherwise the shared secret applies.

Choices: WAHA's button and list endpoints are unreliable on its free engines (WEBJS, NOWEB:
WhatsApp drops them for ordinary accounts), so choices go out as numbered text and the
answers come back as ordinary text. Documents go through `/api/sendFile`; WAHA Core answers
that with 422 "available only in Plus version", and the document is then sent as caption
plus link instead.
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
    check_hmac,
    check_shared_secret,
    document_text,
    numbered_text,
    post_checked,
)
from ispbot.providers.errors import MalformedWebhook, PermanentGatewayError
from ispbot.providers.messages import (
    Contact,
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

_NAME = "waha"
_ACKS = {
    -1: DeliveryState.FAILED,
    1: DeliveryState.SENT,
    2: DeliveryState.DELIVERED,
    3: DeliveryState.READ,
    4: DeliveryState.READ,
}
_ACK_NAMES = {"ERROR": -1, "SERVER": 1, "DEVICE": 2, "READ": 3, "PLAYED": 4}
_NOT_A_PERSON = ("@g.us", "@broadcast", "@newsletter")
_SYSTEM_TYPES = frozenset(
    {"e2e_notification", "notification_template", "gp2", "protocol", "revoked"}
)
_PLUS_ONLY = "Plus version"


class WahaProvider:
    name: ClassVar[str] = _NAME
    capabilities: ClassVar[Capabilities] = Capabilities(buttons=False, lists=False, documents=True)

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client
        self._base = settings.waha_base_url.rstrip("/")

    def authenticate(self, request: WebhookRequest) -> None:
        if self._settings.waha_hmac_key:
            check_hmac(
                request, "x-webhook-hmac", self._settings.waha_hmac_key, setting="ISPBOT_WAHA_HMAC_KEY", algo="sha512"
            )
        else:
            check_shared_secret(request, self._settings.webhook_secret)

    def parse_webhook(self, request: WebhookRequest) -> list[Inbound]:
        try:
            body = request.json_object()
        except RecursionError as exc:
            raise MalformedWebhook("body nests too deeply") from exc
        event = body.get("event")
        if event == "message":
            return _message(body)
        if event == "message.ack":
            return _ack(body)
        return []

    async def send(self, message: OutboundMessage) -> SendResult:
        chat_id = _chat_id(message.to)
        if message.kind in (OutboundKind.DOCUMENT, OutboundKind.IMAGE):
            try:
                return await self._post(_file_endpoint(message), _file_body(message), chat_id)
            except PermanentGatewayError as exc:
                if _PLUS_ONLY not in str(exc):
                    raise
            return await self._post("/api/sendText", {"text": document_text(message)}, chat_id)
        return await self._post("/api/sendText", {"text": numbered_text(message)}, chat_id)

    async def _post(self, path: str, fields: dict[str, Any], chat_id: str) -> SendResult:
        headers = {"X-Api-Key": self._settings.waha_api_key} if self._settings.waha_api_key else {}
        body = {"session": self._settings.waha_session, "chatId": chat_id, **fields}
        data = await post_checked(self._client, self._base + path, json=body, headers=headers)
        return SendResult(message_id=_sent_id(data, chat_id))


# Webhooks


def _message(body: dict[str, Any]) -> list[Inbound]:
    payload = _payload(body)
    sender = payload.get("from")
    if not isinstance(sender, str) or not sender:
        raise MalformedWebhook("message without sender")
    raw = _dict(payload.get("_data"))
    if payload.get("fromMe") is True or sender.endswith(_NOT_A_PERSON):
        return []
    if _str(raw.get("type")) in _SYSTEM_TYPES:
        return []
    kind, media, location = _content(payload, raw)
    has_text = kind in (InboundKind.TEXT, InboundKind.IMAGE, InboundKind.DOCUMENT)
    text = _str(payload.get("body")) if has_text else None
    message = InboundMessage(
        provider=_NAME,
        contact=_contact(sender, raw),
        kind=kind,
        message_id=_str(payload.get("id")),
        timestamp=_epoch(payload.get("timestamp"), 1) or _epoch(body.get("timestamp"), 1000),
        text=text or "",
        media=media,
        location=location,
        reply_to=_reply_to(payload.get("replyTo")),
    )
    return [message]


def _ack(body: dict[str, Any]) -> list[Inbound]:
    payload = _payload(body)
    message_id = _str(payload.get("id"))
    if not message_id:
        raise MalformedWebhook("ack without message id")
    chat = _str(payload.get("to"))
    if payload.get("fromMe") is False or (chat and chat.endswith(_NOT_A_PERSON)):
        return []
    state = _ack_state(payload.get("ack"), payload.get("ackName"))
    if state is None:
        return []
    recipient = _contact(chat, {}).phone if chat else None
    timestamp = _epoch(body.get("timestamp"), 1000)
    return [DeliveryStatus(_NAME, message_id, state, recipient=recipient, timestamp=timestamp)]


def _payload(body: dict[str, Any]) -> dict[str, Any]:
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise MalformedWebhook("event without payload object")
    return payload


def _content(
    payload: dict[str, Any], raw: dict[str, Any]
) -> tuple[InboundKind, Media | None, Location | None]:
    if isinstance(payload.get("location"), dict):
        location = _location(payload["location"])
        return (InboundKind.LOCATION if location else InboundKind.OTHER), None, location
    media = _media(payload.get("media"))
    if payload.get("hasMedia") is True or media is not None:
        return _media_kind(media, _str(raw.get("type"))), media, None
    if (_str(payload.get("body")) or "").strip():
        return InboundKind.TEXT, None, None
    return InboundKind.OTHER, None, None


def _media_kind(media: Media | None, raw_type: str | None) -> InboundKind:
    mime = (media.mime_type or "").lower() if media else ""
    if raw_type == "sticker":
        return InboundKind.OTHER
    if mime.startswith("image/") or (not mime and raw_type == "image"):
        return InboundKind.IMAGE
    if mime.startswith(("application/", "text/")) or (not mime and raw_type == "document"):
        return InboundKind.DOCUMENT
    return InboundKind.OTHER


def _media(value: object) -> Media | None:
    if not isinstance(value, dict):
        return None
    url, mime = _str(value.get("url")), _str(value.get("mimetype"))
    if url is None and mime is None:
        return None
    return Media(url=url, mime_type=mime, filename=_str(value.get("filename")))


def _location(value: dict[str, Any]) -> Location | None:
    latitude, longitude = _coordinate(value.get("latitude")), _coordinate(value.get("longitude"))
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None
    return Location(latitude, longitude, name=_str(value.get("description")) or None)


def _coordinate(value: object) -> float | None:
    """WAHA sends coordinates as strings ("-6.921"); other engines may send numbers."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _contact(jid: str, raw: dict[str, Any]) -> Contact:
    """A chat id as a Contact. A `@lid` id (WhatsApp's privacy id) is not a phone number:
    it becomes the user id, unless the engine gives the phone JID alongside."""
    name = _str(raw.get("notifyName")) or _str(raw.get("pushName"))
    if jid.endswith("@lid"):
        key = _dict(raw.get("key"))
        alt = _str(key.get("senderPn")) or _str(key.get("remoteJidAlt"))
        if not alt or alt.endswith("@lid"):
            return Contact(phone=None, user_id=jid, name=name or None)
        jid = alt
    return contact_from_sender(jid, name=name)


def _reply_to(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return _str(value)


def _ack_state(ack: object, ack_name: object) -> DeliveryState | None:
    if isinstance(ack, bool) or not isinstance(ack, int):
        ack = _ACK_NAMES.get(ack_name) if isinstance(ack_name, str) else None
    return _ACKS.get(ack) if ack is not None else None


def _epoch(value: object, per_second: int) -> datetime | None:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        return None
    try:
        return datetime.fromtimestamp(value / per_second, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# Sending


def _chat_id(to: Contact) -> str:
    if to.phone:
        return f"{to.phone}@c.us"
    if to.user_id and "@" in to.user_id:
        return to.user_id
    raise PermanentGatewayError("recipient has no phone number")


def _file_endpoint(message: OutboundMessage) -> str:
    return "/api/sendImage" if message.kind is OutboundKind.IMAGE else "/api/sendFile"


def _file_body(message: OutboundMessage) -> dict[str, Any]:
    if not message.url:
        raise PermanentGatewayError(f"{message.kind.value} without url")
    if message.kind is OutboundKind.IMAGE:
        filename = message.filename or "gambar.jpg"
        mimetype = mimetypes.guess_type(filename)[0] or "image/jpeg"
    else:
        filename, mimetype = message.filename or "dokumen.pdf", "application/pdf"
    file = {"url": message.url, "filename": filename, "mimetype": mimetype}
    return {"file": file, "caption": message.text}


def _sent_id(data: object, chat_id: str) -> str | None:
    """WEBJS answers with the message (`id` object with `_serialized`); NOWEB with the
    Baileys message (`key.id`), whose serialised form the acks use: `true_<chat>_<id>`."""
    if not isinstance(data, dict):
        return None
    ident = data.get("id")
    if isinstance(ident, dict):
        ident = _str(ident.get("_serialized")) or _str(ident.get("id"))
    if isinstance(ident, str) and ident:
        return ident
    key_id = _str(_dict(data.get("key")).get("id"))
    return f"true_{chat_id}_{key_id}" if key_id else None
