"""Meta WhatsApp Cloud API (graph.facebook.com).

Webhooks: Meta verifies the callback URL once with a GET handshake (`hub.mode`,
`hub.verify_token`, `hub.challenge`) and signs every POST with `X-Hub-Signature-256:
sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>`. Production MUST set
ISPBOT_CLOUDAPI_APP_SECRET: without it every POST is accepted unsigned (handy for local tests
only). Only `field == "messages"` changes are read; echoes (`smb_message_echoes`), account
events, marketing preferences, reactions (a 👍 on our message) and group traffic are ignored
on purpose.

Sending: `POST {base}/{phone_number_id}/messages` with a bearer token. Outside the 24-hour
customer-service window Meta takes only approved templates: a message that carries one
(`OutboundMessage.template`) is sent as that template when it was queued with the window
closed, or when Meta refuses its text with 131047 (the status webhook's "failed" with that
code is handled in `ispbot.service_window`). Meta's error codes
(https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes) are sorted by
the tables below; codes not listed fall back to the HTTP status (429 and 5xx retryable,
other 4xx permanent).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from ispbot.config import Settings
from ispbot.providers.base import (
    Capabilities,
    WebhookRequest,
    _retry_after,
    check_hmac,
    numbered_text,
)
from ispbot.providers.errors import (
    GatewayError,
    MalformedWebhook,
    PermanentGatewayError,
    RetryableGatewayError,
    WebhookForbidden,
    WebhookUnauthorized,
)
from ispbot.providers.messages import (
    Choice,
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
    TemplateMessage,
)
from ispbot.providers.phone import contact_from_sender

RETRYABLE_CODES: dict[int, str] = {
    1: "API unknown (temporary)",
    2: "API service temporarily unavailable",
    4: "application request limit reached",
    80007: "WhatsApp Business Account rate limit",
    130429: "Cloud API throughput limit",
    131000: "something went wrong (temporary)",
    131016: "service overloaded",
    131048: "spam rate limit",
    131056: "too many messages to this recipient (pair rate limit)",
}
WINDOW_CLOSED = 131047  # more than 24 hours since the customer last wrote: templates only
PERMANENT_CODES: dict[int, str] = {
    100: "invalid parameter",
    190: "access token expired or invalid",
    368: "temporarily blocked for policy violations",
    131026: "message undeliverable (not on WhatsApp, old app, terms not accepted)",
    WINDOW_CLOSED: "re-engagement needed: more than 24 hours since the customer last wrote",
    131051: "unsupported message type",
    # A template message Meta cannot send (see `ispbot whatsapp-templates`):
    132000: "template parameter count does not match the approved template",
    132001: "template does not exist in this language (not created, or not approved yet)",
    132005: "template text too long once filled in",
    132007: "template format character policy violated",
    132012: "template parameter format mismatch",
    132015: "template paused by Meta (low quality)",
    132016: "template disabled by Meta",
}

# Meta's limits, in characters (and bytes for media we download).
TEXT_LIMIT, INTERACTIVE_BODY_LIMIT, CAPTION_LIMIT = 4096, 1024, 1024
BUTTON_TITLE_LIMIT, ROW_TITLE_LIMIT, ROW_DESCRIPTION_LIMIT, LIST_BUTTON_LIMIT = 20, 24, 72, 20
MAX_BUTTONS, MAX_ROWS, MAX_MEDIA_BYTES = 3, 10, 10 * 1024 * 1024

# "played" is a voice message listened to; unknown states are skipped.
_STATES = {state.value: state for state in DeliveryState} | {"played": DeliveryState.READ}
_MEDIA_ID = re.compile(r"[A-Za-z0-9_.\-]{1,128}")

Json = dict[str, Any]


class CloudApiProvider:
    name: ClassVar[str] = "cloudapi"
    capabilities: ClassVar[Capabilities] = Capabilities(buttons=True, lists=True, documents=True, templates=True)

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self._settings = settings
        self._client = client

    # Webhooks (pure, no I/O)

    def verify_subscription(self, query: Mapping[str, str]) -> str:
        """Meta's GET handshake: answer `hub.challenge` when the verify token matches."""
        given = query.get("hub.verify_token")
        if not given:
            raise WebhookUnauthorized("hub.verify_token missing")
        expected = self._settings.cloudapi_verify_token
        if (
            query.get("hub.mode") != "subscribe"
            or not expected
            or not hmac.compare_digest(given.encode(), expected.encode())
        ):
            raise WebhookForbidden("subscription verification failed")
        challenge = query.get("hub.challenge")
        if not challenge:
            raise MalformedWebhook("hub.challenge missing")
        return challenge

    def authenticate(self, request: WebhookRequest) -> None:
        """Check the app-secret signature (refused when no app secret is configured)."""
        check_hmac(
            request,
            "x-hub-signature-256",
            self._settings.cloudapi_app_secret,
            setting="ISPBOT_CLOUDAPI_APP_SECRET",
            algo="sha256",
            prefix="sha256=",
        )

    def parse_webhook(self, request: WebhookRequest) -> list[Inbound]:
        body = request.json_object()
        if body.get("object") != "whatsapp_business_account":
            return []
        found: list[Inbound] = []
        for entry in _objects(body, "entry"):
            for change in _objects(entry, "changes"):
                if change.get("field") != "messages":
                    continue
                value = change.get("value")
                if not isinstance(value, dict):
                    raise MalformedWebhook("change value is not an object")
                found.extend(_parse_value(value))
        return found

    # Gateway API

    async def send(self, message: OutboundMessage) -> SendResult:
        number_id = self._settings.cloudapi_phone_number_id
        if not number_id:
            raise PermanentGatewayError("ISPBOT_CLOUDAPI_PHONE_NUMBER_ID is not set")
        url = f"{self._base}/{number_id}/messages"
        template = message.template
        content = _template(template) if template and message.window_closed else _outbound(message)
        try:
            data = await self._call("POST", url, json=_addressed(message, content))
        except PermanentGatewayError as exc:
            if exc.code != WINDOW_CLOSED or template is None or message.window_closed:
                raise
            data = await self._call("POST", url, json=_addressed(message, _template(template)))
        return SendResult(message_id=_first_message_id(data))

    async def fetch_media(self, media_id: str) -> tuple[bytes, str]:
        """Download an inbound image or document (at most 10 MiB) with its MIME type."""
        if not _MEDIA_ID.fullmatch(media_id):
            raise PermanentGatewayError(f"not a media id: {media_id[:40]!r}")
        info = await self._call("GET", f"{self._base}/{media_id}")
        url = info.get("url") if isinstance(info, dict) else None
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise PermanentGatewayError("Cloud API media answer has no url")
        size = info.get("file_size")
        if isinstance(size, int) and size > MAX_MEDIA_BYTES:
            raise PermanentGatewayError(f"media too large: {size} bytes")
        mime = _str(info, "mime_type") or "application/octet-stream"
        return await self._download(url), mime

    @property
    def _base(self) -> str:
        return self._settings.cloudapi_base_url.rstrip("/")

    def _headers(self) -> dict[str, str]:
        token = self._settings.cloudapi_token
        if not token:
            raise PermanentGatewayError("ISPBOT_CLOUDAPI_TOKEN is not set")
        return {"Authorization": f"Bearer {token}"}

    async def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = self._headers()
        try:
            response = await self._client.request(method, url, headers=headers, **kwargs)
        except httpx.RequestError as exc:
            raise RetryableGatewayError(f"{type(exc).__name__}: {exc}") from exc
        if response.is_error:
            raise _error(response)
        try:
            return response.json()
        except ValueError as exc:
            raise RetryableGatewayError("Cloud API answered with a body that is not JSON") from exc

    async def _download(self, url: str) -> bytes:
        headers = self._headers()
        data = bytearray()
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                if response.is_error:
                    await response.aread()
                    raise _error(response)
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > MAX_MEDIA_BYTES:
                    raise PermanentGatewayError(f"media too large: {declared} bytes")
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > MAX_MEDIA_BYTES:
                        raise PermanentGatewayError("media larger than 10 MiB")
        except httpx.RequestError as exc:
            raise RetryableGatewayError(f"{type(exc).__name__}: {exc}") from exc
        return bytes(data)


# Parsing: wrong types in the envelope are MalformedWebhook; a message or status that
# cannot be read is skipped.


def _objects(container: Json, key: str) -> list[Json]:
    items = container.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise MalformedWebhook(f"{key} is not a list of objects")
    return items


def _str(container: Json, key: str) -> str | None:
    value = container.get(key)
    return value if isinstance(value, str) else None


def _dict(container: Json, key: str) -> Json:
    value = container.get(key)
    return value if isinstance(value, dict) else {}


def _timestamp(raw: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _parse_value(value: Json) -> list[Inbound]:
    contacts = _objects(value, "contacts")
    messages = [_message(msg, contacts) for msg in _objects(value, "messages")]
    statuses = [_status(item) for item in _objects(value, "statuses")]
    return [found for found in (*messages, *statuses) if found is not None]


def _message(msg: Json, contacts: list[Json]) -> InboundMessage | None:
    if "group_id" in msg:
        return None
    contact = _contact(msg, contacts)
    content = _content(msg)
    if contact is None or content is None:
        return None
    return InboundMessage(
        provider=CloudApiProvider.name,
        contact=contact,
        message_id=_str(msg, "id"),
        timestamp=_timestamp(msg.get("timestamp")),
        reply_to=_str(_dict(msg, "context"), "id"),
        **content,
    )


def _is_phone(sender: str | None) -> bool:
    return sender is not None and sender.isascii() and sender.isdigit()


def _contact(msg: Json, contacts: list[Json]) -> Contact | None:
    sender = _str(msg, "from")
    user_id = _str(msg, "from_user_id")
    profile: Json = {}
    for candidate in contacts:
        if (sender and candidate.get("wa_id") == sender) or (
            user_id and candidate.get("user_id") == user_id
        ):
            profile = candidate
            break
    else:
        if len(contacts) == 1 and not _is_phone(sender):
            profile = contacts[0]  # no phone to match on: the only contact is the sender
    name = _str(_dict(profile, "profile"), "name")
    user_id = user_id or _str(profile, "user_id")
    if _is_phone(sender):
        # "+" so that a foreign number such as 8190… is never read as an Indonesian 0819….
        return contact_from_sender(f"+{sender}", name=name, user_id=user_id)
    if user_id:
        return Contact(phone=None, user_id=user_id, name=name)
    return None


def _content(msg: Json) -> Json | None:
    """The InboundMessage fields that depend on the message type, or None to skip it."""
    kind = _str(msg, "type")
    body = _dict(msg, kind) if kind else {}
    if kind == "reaction":
        return None  # a 👍 on one of our messages (or its removal): nothing to answer
    if kind == "text":
        text = _str(body, "body")
        return None if text is None else {"kind": InboundKind.TEXT, "text": text}
    if kind == "interactive" and body.get("type") in ("button_reply", "list_reply"):
        reply = _dict(body, body["type"])
        choice_id, title = _str(reply, "id"), _str(reply, "title") or ""
        return None if choice_id is None else _choice(choice_id, title)
    if kind == "button":  # quick reply button of a template
        choice_id, title = _str(body, "payload") or _str(body, "text"), _str(body, "text") or ""
        return None if choice_id is None else _choice(choice_id, title)
    if kind in ("image", "document"):
        media = Media(
            url=_str(body, "url"),
            media_id=_str(body, "id"),
            mime_type=_str(body, "mime_type"),
            filename=_str(body, "filename"),
        )
        return {"kind": InboundKind(kind), "media": media, "text": _str(body, "caption") or ""}
    if kind == "location":
        location = _location(body)
        return None if location is None else {"kind": InboundKind.LOCATION, "location": location}
    return {"kind": InboundKind.OTHER, "text": _other_text(msg)}


def _choice(choice_id: str, title: str) -> Json:
    return {"kind": InboundKind.CHOICE, "choice_id": choice_id, "text": title}


def _location(body: Json) -> Location | None:
    raw = body.get("latitude"), body.get("longitude")
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in raw):
        return None
    try:
        lat, lon = float(raw[0]), float(raw[1])
    except OverflowError:  # an integer too large for a float
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Location(lat, lon, name=_str(body, "name"), address=_str(body, "address"))


def _other_text(msg: Json, *, nested: bool = False) -> str:
    """A caption or body to show for a message the bot cannot handle (edits look inside)."""
    kind = _str(msg, "type")
    body = _dict(msg, kind) if kind else {}
    if not nested and isinstance(body.get("message"), dict):
        return _other_text(body["message"], nested=True)
    return next((body[k] for k in ("caption", "body", "text") if isinstance(body.get(k), str)), "")


def _status(item: Json) -> DeliveryStatus | None:
    if item.get("recipient_type") == "group":
        return None
    message_id, state = _str(item, "id"), _STATES.get(_str(item, "status") or "")
    if message_id is None or state is None:
        return None
    error, code = None, None
    errors = item.get("errors")
    if state is DeliveryState.FAILED and isinstance(errors, list) and errors:
        first = errors[0] if isinstance(errors[0], dict) else {}
        error = _str(first, "title") or _str(first, "message")
        code = first.get("code")
    return DeliveryStatus(
        provider=CloudApiProvider.name,
        message_id=message_id,
        state=state,
        recipient=_str(item, "recipient_id"),
        timestamp=_timestamp(item.get("timestamp")),
        error=error,
        window_closed=code == WINDOW_CLOSED,
    )


# Sending


def _recipient(contact: Contact) -> str:
    # Meta is introducing business-scoped user ids; until their send field is settled, a
    # contact known only by user id is addressed through "to" as well.
    to = contact.phone or contact.user_id
    if not to:
        raise PermanentGatewayError("contact has neither phone nor user id")
    return to


def _addressed(message: OutboundMessage, content: Json) -> Json:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": _recipient(message.to), **content}


def _template(template: TemplateMessage) -> Json:
    """The template message: its body's parameters in order; an authentication template's
    code fills its copy-code button (a URL button at index 0, as Meta creates it) too."""
    values = [{"type": "text", "text": value} for value in template.parameters]
    components: list[Json] = [{"type": "body", "parameters": values}] if values else []
    if template.authentication:
        components.append({"type": "button", "sub_type": "url", "index": "0", "parameters": values[:1]})
    return {
        "type": "template",
        "template": {"name": template.name, "language": {"code": template.language}, "components": components},
    }


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip(" \n\u200d") + "…"


def _outbound(message: OutboundMessage) -> Json:
    """Reply buttons (≤ 3 choices without descriptions: a button shows only its title), a
    list (≤ 10), else numbered text; or an attachment. Titles cut to the same words
    ("Kota Administrasi J…" three times) are told apart by their ends instead, and in a
    list the whole title is the row's description."""
    count = len(message.choices) if message.kind is OutboundKind.CHOICES else 0
    plain = all(not c.description for c in message.choices)
    if 0 < count <= MAX_BUTTONS and plain and _distinct(message.choices, BUTTON_TITLE_LIMIT):
        buttons = [
            {"type": "reply", "reply": _row(c.id, c.title, BUTTON_TITLE_LIMIT)}
            for c in message.choices
        ]
        return _interactive("button", message, {"buttons": buttons})
    if 0 < count <= MAX_ROWS:
        if _distinct(message.choices, ROW_TITLE_LIMIT):
            rows = [_row(c.id, c.title, ROW_TITLE_LIMIT, c.description) for c in message.choices]
        else:
            rows = [_row(c.id, _ending(c.title, ROW_TITLE_LIMIT), ROW_TITLE_LIMIT, c.description or c.title)
                    for c in message.choices]
        button = _truncate(message.button or "Pilih", LIST_BUTTON_LIMIT)
        return _interactive("list", message, {"button": button, "sections": [{"rows": rows}]})
    if message.kind in (OutboundKind.DOCUMENT, OutboundKind.IMAGE):
        return _attachment(message)
    text = {"body": _truncate(numbered_text(message), TEXT_LIMIT), "preview_url": True}
    return {"type": "text", "text": text}


def _distinct(choices: tuple[Choice, ...], limit: int) -> bool:
    """Whether the titles, cut to `limit`, still tell the choices apart."""
    titles = [_truncate(c.title, limit) for c in choices]
    return len(set(titles)) == len(titles)


def _ending(title: str, limit: int) -> str:
    """The last words of a title that fit in `limit` after "…" ("…Jakarta Selatan")."""
    if len(title) <= limit:
        return title
    words: list[str] = []
    for word in reversed(title.split()):
        if len(" ".join([word, *words])) > limit - 1:
            break
        words.insert(0, word)
    return "…" + " ".join(words) if words else _truncate(title, limit)


def _row(choice_id: str, title: str, limit: int, description: str | None = None) -> Json:
    row = {"id": choice_id, "title": _truncate(title, limit)}
    if description:
        row["description"] = _truncate(description, ROW_DESCRIPTION_LIMIT)
    return row


def _interactive(kind: str, message: OutboundMessage, action: Json) -> Json:
    body = _truncate(message.text.strip() or "Pilih:", INTERACTIVE_BODY_LIMIT)
    return {
        "type": "interactive",
        "interactive": {"type": kind, "body": {"text": body}, "action": action},
    }


def _attachment(message: OutboundMessage) -> Json:
    kind = message.kind.value
    if not message.url:
        raise PermanentGatewayError(f"{kind} without url")
    media: Json = {"link": message.url}
    if message.kind is OutboundKind.DOCUMENT and message.filename:
        media["filename"] = message.filename
    if message.text:
        media["caption"] = _truncate(message.text, CAPTION_LIMIT)
    return {"type": kind, kind: media}


def _first_message_id(data: Any) -> str | None:
    messages = data.get("messages") if isinstance(data, dict) else None
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        return _str(messages[0], "id")
    return None


def _error(response: httpx.Response) -> GatewayError:
    """Sort a failed answer by Meta's error code, else by HTTP status."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    error = error if isinstance(error, dict) else {}
    code = error.get("code") if type(error.get("code")) is int else None
    text = f"HTTP {response.status_code}"
    if code is not None:
        meaning = RETRYABLE_CODES.get(code) or PERMANENT_CODES.get(code) or "unlisted"
        text += f", Meta error {code} ({meaning})"
    if isinstance(error.get("message"), str):
        text += f": {error['message'][:300]}"
    status = response.status_code
    if code in RETRYABLE_CODES or (
        code not in PERMANENT_CODES and (status == 429 or status >= 500)
    ):
        return RetryableGatewayError(
            text, retry_after=_retry_after(response.headers.get("retry-after")), code=code
        )
    return PermanentGatewayError(text, code=code)
