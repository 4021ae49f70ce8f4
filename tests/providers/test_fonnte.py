"""Fonnte: the recorded webhook corpus, the shared secret, hostile bodies and the send API."""

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
from ispbot.providers.fonnte import FonnteProvider
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

CORPUS = Path(__file__).resolve().parents[1] / "conformance" / "fonnte"
JSON = {"content-type": "application/json"}
FORM = {"content-type": "application/x-www-form-urlencoded"}
CUSTOMER = Contact(phone="6281200000101", name="Budi Santoso")


def make_provider(handler: Any = None, **overrides: Any) -> FonnteProvider:
    values: dict[str, Any] = {
        "_env_file": None,
        "fonnte_token": "tok-123",
        "fonnte_base_url": "https://api.fonnte.com",
        "webhook_secret": None,
    }
    values.update(overrides)
    transport = httpx.MockTransport(handler or _no_network)
    return FonnteProvider(Settings(**values), httpx.AsyncClient(transport=transport))


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected request to {request.url}")


def json_request(body: Any, **kwargs: Any) -> WebhookRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return WebhookRequest(
        "POST", raw, headers=kwargs.get("headers", JSON), query=kwargs.get("query", {})
    )


def form_request(body: dict[str, Any]) -> WebhookRequest:
    """The same body as Fonnte posts it when the device is set to send a form."""
    fields = {}
    for key, value in body.items():
        if isinstance(value, bool):
            fields[key] = "true" if value else "false"
        elif isinstance(value, str | int):
            fields[key] = str(value)  # empty lists (`choices`) are left out, as PHP does
    return WebhookRequest("POST", urlencode(fields).encode(), headers=FORM)


def corpus(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / name).read_text())
    return data


PROVIDER = make_provider()

# -- the recorded corpus ------------------------------------------------------------------

EXPECTED: dict[str, dict[str, Any] | None] = {
    "private_text.json": {
        "kind": InboundKind.TEXT, "phone": "6281200000101", "name": "Budi Santoso",
        "text": "Halo", "message_id": None, "timestamp": None,
    },
    "private_text_2026.json": {
        "kind": InboundKind.TEXT, "phone": "6281200000103", "name": "Agus", "text": "daftar",
        "message_id": "58213377", "timestamp": datetime(2026, 11, 22, 6, 30, tzinfo=UTC),
    },
    "location.json": {
        "kind": InboundKind.LOCATION, "phone": "6281200000104", "name": "Dewi", "text": "",
        "message_id": None, "timestamp": None, "location": (-6.914744, 107.60981),
    },
    "image.json": {
        "kind": InboundKind.IMAGE, "phone": "6281200000105", "name": "Rina", "text": "foto ktp",
        "message_id": None, "timestamp": None,
        "media": ("https://example.invalid/fonnte/media/ktp.jpg", "ktp.jpg", "image/jpeg"),
    },
    "group_text.json": None,  # a group message is not a conversation
}  # fmt: skip


def test_every_corpus_file_has_an_expectation() -> None:
    assert {path.name for path in CORPUS.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("encode", [json_request, form_request], ids=["json", "form"])
def test_corpus_parses_to_the_right_values(name: str, encode: Any) -> None:
    parsed = PROVIDER.parse_webhook(encode(corpus(name)))
    expected = EXPECTED[name]
    if expected is None:
        assert parsed == []
        return
    [message] = parsed
    assert isinstance(message, InboundMessage)
    assert message.provider == "fonnte"
    assert message.kind is expected["kind"]
    assert message.contact.phone == expected["phone"]
    assert message.contact.is_indonesian
    assert message.contact.name == expected["name"]
    assert message.text == expected["text"]
    assert message.message_id == expected["message_id"]
    assert message.timestamp == expected["timestamp"]
    if "location" in expected:
        assert message.location is not None
        assert (message.location.latitude, message.location.longitude) == expected["location"]
    else:
        assert message.location is None
    if "media" in expected:
        assert message.media is not None
        media = (message.media.url, message.media.filename, message.media.mime_type)
        assert media == expected["media"]


def test_form_and_json_give_the_same_message() -> None:
    for name in EXPECTED:
        body = corpus(name)
        assert PROVIDER.parse_webhook(form_request(body)) == PROVIDER.parse_webhook(
            json_request(body)
        )


def test_group_sender_without_the_flag_is_still_a_group() -> None:
    body = corpus("private_text.json") | {"sender": "120363400000000001@g.us"}
    assert PROVIDER.parse_webhook(json_request(body)) == []


def test_malformed_location_is_kept_as_text() -> None:
    body = corpus("location.json") | {"location": "di depan masjid", "message": ""}
    [message] = PROVIDER.parse_webhook(json_request(body))
    assert message.kind is InboundKind.TEXT
    assert message.text == "di depan masjid"
    body = corpus("location.json") | {"location": "91.5,200", "message": "rumah saya"}
    [message] = PROVIDER.parse_webhook(json_request(body))
    assert (message.kind, message.text, message.location) == (InboundKind.TEXT, "rumah saya", None)


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({"type": "document", "filename": "kk.pdf", "extension": "pdf"}, InboundKind.DOCUMENT),
        ({"type": "video", "filename": "a.mp4", "extension": "mp4"}, InboundKind.OTHER),
        ({"type": "sticker"}, InboundKind.OTHER),
        ({"type": ""}, InboundKind.IMAGE),  # untyped, but the url is a picture
    ],
)
def test_other_media_types(changes: dict[str, Any], kind: InboundKind) -> None:
    [message] = PROVIDER.parse_webhook(json_request(corpus("image.json") | changes))
    assert message.kind is kind


def test_foreign_sender_is_kept_with_its_digits() -> None:
    body = corpus("private_text.json") | {"sender": "972501234567"}
    [message] = PROVIDER.parse_webhook(json_request(body))
    assert message.contact.phone == "972501234567"
    assert not message.contact.is_indonesian


# -- message-status and device webhooks ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message_id", "state"),
    [
        ({"device": "6281200000900", "id": 142223099, "status": "sent"}, "142223099", DeliveryState.SENT),
        ({"device": "6281200000900", "id": "142223099", "stateid": "3EB0AA", "status": "sent", "state": "delivered"}, "142223099", DeliveryState.DELIVERED),
        ({"device": "6281200000900", "stateid": "3EB0AA", "state": "read"}, "3EB0AA", DeliveryState.READ),
        ({"device": "6281200000900", "id": 142223100, "status": "invalid"}, "142223100", DeliveryState.FAILED),
    ],
)  # fmt: skip
def test_message_status_webhook(
    body: dict[str, Any], message_id: str, state: DeliveryState
) -> None:
    for request in (json_request(body), form_request(body)):
        [status] = PROVIDER.parse_webhook(request)
        assert isinstance(status, DeliveryStatus)
        assert (status.provider, status.message_id, status.state) == ("fonnte", message_id, state)
        assert status.error == ("invalid" if state is DeliveryState.FAILED else None)


def test_pending_status_and_device_events_are_ignored() -> None:
    pending = {"device": "6281200000900", "id": 142223099, "status": "pending"}
    device = {"device": "6281200000900", "status": "disconnect", "reason": "logout", "token": "x"}
    assert PROVIDER.parse_webhook(json_request(pending)) == []
    assert PROVIDER.parse_webhook(json_request(device)) == []


# -- the shared secret --------------------------------------------------------------------


def test_no_secret_configured_accepts_nothing() -> None:
    with pytest.raises(WebhookUnauthorized, match="ISPBOT_WEBHOOK_SECRET"):
        make_provider().authenticate(json_request({}, query={"secret": ""}))


def test_secret_checks() -> None:
    provider = make_provider(webhook_secret="s3cret")
    with pytest.raises(WebhookUnauthorized):
        provider.authenticate(json_request({}))
    with pytest.raises(WebhookForbidden):
        provider.authenticate(json_request({}, query={"secret": "wrong"}))
    with pytest.raises(WebhookForbidden):
        provider.authenticate(json_request({}, headers={"x-webhook-secret": "wrong"}))
    provider.authenticate(json_request({}, query={"secret": "s3cret"}))
    provider.authenticate(json_request({}, headers={"x-webhook-secret": "s3cret"}))


# -- hostile bodies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"not json", b"", b"[1, 2]", b'"text"', b"null", b"{}", b'{"message": "hi"}',
     b'{"sender": ["6281200000101"], "message": "hi"}', b'{"sender": "abc", "message": "hi"}',
     b'{"sender": {"id": 1}}', b'{"id": [1], "status": "sent"}'],
)  # fmt: skip
def test_malformed_bodies_are_rejected(body: bytes) -> None:
    with pytest.raises(MalformedWebhook):
        PROVIDER.parse_webhook(json_request(body))


def test_numbers_where_strings_are_expected() -> None:
    body = {
        "sender": 6281200000101,
        "message": 42,
        "name": 7,
        "type": 1,
        "inboxid": "0",
        "isgroup": 0,
    }
    [message] = PROVIDER.parse_webhook(json_request(body))
    assert (message.contact.phone, message.text, message.message_id) == (
        "6281200000101",
        "42",
        None,
    )
    weird = {"sender": "6281200000101", "message": None, "timestamp": 1e308, "location": 3.5}
    assert_never_crashes(json_request(weird))


def assert_never_crashes(request: WebhookRequest) -> None:
    try:
        parsed = PROVIDER.parse_webhook(request)
    except MalformedWebhook:
        return
    assert isinstance(parsed, list)
    for item in parsed:
        assert isinstance(item, InboundMessage | DeliveryStatus)


FIELDS = ["sender", "pengirim", "message", "pesan", "name", "type", "location", "url",
          "filename", "extension", "inboxid", "isgroup", "timestamp", "id", "stateid",
          "status", "state", "device"]  # fmt: skip
SAMPLES = st.sampled_from(
    ["6281200000101", "081200000101", "120363400000000001@g.us", "6281200000101@c.us",
     "-6.9,107.6", "nan,inf", "image", "location", "document", "sent", "read", "true", "0"]
)  # fmt: skip
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | SAMPLES,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)
BODIES = st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=12)
HYPOTHESIS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYPOTHESIS
@given(st.one_of(JSON_VALUES, BODIES))
def test_any_json_value_never_crashes(value: Any) -> None:
    assert_never_crashes(json_request(json.dumps(value).encode()))


@HYPOTHESIS
@given(st.dictionaries(st.sampled_from(FIELDS), st.text() | SAMPLES, max_size=12))
def test_any_form_never_crashes(fields: dict[str, str]) -> None:
    assert_never_crashes(WebhookRequest("POST", urlencode(fields).encode(), headers=FORM))


@HYPOTHESIS
@given(st.binary(max_size=300), st.sampled_from([JSON, FORM, {}]))
def test_any_bytes_never_crash(body: bytes, headers: dict[str, str]) -> None:
    assert_never_crashes(WebhookRequest("POST", body, headers=headers))


# -- sending ------------------------------------------------------------------------------


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


QUEUED = {"detail": "success! message in queue", "id": [142223099], "process": "pending",
          "requestid": 369052479, "status": True, "target": ["6281200000101"]}  # fmt: skip


async def test_send_text_posts_the_documented_form() -> None:
    recorder = Recorder(httpx.Response(200, json=QUEUED))
    result = await make_provider(recorder).send(
        OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo Budi")
    )
    assert result == SendResult(message_id="142223099")
    [request] = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == "https://api.fonnte.com/send"
    assert request.headers["authorization"] == "tok-123"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert recorder.form == {"target": "6281200000101", "message": "Halo Budi", "countryCode": "62"}


async def test_send_choices_as_numbered_text() -> None:
    recorder = Recorder(httpx.Response(200, json=QUEUED))
    choices = (
        Choice(id="bronze", title="Home Bronze 20M", description="Rp 166.500"),
        Choice(id="silver", title="Home Silver 40M", description="Rp 199.900"),
    )
    message = OutboundMessage(
        to=CUSTOMER, kind=OutboundKind.CHOICES, text="Pilih paket:", choices=choices
    )
    await make_provider(recorder).send(message)
    assert recorder.form["message"] == (
        "Pilih paket:\n\n1. Home Bronze 20M — Rp 166.500\n2. Home Silver 40M — Rp 199.900"
    )


async def test_send_document_with_url_filename_and_caption() -> None:
    recorder = Recorder(httpx.Response(200, json=QUEUED))
    message = OutboundMessage(
        to=CUSTOMER,
        kind=OutboundKind.DOCUMENT,
        text="Tagihan November",
        url="https://isp.example/invoices/INV-2026-11.pdf",
        filename="INV-2026-11.pdf",
    )
    await make_provider(recorder).send(message)
    assert recorder.form == {
        "target": "6281200000101",
        "message": "Tagihan November",
        "countryCode": "62",
        "url": "https://isp.example/invoices/INV-2026-11.pdf",
        "filename": "INV-2026-11.pdf",
    }


TEXT = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(500, text="oops"), RetryableGatewayError),
        (httpx.Response(429, text="slow down"), RetryableGatewayError),
        (httpx.ReadTimeout("timed out"), RetryableGatewayError),
        (httpx.ConnectError("refused"), RetryableGatewayError),
        (httpx.Response(200, text="<html>maintenance</html>"), RetryableGatewayError),
        (httpx.Response(200, json={"status": False, "reason": "invalid token"}), PermanentGatewayError),
        (httpx.Response(200, json={"status": False, "reason": "token invalid"}), PermanentGatewayError),
        (httpx.Response(200, json={"status": False, "reason": "target invalid"}), PermanentGatewayError),
        (httpx.Response(200, json={"status": False, "reason": "request invalid on disconnected device"}), RetryableGatewayError),
        (httpx.Response(200, json={"status": False, "reason": "out of quota"}), RetryableGatewayError),
        (httpx.Response(200, json={"status": False, "reason": "something new"}), RetryableGatewayError),
        (httpx.Response(200, json=[1]), RetryableGatewayError),
    ],
)  # fmt: skip
async def test_send_failures(response: httpx.Response | Exception, error: type[Exception]) -> None:
    with pytest.raises(error):
        await make_provider(Recorder(response)).send(TEXT)


async def test_send_without_token_is_permanent_and_sends_nothing() -> None:
    with pytest.raises(PermanentGatewayError, match="ISPBOT_FONNTE_TOKEN"):
        await make_provider(fonnte_token=None).send(TEXT)


async def test_send_to_a_contact_without_phone_is_permanent() -> None:
    message = OutboundMessage(
        to=Contact(phone=None, user_id="u1"), kind=OutboundKind.TEXT, text="x"
    )
    with pytest.raises(PermanentGatewayError):
        await make_provider().send(message)
