"""Woowa: the sample webhooks, the shared secret, hostile bodies and the send API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

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
    InboundKind,
    InboundMessage,
    OutboundKind,
    OutboundMessage,
    SendResult,
)
from ispbot.providers.woowa import WoowaProvider

CORPUS = Path(__file__).resolve().parents[1] / "conformance" / "woowa"
JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
CUSTOMER = Contact(phone="6281200000101", name="Budi Santoso")
BASE = "https://notifapi.com"


def make_provider(handler: Any = None, **overrides: Any) -> WoowaProvider:
    values: dict[str, Any] = {
        "_env_file": None,
        "woowa_token": "key-123",
        "woowa_base_url": BASE,
        "webhook_secret": None,
    }
    values.update(overrides)
    transport = httpx.MockTransport(handler or _no_network)
    return WoowaProvider(Settings(**values), httpx.AsyncClient(transport=transport))


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
            fields[key] = str(value)
    return WebhookRequest("POST", urlencode(fields).encode(), headers=FORM)


def corpus(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / name).read_text())
    return data


PROVIDER = make_provider()

EXPECTED: dict[str, dict[str, Any] | None] = {
    "text.json": {
        "kind": InboundKind.TEXT, "phone": "6281200000101", "name": "Budi Santoso",
        "text": "Halo, mau pasang internet", "message_id": "3EB0C0FFEE0000000101",
        "timestamp": datetime(2026, 11, 22, 6, 30, tzinfo=UTC), "media": None,
    },
    "image.json": {
        "kind": InboundKind.IMAGE, "phone": "6281200000105", "name": "Rina", "text": "foto ktp",
        "message_id": "3EB0C0FFEE0000000105",
        "timestamp": datetime(2026, 11, 22, 6, 32, tzinfo=UTC),
        "media": ("https://example.invalid/woowa/media/ktp.jpg", "ktp.jpg", "image/jpeg"),
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
    assert (message.provider, message.kind) == ("woowa", expected["kind"])
    assert message.contact.phone == expected["phone"]
    assert message.contact.name == expected["name"]
    assert message.text == expected["text"]
    assert message.message_id == expected["message_id"]
    assert message.timestamp == expected["timestamp"]
    media = message.media and (message.media.url, message.media.filename, message.media.mime_type)
    assert media == expected["media"]


@pytest.mark.parametrize(
    "body",
    [
        {"from": "6281200000101@c.us", "body": "Halo, mau pasang internet", "name": "Budi Santoso"},
        {"sender": "081200000101", "text": "Halo, mau pasang internet", "pushname": "Budi Santoso"},
    ],
)
def test_other_seen_field_names(body: dict[str, Any]) -> None:
    [message] = PROVIDER.parse_webhook(json_request(body))
    assert (message.kind, message.contact.phone, message.contact.name, message.text) == (
        InboundKind.TEXT, "6281200000101", "Budi Santoso", "Halo, mau pasang internet",
    )  # fmt: skip
    assert (message.message_id, message.timestamp) == (None, None)


def test_group_sender_and_group_id_are_groups() -> None:
    text = corpus("text.json")
    assert (
        PROVIDER.parse_webhook(json_request(text | {"phone_number": "120363400000000001@g.us"}))
        == []
    )
    assert (
        PROVIDER.parse_webhook(json_request(text | {"group_id": "120363400000000001@g.us"})) == []
    )


def test_location_and_fallback() -> None:
    body = corpus("text.json") | {"type": "location", "message": "-6.914744,107.609810"}
    [message] = PROVIDER.parse_webhook(json_request(body))
    assert message.location is not None
    assert (message.kind, message.location.latitude) == (InboundKind.LOCATION, -6.914744)
    body = corpus("text.json") | {"type": "location", "message": "dekat pasar"}
    [message] = PROVIDER.parse_webhook(json_request(body))
    assert (message.kind, message.text, message.location) == (InboundKind.TEXT, "dekat pasar", None)


def test_secret_checks() -> None:
    with pytest.raises(WebhookUnauthorized):  # none configured: nothing is accepted
        make_provider().authenticate(json_request({}))
    provider = make_provider(webhook_secret="s3cret")
    with pytest.raises(WebhookUnauthorized):
        provider.authenticate(json_request({}))
    with pytest.raises(WebhookForbidden):
        provider.authenticate(json_request({}, headers={"x-webhook-secret": "wrong"}))
    provider.authenticate(json_request({}, query={"secret": "s3cret"}))
    provider.authenticate(json_request({}, headers={"x-webhook-secret": "s3cret"}))


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b"{}", b'{"message": "hi"}', b'{"phone_number": [6281200000101]}',
     b'{"phone_number": "abc", "message": "hi"}', b'{"phone_number": 1.5, "message": "hi"}'],
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
    assert all(isinstance(item, InboundMessage) for item in parsed)


FIELDS = ["phone_number", "sender", "from", "phone", "message", "body", "text", "contact_name",
          "name", "message_id", "id", "is_group", "isGroup", "group_id", "url", "file_url",
          "file_name", "type", "message_type", "timestamp"]  # fmt: skip
SAMPLES = st.sampled_from(
    ["6281200000101", "081200000101", "120363400000000001@g.us", "6281200000101@c.us",
     "-6.9,107.6", "image", "location", "document", "true"]
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
    def body(self) -> Any:
        [request] = self.requests
        return json.loads(request.content)


async def test_send_text_posts_the_key_in_the_json_body() -> None:
    recorder = Recorder(httpx.Response(200, text="Success"))
    result = await make_provider(recorder).send(
        OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    )
    assert result == SendResult(message_id=None)
    [request] = recorder.requests
    assert (request.method, str(request.url)) == ("POST", f"{BASE}/api/send_message")
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers
    assert recorder.body == {"phone_no": "6281200000101", "key": "key-123", "message": "Halo"}


async def test_json_answer_with_message_id() -> None:
    answer = {"status": "success", "message_id": "3EB0C0FFEE00AA"}
    recorder = Recorder(httpx.Response(200, json=answer))
    result = await make_provider(recorder).send(
        OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    )
    assert result == SendResult(message_id="3EB0C0FFEE00AA")


async def test_send_choices_as_numbered_text() -> None:
    recorder = Recorder(httpx.Response(200, text="Success"))
    choices = (
        Choice(id="bronze", title="Home Bronze 20M", description="Rp 166.500"),
        Choice(id="silver", title="Home Silver 40M", description="Rp 199.900"),
    )
    await make_provider(recorder).send(
        OutboundMessage(
            to=CUSTOMER, kind=OutboundKind.CHOICES, text="Pilih paket:", choices=choices
        )
    )
    assert recorder.body["message"] == (
        "Pilih paket:\n\n1. Home Bronze 20M — Rp 166.500\n2. Home Silver 40M — Rp 199.900"
    )


async def test_send_document_as_caption_and_link() -> None:
    recorder = Recorder(httpx.Response(200, text="Success"))
    message = OutboundMessage(
        to=CUSTOMER, kind=OutboundKind.DOCUMENT, text="Tagihan November",
        url="https://isp.example/invoices/INV-2026-11.pdf", filename="INV-2026-11.pdf",
    )  # fmt: skip
    await make_provider(recorder).send(message)
    assert recorder.body == {
        "phone_no": "6281200000101",
        "key": "key-123",
        "message": "Tagihan November\nhttps://isp.example/invoices/INV-2026-11.pdf",
    }


TEXT = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(500, text="oops"), RetryableGatewayError),
        (httpx.ReadTimeout("timed out"), RetryableGatewayError),
        (httpx.Response(200, text="phone_offline"), RetryableGatewayError),
        (httpx.Response(200, text="invalid key"), PermanentGatewayError),
        (httpx.Response(200, json={"status": False, "message": "key not found"}), PermanentGatewayError),
        (httpx.Response(200, text="<html>maintenance</html>"), RetryableGatewayError),
        (httpx.Response(200, text=""), RetryableGatewayError),
    ],
)  # fmt: skip
async def test_send_failures(response: httpx.Response | Exception, error: type[Exception]) -> None:
    with pytest.raises(error):
        await make_provider(Recorder(response)).send(TEXT)


async def test_send_without_key_is_permanent() -> None:
    with pytest.raises(PermanentGatewayError, match="ISPBOT_WOOWA_TOKEN"):
        await make_provider(woowa_token=None).send(TEXT)
