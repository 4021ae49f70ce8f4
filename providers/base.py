"""What every gateway module provides.

A provider authenticates and parses its gateway's webhook (pure, no I/O) and sends neutral
outbound messages through the gateway's real HTTP API over the one shared httpx client.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol
from urllib.parse import parse_qs

import httpx

from ispbot.json_body import UnreadableJson, parse_json
from ispbot.providers.errors import (
    MalformedWebhook,
    PermanentGatewayError,
    RetryableGatewayError,
    WebhookForbidden,
    WebhookUnauthorized,
)
from ispbot.providers.messages import Inbound, OutboundKind, OutboundMessage, SendResult


@dataclass(frozen=True)
class WebhookRequest:
    """A webhook as it arrived: independent of the web framework, so tests build it directly.

    `headers` keys are lower-case.
    """

    method: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body as JSON, or MalformedWebhook (not JSON, nested too deeply: see
        ispbot.json_body). "\\ud800" alone is valid JSON but no text: it could not be stored
        or hashed (the gateway got 503 and retried forever), so it arrives as U+FFFD."""
        try:
            return parse_json(self.body)
        except UnreadableJson as exc:
            raise MalformedWebhook(str(exc)) from exc

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise MalformedWebhook("body is not a JSON object")
        return data

    def form_or_json(self) -> dict[str, Any]:
        """Gateways such as Fonnte and Wablas post JSON or a form, depending on set-up."""
        if self.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                text = self.body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MalformedWebhook("form body is not UTF-8") from exc
            return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
        return self.json_object()


@dataclass(frozen=True)
class Capabilities:
    buttons: bool = False  # up to 3 reply buttons
    lists: bool = False  # up to 10 rows
    documents: bool = True
    # Outside the 24-hour window only approved templates go out (Meta's Cloud API); the
    # unofficial gateways have no such rule.
    templates: bool = False


class Provider(Protocol):
    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def authenticate(self, request: WebhookRequest) -> None:
        """Raise WebhookUnauthorized / WebhookForbidden unless the gateway sent this."""
        ...

    def parse_webhook(self, request: WebhookRequest) -> list[Inbound]:
        """The neutral messages and statuses in this webhook (empty when there is nothing
        for the bot: group messages, own echoes, account events). MalformedWebhook when the
        body cannot be read."""
        ...

    async def send(self, message: OutboundMessage) -> SendResult:
        """Send through the gateway's API. RetryableGatewayError / PermanentGatewayError."""
        ...


def check_shared_secret(request: WebhookRequest, secret: str | None) -> None:
    """For gateways that cannot sign: `?secret=` or the `X-Webhook-Secret` header must match
    ISPBOT_WEBHOOK_SECRET. Without one configured every webhook is refused: anyone could
    otherwise post messages "from" any customer's number (`ispbot serve` will not start
    so configured, see `registry.configuration_problems`)."""
    if not secret:
        raise WebhookUnauthorized("ISPBOT_WEBHOOK_SECRET is not set: webhooks cannot be authenticated")
    given = request.query.get("secret") or request.header("x-webhook-secret")
    if not given:
        raise WebhookUnauthorized("webhook secret missing")
    if not hmac.compare_digest(_bytes(given), _bytes(secret)):
        raise WebhookForbidden("webhook secret does not match")


def check_hmac(
    request: WebhookRequest, header: str, key: str | None, *, setting: str, algo: str, prefix: str = ""
) -> None:
    """A signature header holding the hex HMAC of the raw body; refused without a key
    (`setting` names the variable that holds it)."""
    if not key:
        raise WebhookUnauthorized(f"{setting} is not set: webhooks cannot be authenticated")
    given = request.header(header)
    if not given:
        raise WebhookUnauthorized(f"{header} missing")
    digest = hmac.new(key.encode(), request.body, getattr(hashlib, algo)).hexdigest()
    if not hmac.compare_digest(_bytes(given.strip()), _bytes(prefix + digest)):
        raise WebhookForbidden(f"{header} does not match")


def _bytes(text: str) -> bytes:
    """Header values can carry undecodable bytes (as surrogates): compare, never crash."""
    return text.encode("utf-8", "surrogatepass")


def numbered_text(message: OutboundMessage) -> str:
    """Choices as numbered text, for gateways without interactive messages:

        Pilih paket:
        1. Home Silver 40M — Rp 199.900
        2. …
    """
    if message.kind is not OutboundKind.CHOICES or not message.choices:
        return message.text
    lines = [message.text, ""] if message.text else []
    for number, choice in enumerate(message.choices, start=1):
        line = f"{number}. {choice.title}"
        if choice.description and choice.description != choice.title:  # not the title twice
            line += f" — {choice.description}"
        lines.append(line)
    return "\n".join(lines)


def document_text(message: OutboundMessage) -> str:
    """A document as a caption plus link, for gateways that only send text."""
    parts = [p for p in (message.text, message.url) if p]
    return "\n".join(parts)


async def post_checked(
    client: httpx.AsyncClient, url: str, *, expect_json: bool = True, **kwargs: Any
) -> Any:
    """POST and sort failures into retryable and permanent ones."""
    try:
        response = await client.post(url, **kwargs)
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        raise RetryableGatewayError(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = _retry_after(response.headers.get("retry-after"))
        raise RetryableGatewayError(f"HTTP {response.status_code}", retry_after=retry_after)
    if response.status_code >= 400:
        raise PermanentGatewayError(f"HTTP {response.status_code}: {response.text[:300]}")
    if not expect_json:
        return response.text
    try:
        return response.json()
    except ValueError as exc:
        raise RetryableGatewayError("gateway answered with a body that is not JSON") from exc


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
