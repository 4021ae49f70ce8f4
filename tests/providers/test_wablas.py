"""Wablas: the sample webhooks, the shared secret, hostile bodies and the send API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

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
    WebhookUnauthorized,
)
from ispbot.providers.messages import (
    Choice,
    Contact,
    DeliveryState,
    DeliveryStatus,
    InboundKind,
    InboundMessage,
    OutboundKind,
    OutboundMessage,
    SendResult,
)
from ispbot.providers.wablas import WablasProvider

CORPUS = Path(__file__).resolve().parents[1] / "conformance" / "wablas"
JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
CUSTOMER = Contact(phone="6281200000101", name="Budi Santoso")
BASE = "https://solo.wablas.com"


def make_provider(handler: Any = None, **overrides: Any) -> WablasProvider:
    values: dict[str, Any] = {
        "_env_file": None,
        "wablas_token": "tok-123",
        "wablas_secret_key": None,
        "wablas_base_url": BASE,
        "webhook_secret": None,
    }
    values.update(overrides)
    transport = httpx.MockTransport(handler or _no_network)
    return WablasProvider(Settings(**values), httpx.AsyncClient(transport=transport))


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected request to {request.url}")


def json_request(body: Any, **kwargs: Any) -> WebhookRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return WebhookRequest(
        "POST", raw, headers=kwargs.get("headers", JSON), query=kwargs.get("query", {})
    )


def form_request(body: dict[str, Any]) -> WebhookRequest:
    fields = {}
    for key, value in body.items():
        if isinstance(value, bool):
            fields[key] = "true" if value else "false"
        elif isinstance(value, str | int):
            fields[key] = str(value)  # nested `group` objects cannot travel in a flat form
    return WebhookRequest("POST", urlencode(fields).encode(), headers=FORM)


def corpus(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / name).read_text())
    return data


PROVIDER = make_provider()

EXPECTED: dict[str, dict[str, Any] | None] = {
    "text.json": {
        "kind": InboundKind.TEXT, "phone": "6281200000101", "name": "Budi Santoso",
        "text": "Halo, mau pasang internet", "message_id": "3EB0A1B2C3D4E5F60101",
        "timestamp": datetime(2026, 11, 22, 6, 30, tzinfo=UTC), "media": None,
    },
    "image.json": {
        "kind": InboundKind.IMAGE, "phone": "6281200000105", "name": "Rina", "text": "foto ktp",
        "message_id": "3EB0A1B2C3D4E5F60105",
        "timestamp": datetime(2026, 11, 22, 6, 32, tzinfo=UTC),
        "media": ("https://example.invalid/wablas/media/ktp.jpg", "ktp.jpg", "image/jpeg"),
    },
    "group_text.json": None,
}  # fmt: skip


def test_every_sample_has_an_expectation() -> None:
    assert {path.name for path in CORPUS.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("encode", [json_request, form_request], ids=["json", "form"])
def test_samples_parse_to_the_right_values(name: str, encode: Any) -> None:
    parsed = PROVIDER.parse_webhook(encode(corpus(name)))
    expected = EXPECTED[name]
    if expected is None:
        assert parsed == []
        return
    [message] = parsed
    assert isinstance(message, InboundMessage)
    assert (message.provider, message.kind) == ("wablas", expected["kind"])
    assert message.contact.phone == expected["phone"]
    assert message.contact.name == expected["name"]
    assert message.text == expected["text"]
    assert message.message_id == expected["message_id"]
    assert message.timestamp == expected["timestamp"]
    assert message.location is None
    media = message.media and (message.media.url, message.media.filename, message.media.mime_type)
    assert media == expected["media"]


def test_location_text_and_fallback() -> None:
    body = corpus("text.json") | {"messageType": "location", "message": "-6.914744,107.609810"}
    [message] = PROVIDER.parse_webhook(json_request(body))
    assert message.kind is InboundKind.LOCATION
    assert message.location is not None
    assert (message.location.latitude, message.location.longitude) == (-6.914744, 107.60981)
    body = corpus("text.json") | {"messageType": "location", "message": "dekat pasar"}
    [message] = PROVIDER.parse_webhook(json_request(body))
    assert (message.kind, message.text) == (InboundKind.TEXT, "dekat pasar")


def test_phone_as_number_local_format_and_iso_timestamp() -> None:
    body = corpus("text.json") | {"phone": 6281200000101, "timestamp": "2026-11-22T13:30:00+07:00"}
    [message] = PROVIDER.parse_webhook(json_request(body))
    assert message.contact.phone == "6281200000101"
    assert message.timestamp == datetime(2026, 11, 22, 6, 30, tzinfo=UTC)
    naive = corpus("text.json") | {"phone": "081200000101", "timestamp": "2026-11-22 13:30:00"}
    [message] = PROVIDER.parse_webhook(json_request(naive))
    assert (message.contact.phone, message.timestamp) == ("6281200000101", None)


def test_document_and_video() -> None:
    document = corpus("image.json") | {
        "messageType": "document",
        "file": "kk.pdf",
        "url": "https://example.invalid/kk.pdf",
        "mimeType": "",
    }
    [message] = PROVIDER.parse_webhook(json_request(document))
    assert message.kind is InboundKind.DOCUMENT
    assert message.media is not None and message.media.mime_type == "application/pdf"
    [message] = PROVIDER.parse_webhook(
        json_request(corpus("image.json") | {"messageType": "video"})
    )
    assert message.kind is InboundKind.OTHER


@pytest.mark.parametrize(
    ("status", "state"),
    [("sent", DeliveryState.SENT), ("received", DeliveryState.DELIVERED),
     ("read", DeliveryState.READ), ("reject", DeliveryState.FAILED)],
)  # fmt: skip
def test_tracking_webhook(status: str, state: DeliveryState) -> None:
    body = {
        "id": "f5b3cb53-b926-472d-9cb3-594b7f535f7b",
        "phone": "6281200000101",
        "status": status,
        "deviceId": "WBL0A1",
    }
    for request in (json_request(body), form_request(body)):
        [update] = PROVIDER.parse_webhook(request)
        assert isinstance(update, DeliveryStatus)
        assert (update.message_id, update.state) == ("f5b3cb53-b926-472d-9cb3-594b7f535f7b", state)
        assert update.recipient == "6281200000101"


def test_pending_tracking_is_ignored() -> None:
    assert (
        PROVIDER.parse_webhook(
            json_request({"id": "x1", "phone": "6281200000101", "status": "pending"})
        )
        == []
    )


def test_secret_checks() -> None:
    with pytest.raises(WebhookUnauthorized):  # none configured: nothing is accepted
        make_provider().authenticate(json_request({}))
    provider = make_provider(webhook_secret="s3cret")
    with pytest.raises(WebhookUnauthorized):
        provider.authenticate(json_request({}))
    with pytest.raises(WebhookForbidden):
        provider.authenticate(json_request({}, query={"secret": "wrong"}))
    provider.authenticate(json_request({}, query={"secret": "s3cret"}))
    provider.authenticate(json_request({}, headers={"x-webhook-secret": "s3cret"}))


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b"{}", b'{"message": "hi"}', b'{"phone": ["6281200000101"], "message": "hi"}',
     b'{"phone": "abc", "message": "hi"}', b'{"status": "read", "phone": "6281200000101"}'],
)  # fmt: skip
def test_malformed_bodies_are_rejected(body: bytes) -> None:
    with pytest.raises(MalformedWebhook):
        PROVIDER.parse_webhook(json_request(body))


def assert_never_crashes(request: WebhookRequest) -> None:
    try:
        parsed = PROVIDER.parse_webhook(request)
    except MalformedWebhook:
        return
    assert isinstance(parsed, list)
    for item in parsed:
        assert isinstance(item, InboundMessage | DeliveryStatus)


FIELDS = ["id", "pushName", "isGroup", "group", "message", "phone", "messageType", "file",
          "url", "mimeType", "deviceId", "sender", "timestamp", "status"]  # fmt: skip
SAMPLES = st.sampled_from(
    ["6281200000101", "081200000101", "120363400000000001@g.us", "-6.9,107.6", "image",
     "location", "document", "read", "true", "2026-11-22T13:30:00+07:00", "9999-12-31T23:59:59-23:59"]
)  # fmt: skip
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | SAMPLES,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)
HYPOTHESIS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYPOTHESIS
@given(st.one_of(JSON_VALUES, st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=12)))
def test_any_json_value_never_crashes(value: Any) -> None:
    assert_never_crashes(json_request(json.dumps(value).encode()))


@HYPOTHESIS
@given(st.binary(max_size=300), st.sampled_from([JSON, FORM, {}]))
def test_any_bytes_never_crash(body: bytes, headers: dict[str, str]) -> None:
    assert_never_crashes(WebhookRequest("POST", body, headers=headers))


class Recorder:
    def __init__(self, response: httpx.Response | Exception) -> None:
        self.response = response
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.response, Exception):
            raise self.response
        return self.response

    @property
    def form(self) -> dict[str, str]:
        [request] = self.requests
        return {
            k: v[0] for k, v in parse_qs(request.content.decode(), keep_blank_values=True).items()
        }


PENDING = {"status": True, "message": "Message is pending and waiting to be processed",
           "data": {"device_id": "WBL0A1", "quota": 999, "messages": [
               {"id": "f5b3cb53-b926-472d-9cb3-594b7f535f7b", "phone": 6281200000101,
                "message": "Halo", "status": "pending", "ref_id": ""}]}}  # fmt: skip


async def test_send_text_posts_the_documented_form() -> None:
    recorder = Recorder(httpx.Response(200, json=PENDING))
    result = await make_provider(recorder).send(
        OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    )
    assert result == SendResult(message_id="f5b3cb53-b926-472d-9cb3-594b7f535f7b")
    [request] = recorder.requests
    assert (request.method, str(request.url)) == ("POST", f"{BASE}/api/send-message")
    assert request.headers["authorization"] == "tok-123"
    assert recorder.form == {"phone": "6281200000101", "message": "Halo"}


async def test_secret_key_joins_the_token() -> None:
    recorder = Recorder(httpx.Response(200, json=PENDING))
    provider = make_provider(recorder, wablas_secret_key="sk9")
    await provider.send(OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo"))
    assert recorder.requests[0].headers["authorization"] == "tok-123.sk9"


async def test_send_choices_as_numbered_text() -> None:
    recorder = Recorder(httpx.Response(200, json=PENDING))
    choices = (
        Choice(id="bronze", title="Home Bronze 20M", description="Rp 166.500"),
        Choice(id="silver", title="Home Silver 40M", description="Rp 199.900"),
    )
    await make_provider(recorder).send(
        OutboundMessage(
            to=CUSTOMER, kind=OutboundKind.CHOICES, text="Pilih paket:", choices=choices
        )
    )
    assert recorder.form["message"] == (
        "Pilih paket:\n\n1. Home Bronze 20M — Rp 166.500\n2. Home Silver 40M — Rp 199.900"
    )


async def test_send_document() -> None:
    recorder = Recorder(httpx.Response(200, json=PENDING))
    message = OutboundMessage(
        to=CUSTOMER, kind=OutboundKind.DOCUMENT, text="Tagihan November",
        url="https://isp.example/invoices/INV-2026-11.pdf", filename="INV-2026-11.pdf",
    )  # fmt: skip
    await make_provider(recorder).send(message)
    assert str(recorder.requests[0].url) == f"{BASE}/api/send-document"
    assert recorder.form == {
        "phone": "6281200000101",
        "document": "https://isp.example/invoices/INV-2026-11.pdf",
        "caption": "Tagihan November",
    }


TEXT = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(500, text="oops"), RetryableGatewayError),
        (httpx.ReadTimeout("timed out"), RetryableGatewayError),
        (httpx.Response(200, json={"status": False, "message": "token invalid"}), PermanentGatewayError),
        (httpx.Response(200, json={"status": False, "message": "device disconnected"}), RetryableGatewayError),
        (httpx.Response(200, json={"status": False, "message": "something new"}), RetryableGatewayError),
        (httpx.Response(401, json={"status": False, "message": "token invalid"}), PermanentGatewayError),
    ],
)  # fmt: skip
async def test_send_failures(response: httpx.Response | Exception, error: type[Exception]) -> None:
    with pytest.raises(error):
        await make_provider(Recorder(response)).send(TEXT)


async def test_send_without_token_is_permanent() -> None:
    with pytest.raises(PermanentGatewayError, match="ISPBOT_WABLAS_TOKEN"):
        await make_provider(wablas_token=None).send(TEXT)
