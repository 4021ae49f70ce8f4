"""Evolution API (EvolutionAPI/evolution-api, Baileys based) as a gateway.

Webhooks: `{"event", "instance", "data", "date_time", "sender", "apikey", …}`; `sender` is
the instance's own number, never the customer. `messages.upsert` carries a WhatsApp message
(`data` an object, or a list of them) with `key.remoteJid`, `key.fromMe`, `key.id`,
`pushName`, `messageTimestamp` (seconds) and the Baileys `message` content;
`messages.update` carries delivery states of our messages (`keyId`, `status`). With "webhook
by events" Evolution appends `/messages-upsert` etc. to the URL; the body is the same.

Authenticity: the shared secret (`?secret=` in the webhook URL, or `X-Webhook-Secret`).
Evolution also puts the instance's API key into the body as `apikey` when it exposes keys
(AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES); when ISPBOT_EVOLUTION_API_KEY is set and equals
that field (compared in constant time), the webhook is authentic too.

Choices: Evolution's buttons and lists only reach users on some connection types (the
Cloud API integration, not Baileys), so choices go out as numbered text. Button and list
answers that do arrive are still read as choices.
"""

from __future__ import annotations

import hmac
import math
import mimetypes
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from ispbot.config import Settings
from ispbot.providers.base import (
    Capabilities,
    WebhookRequest,
    check_shared_secret,
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

_NAME = "evolution"
_STATES = {
    "SERVER_ACK": DeliveryState.SENT,
    "DELIVERY_ACK": DeliveryState.DELIVERED,
    "READ": DeliveryState.READ,
    "PLAYED": DeliveryState.READ,
    "ERROR": DeliveryState.FAILED,
}
_NOT_A_PERSON = ("@g.us", "@broadcast", "@newsletter")
_WRAPPERS = (
    "ephemeralMessage",
    "viewOnceMessage",
    "viewOnceMessageV2",
    "documentWithCaptionMessage",
)
# Message parts that are no customer message on their own: key exchange, receipts, edits.
_NOISE = frozenset(
    {"messageContextInfo", "senderKeyDistributionMessage", "protocolMessage", "reactionMessage",
     "pollUpdateMessage", "keepInChatMessage", "pinInChatMessage", "mediaUrl", "base64"}
)  # fmt: skip


class EvolutionProvider:
    name: ClassVar[str] = _NAME
    capabilities: ClassVar[Capabilities] = Capabilities(buttons=False, lists=False, documents=True)

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client
        self._base = settings.evolution_base_url.rstrip("/")
        self._instance = quote(settings.evolution_instance, safe="")

    def authenticate(self, request: WebhookRequest) -> None:
        if self._body_apikey_matches(request):
            return
        check_shared_secret(request, self._settings.webhook_secret)

    def _body_apikey_matches(self, request: WebhookRequest) -> bool:
        expected = self._settings.evolution_api_key
        if not expected:
            return False
        try:
            given = request.json_object().get("apikey")
        except (MalformedWebhook, RecursionError):
            return False
        if not isinstance(given, str) or not given:
            return False
        return hmac.compare_digest(_bytes(given), _bytes(expected))

    def parse_webhook(self, request: WebhookRequest) -> list[Inbound]:
        try:
            body = request.json_object()
        except RecursionError as exc:
            raise MalformedWebhook("body nests too deeply") from exc
        event = body.get("event")
        event = event.lower().replace("_", ".") if isinstance(event, str) else None
        if event == "messages.upsert":
            found: list[Inbound | None] = [_inbound(item) for item in _items(body)]
        elif event == "messages.update":
            found = [_status(item, body) for item in _items(body)]
        else:
            return []
        return [item for item in found if item is not None]

    async def send(self, message: OutboundMessage) -> SendResult:
        number = _number(message.to)
        if message.kind in (OutboundKind.DOCUMENT, OutboundKind.IMAGE):
            return await self._post("sendMedia", {"number": number, **_media_body(message)})
        return await self._post("sendText", {"number": number, "text": numbered_text(message)})

    async def _post(self, endpoint: str, body: dict[str, Any]) -> SendResult:
        key = self._settings.evolution_api_key
        url = f"{self._base}/message/{endpoint}/{self._instance}"
        data = await post_checked(
            self._client, url, json=body, headers={"apikey": key} if key else {}
        )
        key_id = _dict(data).get("key")
        return SendResult(message_id=_str(_dict(key_id).get("id")))


# Webhooks


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    data = body.get("data")
    items = data if isinstance(data, list) else [data]
    if not all(isinstance(item, dict) for item in items):
        raise MalformedWebhook("event data is not an object or a list of objects")
    return items


def _inbound(item: dict[str, Any]) -> InboundMessage | None:
    key = item.get("key")
    if not isinstance(key, dict) or not _str(key.get("remoteJid")):
        raise MalformedWebhook("message without key.remoteJid")
    jid: str = key["remoteJid"]
    if key.get("fromMe") is True or jid.endswith(_NOT_A_PERSON):
        return None
    outer = _dict(item.get("message"))
    content = _unwrap(outer)
    if not set(content) - _NOISE:
        return None  # a stub (call log, key exchange, deletion), not a customer message
    return InboundMessage(
        provider=_NAME,
        contact=_contact(jid, key, item.get("pushName")),
        message_id=_str(key.get("id")),
        timestamp=_timestamp(item.get("messageTimestamp")),
        reply_to=_reply_to(item, content),
        **_classify(content, _str(outer.get("mediaUrl"))),
    )


def _unwrap(message: dict[str, Any]) -> dict[str, Any]:
    for _ in range(3):
        inner = next((message[w] for w in _WRAPPERS if isinstance(message.get(w), dict)), None)
        if inner is None or not isinstance(inner.get("message"), dict):
            break
        message = inner["message"]
    return message


def _classify(content: dict[str, Any], media_url: str | None) -> dict[str, Any]:
    extended = _dict(content.get("extendedTextMessage"))
    text = _str(content.get("conversation")) or _str(extended.get("text"))
    if text:
        return {"kind": InboundKind.TEXT, "text": text}
    for parse in (_choice, _location):
        fields = parse(content)
        if fields is not None:
            return fields
    if isinstance(content.get("imageMessage"), dict):
        return _media(content["imageMessage"], InboundKind.IMAGE, media_url)
    if isinstance(content.get("documentMessage"), dict):
        return _media(content["documentMessage"], InboundKind.DOCUMENT, media_url)
    return {"kind": InboundKind.OTHER}


def _choice(content: dict[str, Any]) -> dict[str, Any] | None:
    buttons = _dict(content.get("buttonsResponseMessage"))
    listed = _dict(content.get("listResponseMessage"))
    for choice_id, title in (
        (buttons.get("selectedButtonId"), buttons.get("selectedDisplayText")),
        (_dict(listed.get("singleSelectReply")).get("selectedRowId"), listed.get("title")),
    ):
        if isinstance(choice_id, str) and choice_id:
            return {"kind": InboundKind.CHOICE, "choice_id": choice_id, "text": _str(title) or ""}
    return None


def _location(content: dict[str, Any]) -> dict[str, Any] | None:
    part = content.get("locationMessage") or content.get("liveLocationMessage")
    if not isinstance(part, dict):
        return None
    lat, lon = _coordinate(part.get("degreesLatitude")), _coordinate(part.get("degreesLongitude"))
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return {"kind": InboundKind.OTHER}
    place = Location(lat, lon, name=_str(part.get("name")), address=_str(part.get("address")))
    return {"kind": InboundKind.LOCATION, "location": place}


def _media(part: dict[str, Any], kind: InboundKind, media_url: str | None) -> dict[str, Any]:
    """`url` is WhatsApp's encrypted CDN file; `message.mediaUrl` (Evolution's S3 copy) is
    preferred when Evolution stores media."""
    media = Media(
        url=media_url or _str(part.get("url")),
        mime_type=_str(part.get("mimetype")),
        filename=_str(part.get("fileName")) or _str(part.get("title")),
    )
    return {"kind": kind, "media": media, "text": _str(part.get("caption")) or ""}


def _status(item: dict[str, Any], body: dict[str, Any]) -> DeliveryStatus | None:
    state = _STATES.get(item["status"]) if isinstance(item.get("status"), str) else None
    jid = _str(item.get("remoteJid"))
    if state is None or item.get("fromMe") is False or (jid and jid.endswith(_NOT_A_PERSON)):
        return None
    # v2 sends `keyId` (its `messageId` is Evolution's database id); v1 spread the key (`id`).
    message_id = _str(item.get("keyId")) or _str(item.get("id"))
    message_id = message_id or _str(_dict(item.get("key")).get("id"))
    if not message_id:
        raise MalformedWebhook("status without message id")
    return DeliveryStatus(
        _NAME,
        message_id,
        state,
        recipient=_contact(jid, {}, None).phone if jid else None,
        timestamp=_timestamp(item.get("datetime"), 1000) or _iso(body.get("date_time")),
    )


def _contact(jid: str, key: dict[str, Any], push_name: object) -> Contact:
    """`@lid` (WhatsApp's privacy id) is no phone number: Baileys gives the phone JID as
    `senderPn` / `remoteJidAlt` where it knows it, otherwise the id is kept as user id."""
    name = _str(push_name)
    if jid.endswith("@lid"):
        alt = _str(key.get("senderPn")) or _str(key.get("remoteJidAlt"))
        if not alt or alt.endswith("@lid"):
            return Contact(phone=None, user_id=jid, name=name)
        jid = alt
    return contact_from_sender(jid, name=name)


def _reply_to(item: dict[str, Any], content: dict[str, Any]) -> str | None:
    """The quoted message: `data.contextInfo` (v2) or the content part's `contextInfo`."""
    contexts = [item.get("contextInfo"), *(_dict(v).get("contextInfo") for v in content.values())]
    return next((_str(c["stanzaId"]) for c in contexts if _str(_dict(c).get("stanzaId"))), None)


def _timestamp(value: object, per_second: int = 1) -> datetime | None:
    if isinstance(value, dict):  # protobuf Long: {"low", "high", "unsigned"}
        low, high = value.get("low"), value.get("high")
        ints = type(low) is int and type(high) is int
        value = (high << 32) + (low & 0xFFFFFFFF) if ints else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        return None
    try:
        return datetime.fromtimestamp(value / per_second, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # "0001-01-01T00:00+01:00" overflows in UTC
        return None


def _coordinate(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


# Sending


def _number(to: Contact) -> str:
    if to.phone:
        return to.phone
    if to.user_id and "@" in to.user_id:
        return to.user_id  # Evolution accepts a full JID, `@lid` included
    raise PermanentGatewayError("recipient has no phone number")


def _media_body(message: OutboundMessage) -> dict[str, Any]:
    if not message.url:
        raise PermanentGatewayError(f"{message.kind.value} without url")
    image = message.kind is OutboundKind.IMAGE
    filename = message.filename or ("gambar.jpg" if image else "dokumen.pdf")
    mimetype = (mimetypes.guess_type(filename)[0] or "image/jpeg") if image else "application/pdf"
    return {
        "mediatype": "image" if image else "document",
        "mimetype": mimetype,
        "media": message.url,
        "fileName": filename,
        "caption": message.text,
    }
