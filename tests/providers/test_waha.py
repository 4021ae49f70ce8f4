"""WAHA gateway: the conformance corpus, webhook authenticity, robustness against any body,
and the exact HTTP requests it sends."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ispbot.config import Settings
from ispbot.providers.base import WebhookRequest
from ispbot.providers.errors import (
    MalformedWebhook,
    PermanentGatewayError,
    RetryableGatewayError,
    WebhookForbidden,
    WebhookRejected,
    WebhookUnauthorized,
)
from ispbot.providers.messages import (
    Choice,
    Contact,
    DeliveryState,
    DeliveryStatus,
    InboundKind,
    InboundMessage,
    Location,
    Media,
    OutboundKind,
    OutboundMessage,
)
from ispbot.providers.waha import WahaProvider

CORPUS = Path(__file__).parent.parent / "conformance" / "waha"
BASE = "http://waha.test:3000"
CUSTOMER = Contact(phone="6281200000101", name="Budi")


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "waha_base_url": BASE + "/",
        "waha_api_key": "wa-key",
        "waha_session": "default",
        "waha_hmac_key": None,
        "webhook_secret": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected request to {request.url}")


PROVIDER = WahaProvider(
    make_settings(), httpx.AsyncClient(transport=httpx.MockTransport(_no_network))
)


def post(body: bytes, headers: dict[str, str] | None = None, **query: str) -> WebhookRequest:
    return WebhookRequest(method="POST", body=body, headers=headers or {}, query=query)


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def seconds(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


# The conformance corpus


EXPECTED: dict[str, list[Any]] = {
    "message_text.json": [
        InboundMessage(
            provider="waha",
            contact=Contact(phone="6281200000101"),
            kind=InboundKind.TEXT,
            message_id="false_6281200000101@c.us_3EB0C0FFEE0000000001",
            timestamp=seconds(1795329000),
            text="cek status REG-20261121-0001",
        )
    ],
    "message_location.json": [
        InboundMessage(
            provider="waha",
            contact=Contact(phone="6281200000104"),
            kind=InboundKind.LOCATION,
            message_id="false_6281200000104@c.us_3EB0C0FFEE0000000002",
            timestamp=seconds(1795329001),
            location=Location(latitude=-6.921, longitude=107.607, name="Jl. Asia Afrika, Bandung"),
        )
    ],
    "message_image.json": [
        InboundMessage(
            provider="waha",
            contact=Contact(phone="6281200000102", name="Siti"),
            kind=InboundKind.IMAGE,
            message_id="false_6281200000102@c.us_3EB0C0FFEE0000000004",
            timestamp=seconds(1795329003),
            text="foto KTP saya",
            media=Media(
                url="http://127.0.0.1:3000/api/files/default/false_6281200000102@c.us_3EB0C0FFEE0000000004.jpeg",
                mime_type="image/jpeg",
            ),
        )
    ],
    "message_document.json": [
        InboundMessage(
            provider="waha",
            contact=Contact(phone="6281200000103", name="Agus"),
            kind=InboundKind.DOCUMENT,
            message_id="false_6281200000103@c.us_3EB0C0FFEE0000000005",
            timestamp=seconds(1795329004),
            text="bukti transfer",
            media=Media(
                url="http://127.0.0.1:3000/api/files/default/false_6281200000103@c.us_3EB0C0FFEE0000000005.pdf",
                mime_type="application/pdf",
                filename="bukti-transfer.pdf",
            ),
        )
    ],
    "message_ack.json": [
        DeliveryStatus(
            provider="waha",
            message_id="true_6281200000101@c.us_3EB0C0FFEE0000000003",
            state=DeliveryState.READ,
            recipient="6281200000101",
            timestamp=datetime(2026, 11, 22, 6, 30, 2, 123000, tzinfo=UTC),
        )
    ],
    "message_ack_failed.json": [
        DeliveryStatus(
            provider="waha",
            message_id="true_6281200000106@c.us_3EB0C0FFEE0000000008",
            state=DeliveryState.FAILED,
            recipient="6281200000106",
            timestamp=datetime(2026, 11, 22, 6, 30, 7, 123000, tzinfo=UTC),
        )
    ],
    # Ignored on purpose: a group, our own echo, the duplicate `message.any`, a pending
    # ack (not yet a state worth recording) and a session event.
    "message_group.json": [],
    "message_fromme.json": [],
    "message_any.json": [],
    "message_ack_pending.json": [],
    "session_status.json": [],
}


def test_every_corpus_file_has_an_expectation() -> None:
    assert {p.name for p in CORPUS.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_parses_to_neutral_values(name: str) -> None:
    assert PROVIDER.parse_webhook(post(corpus(name))) == EXPECTED[name]


def test_timestamps_are_aware_utc() -> None:
    (message,) = PROVIDER.parse_webhook(post(corpus("message_text.json")))
    assert message.timestamp is not None and message.timestamp.utcoffset().total_seconds() == 0


def test_location_strings_become_floats() -> None:
    (message,) = PROVIDER.parse_webhook(post(corpus("message_location.json")))
    assert isinstance(message.location.latitude, float)
    assert isinstance(message.location.longitude, float)
    assert message.text == ""


def _with_payload(name: str, **changes: Any) -> bytes:
    body = json.loads(corpus(name))
    body["payload"].update(changes)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    "sender", ["status@broadcast", "120363000000000002@newsletter", "120363000000000001@g.us"]
)
def test_non_person_chats_are_ignored(sender: str) -> None:
    assert (
        PROVIDER.parse_webhook(post(_with_payload("message_text.json", **{"from": sender}))) == []
    )


def test_lid_sender_without_phone_keeps_the_id_as_user_id() -> None:
    (message,) = PROVIDER.parse_webhook(
        post(_with_payload("message_text.json", **{"from": "159000000000001@lid"}))
    )
    assert message.contact == Contact(phone=None, user_id="159000000000001@lid")


def test_foreign_sender_is_kept_and_marked() -> None:
    (message,) = PROVIDER.parse_webhook(
        post(_with_payload("message_text.json", **{"from": "972501234567@c.us"}))
    )
    assert message.contact.phone == "972501234567"
    assert message.contact.is_indonesian is False


@pytest.mark.parametrize(
    ("media", "raw_type", "kind"),
    [
        (None, "image", InboundKind.IMAGE),
        (None, "document", InboundKind.DOCUMENT),
        ({"url": "http://w/f.webp", "mimetype": "image/webp"}, "sticker", InboundKind.OTHER),
        ({"url": "http://w/f.oga", "mimetype": "audio/ogg; codecs=opus"}, "ptt", InboundKind.OTHER),
        ({"url": "http://w/f.mp4", "mimetype": "video/mp4"}, None, InboundKind.OTHER),
        ({"url": "http://w/f.txt", "mimetype": "text/plain"}, None, InboundKind.DOCUMENT),
    ],
)
def test_media_kinds(media: dict[str, str] | None, raw_type: str | None, kind: InboundKind) -> None:
    body = _with_payload("message_image.json", media=media, _data={"type": raw_type})
    (message,) = PROVIDER.parse_webhook(post(body))
    assert message.kind is kind


def test_reply_to_is_read() -> None:
    body = _with_payload(
        "message_text.json", replyTo={"id": "true_6281200000101@c.us_AAA", "body": "Pilih paket"}
    )
    (message,) = PROVIDER.parse_webhook(post(body))
    assert message.reply_to == "true_6281200000101@c.us_AAA"


@pytest.mark.parametrize(
    ("ack", "state"),
    [
        (1, DeliveryState.SENT),
        (2, DeliveryState.DELIVERED),
        (3, DeliveryState.READ),
        (4, DeliveryState.READ),
        (-1, DeliveryState.FAILED),
    ],
)
def test_ack_values(ack: int, state: DeliveryState) -> None:
    (status,) = PROVIDER.parse_webhook(post(_with_payload("message_ack.json", ack=ack)))
    assert status.state is state


def test_ack_of_someone_elses_message_is_ignored() -> None:
    assert PROVIDER.parse_webhook(post(_with_payload("message_ack.json", fromMe=False))) == []


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[]", b'"text"', b"42", b"null", b"[" * 100_000]
)
def test_body_that_is_no_json_object_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedWebhook):
        PROVIDER.parse_webhook(post(body))


@pytest.mark.parametrize(
    "body",
    [
        {"event": "message"},
        {"event": "message", "payload": []},
        {"event": "message", "payload": {"body": "halo"}},
        {"event": "message.ack", "payload": {"ack": 3}},
    ],
)
def test_known_event_without_its_essentials_is_malformed(body: dict[str, Any]) -> None:
    with pytest.raises(MalformedWebhook):
        PROVIDER.parse_webhook(post(json.dumps(body).encode()))


def test_unknown_event_is_ignored() -> None:
    body = {"event": "presence.update", "payload": {"id": "6281200000101@c.us"}}
    assert PROVIDER.parse_webhook(post(json.dumps(body).encode())) == []


# Authenticity


HMAC_KEY = "hmac-key"
SHARED = "shared-value"
WRONG = "guessed-value"


def _signed(body: bytes, key: str = HMAC_KEY) -> dict[str, str]:
    digest = hmac.new(key.encode(), body, hashlib.sha512).hexdigest()
    return {"x-webhook-hmac": digest, "x-webhook-hmac-algorithm": "sha512"}


def _hmac_provider() -> WahaProvider:
    settings_ = make_settings(waha_hmac_key=HMAC_KEY, webhook_secret=SHARED)
    return WahaProvider(settings_, httpx.AsyncClient(transport=httpx.MockTransport(_no_network)))


def test_hmac_right() -> None:
    body = corpus("message_text.json")
    _hmac_provider().authenticate(post(body, _signed(body)))


def test_hmac_missing() -> None:
    with pytest.raises(WebhookUnauthorized):
        _hmac_provider().authenticate(post(corpus("message_text.json")))


def test_hmac_wrong_key() -> None:
    body = corpus("message_text.json")
    with pytest.raises(WebhookForbidden):
        _hmac_provider().authenticate(post(body, _signed(body, key="other")))


def test_hmac_of_another_body() -> None:
    body = corpus("message_text.json")
    with pytest.raises(WebhookForbidden):
        _hmac_provider().authenticate(post(body + b" ", _signed(body)))


def test_hmac_configured_shared_secret_alone_is_not_enough() -> None:
    with pytest.raises(WebhookUnauthorized):
        _hmac_provider().authenticate(post(corpus("message_text.json"), secret=SHARED))


def _secret_provider() -> WahaProvider:
    settings_ = make_settings(webhook_secret=SHARED)
    return WahaProvider(settings_, httpx.AsyncClient(transport=httpx.MockTransport(_no_network)))


def test_shared_secret_right_in_query_or_header() -> None:
    body = corpus("message_text.json")
    _secret_provider().authenticate(post(body, secret=SHARED))
    _secret_provider().authenticate(post(body, {"x-webhook-secret": SHARED}))


def test_shared_secret_missing() -> None:
    with pytest.raises(WebhookUnauthorized):
        _secret_provider().authenticate(post(corpus("message_text.json")))


def test_shared_secret_wrong() -> None:
    with pytest.raises(WebhookForbidden):
        _secret_provider().authenticate(post(corpus("message_text.json"), secret=WRONG))


def test_nothing_configured_accepts_nothing() -> None:
    with pytest.raises(WebhookUnauthorized):
        PROVIDER.authenticate(post(corpus("message_text.json")))


# Robustness: only MalformedWebhook may escape, and whatever is returned is well formed


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
SAMPLES = {p.name: json.loads(p.read_bytes()) for p in sorted(CORPUS.glob("*.json"))}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    value[path[0]] = _replace(value[path[0]], path[1:], new)
    return value


def _parse_safely(body: bytes) -> None:
    try:
        found = PROVIDER.parse_webhook(post(body))
    except MalformedWebhook:
        return
    assert isinstance(found, list)
    for item in found:
        assert isinstance(item, InboundMessage | DeliveryStatus)
        assert item.timestamp is None or item.timestamp.tzinfo is not None
        if isinstance(item, InboundMessage):
            json.dumps(item.to_json())
            assert InboundMessage.from_json(item.to_json()) == item
        else:
            assert isinstance(item.message_id, str) and item.message_id


@given(st.binary(max_size=300))
def test_any_bytes(body: bytes) -> None:
    _parse_safely(body)


@given(JSON)
def test_any_json(value: Any) -> None:
    body = json.dumps(value).encode()
    if not isinstance(value, dict):
        with pytest.raises(MalformedWebhook):
            PROVIDER.parse_webhook(post(body))
    _parse_safely(body)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_corpus_with_any_field_replaced(name: str, data: st.DataObject) -> None:
    body = copy.deepcopy(SAMPLES[name])
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(body)))
        body = _replace(body, path, data.draw(JSON))
    _parse_safely(json.dumps(body).encode())


@given(
    st.binary(max_size=200),
    st.dictionaries(
        st.sampled_from(["x-webhook-hmac", "x-webhook-hmac-algorithm", "x-webhook-secret"]),
        st.text(max_size=130),
    ),
    st.booleans(),
)
def test_authenticate_only_rejects(body: bytes, headers: dict[str, str], signed: bool) -> None:
    provider = _hmac_provider() if signed else _secret_provider()
    with contextlib.suppress(WebhookRejected):
        provider.authenticate(post(body, headers))


# Sending


Respond = Callable[[httpx.Request], httpx.Response]


async def _send(
    message: OutboundMessage, respond: Respond, **overrides: Any
) -> tuple[Any, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return respond(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        result = await WahaProvider(make_settings(**overrides), client).send(message)
    return result, seen


def _webjs_sent(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        201,
        json={
            "id": {
                "fromMe": True,
                "remote": "6281200000101@c.us",
                "id": "3EB0C0FFEE00000000AA",
                "_serialized": "true_6281200000101@c.us_3EB0C0FFEE00000000AA",
            },
            "body": "…",
            "ack": 0,
        },
    )


async def test_send_text() -> None:
    message = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo Budi")
    result, (request,) = await _send(message, _webjs_sent)
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/api/sendText"
    assert request.headers["x-api-key"] == "wa-key"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "session": "default",
        "chatId": "6281200000101@c.us",
        "text": "Halo Budi",
    }
    assert result.message_id == "true_6281200000101@c.us_3EB0C0FFEE00000000AA"


async def test_send_without_api_key_sends_no_header() -> None:
    message = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    _, (request,) = await _send(message, _webjs_sent, waha_api_key=None, waha_session="isp")
    assert "x-api-key" not in request.headers
    assert json.loads(request.content)["session"] == "isp"


async def test_send_choices_as_numbered_text() -> None:
    message = OutboundMessage(
        to=CUSTOMER,
        kind=OutboundKind.CHOICES,
        text="Pilih paket:",
        choices=(
            Choice("silver", "Home Silver 40M", "Rp 199.900"),
            Choice("gold", "Home Gold 100M"),
        ),
        button="Lihat paket",
    )
    _, (request,) = await _send(message, _webjs_sent)
    assert str(request.url) == f"{BASE}/api/sendText"
    assert json.loads(request.content)["text"] == (
        "Pilih paket:\n\n1. Home Silver 40M — Rp 199.900\n2. Home Gold 100M"
    )


async def test_send_document() -> None:
    message = OutboundMessage(
        to=CUSTOMER,
        kind=OutboundKind.DOCUMENT,
        text="Invoice Anda",
        url="https://isp.example/files/INV-0001.pdf",
        filename="INV-0001.pdf",
    )
    result, (request,) = await _send(message, _webjs_sent)
    assert str(request.url) == f"{BASE}/api/sendFile"
    assert request.headers["x-api-key"] == "wa-key"
    assert json.loads(request.content) == {
        "session": "default",
        "chatId": "6281200000101@c.us",
        "file": {
            "url": "https://isp.example/files/INV-0001.pdf",
            "filename": "INV-0001.pdf",
            "mimetype": "application/pdf",
        },
        "caption": "Invoice Anda",
    }
    assert result.message_id == "true_6281200000101@c.us_3EB0C0FFEE00000000AA"


async def test_document_on_waha_core_goes_as_link() -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/sendFile":
            return httpx.Response(
                422,
                json={
                    "statusCode": 422,
                    "message": "The feature is available only in Plus version for 'WEBJS' engine.",
                },
            )
        return _webjs_sent(request)

    message = OutboundMessage(
        to=CUSTOMER,
        kind=OutboundKind.DOCUMENT,
        text="Invoice Anda",
        url="https://isp.example/files/INV-0001.pdf",
    )
    result, (first, second) = await _send(message, respond)
    assert first.url.path == "/api/sendFile"
    assert second.url.path == "/api/sendText"
    assert json.loads(second.content)["text"] == (
        "Invoice Anda\nhttps://isp.example/files/INV-0001.pdf"
    )
    assert result.message_id == "true_6281200000101@c.us_3EB0C0FFEE00000000AA"


async def test_noweb_answer_gives_the_serialised_id() -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        key = {"remoteJid": "6281200000101@s.whatsapp.net", "fromMe": True, "id": "BAE5AA"}
        return httpx.Response(201, json={"key": key, "status": 1})

    message = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    result, _ = await _send(message, respond)
    assert result.message_id == "true_6281200000101@c.us_BAE5AA"


async def test_plain_string_id() -> None:
    message = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    result, _ = await _send(message, lambda r: httpx.Response(200, json={"id": "abc"}))
    assert result.message_id == "abc"


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_server_errors_are_retryable(status: int) -> None:
    message = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    with pytest.raises(RetryableGatewayError):
        await _send(message, lambda r: httpx.Response(status, text="busy"))


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.ConnectError])
async def test_timeouts_and_connection_errors_are_retryable(error: type[Exception]) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        raise error("no answer", request=request)  # type: ignore[call-arg]

    message = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    with pytest.raises(RetryableGatewayError):
        await _send(message, respond)


@pytest.mark.parametrize("status", [401, 400, 404])
async def test_client_errors_are_permanent(status: int) -> None:
    message = OutboundMessage(to=CUSTOMER, kind=OutboundKind.DOCUMENT, url="https://x/y.pdf")
    with pytest.raises(PermanentGatewayError):
        await _send(message, lambda r: httpx.Response(status, json={"message": "Unauthorized"}))


async def test_document_without_url_is_permanent() -> None:
    message = OutboundMessage(to=CUSTOMER, kind=OutboundKind.DOCUMENT, text="Invoice")
    with pytest.raises(PermanentGatewayError):
        await _send(message, _webjs_sent)
