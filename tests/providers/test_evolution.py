"""Evolution API gateway: the conformance corpus, webhook authenticity (shared secret and
the `apikey` Evolution puts into the body), robustness against any body, and the exact HTTP
requests it sends."""

from __future__ import annotations

import contextlib
import copy
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
from ispbot.providers.evolution import EvolutionProvider
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

CORPUS = Path(__file__).parent.parent / "conformance" / "evolution"
BASE = "http://evo.test:8081"
CUSTOMER = Contact(phone="6281200000101", name="Budi")
API_KEY = "evo-instance-key"
SHARED = "shared-value"
WRONG = "guessed-value"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "evolution_base_url": BASE + "/",
        "evolution_api_key": API_KEY,
        "evolution_instance": "ispbot",
        "webhook_secret": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected request to {request.url}")


def make_provider(**overrides: Any) -> EvolutionProvider:
    client = httpx.AsyncClient(transport=httpx.MockTransport(_no_network))
    return EvolutionProvider(make_settings(**overrides), client)


PROVIDER = make_provider()


def post(body: bytes, headers: dict[str, str] | None = None, **query: str) -> WebhookRequest:
    return WebhookRequest(method="POST", body=body, headers=headers or {}, query=query)


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def seconds(value: int) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def message(**fields: Any) -> InboundMessage:
    return InboundMessage(provider="evolution", **fields)


def status(message_id: str, state: DeliveryState, recipient: str, second: int) -> DeliveryStatus:
    moment = datetime(2026, 11, 21, 11, 40, second, tzinfo=UTC)
    return DeliveryStatus("evolution", message_id, state, recipient=recipient, timestamp=moment)


# The conformance corpus


EXPECTED: dict[str, list[Any]] = {
    "messages_upsert_text.json": [
        message(
            contact=Contact(phone="6281200000101", name="Budi"),
            kind=InboundKind.TEXT,
            message_id="3EB0ABCDEF1234567890",
            timestamp=seconds(1795329000),
            text="tagihan",
        )
    ],
    "messages_upsert_extended_text.json": [
        message(
            contact=Contact(phone="6281200000105", name="Rina"),
            kind=InboundKind.TEXT,
            message_id="3EB0ABCDEF1234567896",
            timestamp=seconds(1795329007),
            text="cek tagihan bulan ini https://example.com",
            reply_to="BAE5F00D00000004",
        )
    ],
    "messages_upsert_image.json": [
        message(
            contact=Contact(phone="6281200000102", name="Siti"),
            kind=InboundKind.IMAGE,
            message_id="3EB0ABCDEF1234567891",
            timestamp=seconds(1795329002),
            text="foto KTP saya",
            media=Media(
                url="https://mmg.whatsapp.net/o1/v/t62.7118-24/f1/m231/example.enc",
                mime_type="image/jpeg",
            ),
        )
    ],
    "messages_upsert_document.json": [
        message(
            contact=Contact(phone="6281200000103", name="Agus"),
            kind=InboundKind.DOCUMENT,
            message_id="3EB0ABCDEF1234567892",
            timestamp=seconds(1795329003),
            text="bukti transfer",
            media=Media(
                url="https://mmg.whatsapp.net/v/t62.7119-24/example.enc",
                mime_type="application/pdf",
                filename="bukti-transfer.pdf",
            ),
        )
    ],
    "messages_upsert_location.json": [
        message(
            contact=Contact(phone="6281200000104", name="Dewi"),
            kind=InboundKind.LOCATION,
            message_id="3EB0ABCDEF1234567893",
            timestamp=seconds(1795329004),
            location=Location(-6.921, 107.607, name="Rumah", address="Jl. Asia Afrika, Bandung"),
        )
    ],
    "messages_upsert_list_response.json": [
        message(
            contact=Contact(phone="6281200000101", name="Budi"),
            kind=InboundKind.CHOICE,
            message_id="3EB0ABCDEF1234567894",
            timestamp=seconds(1795329005),
            text="Home Silver 40M",
            choice_id="pkg_silver_40",
            reply_to="BAE5F00D00000002",
        )
    ],
    "messages_upsert_buttons_response.json": [
        message(
            contact=Contact(phone="6281200000101", name="Budi"),
            kind=InboundKind.CHOICE,
            message_id="3EB0ABCDEF1234567895",
            timestamp=seconds(1795329006),
            text="Ya, benar",
            choice_id="confirm_yes",
            reply_to="BAE5F00D00000003",
        )
    ],
    "messages_upsert_sticker.json": [
        message(
            contact=Contact(phone="6281200000107", name="Yanti"),
            kind=InboundKind.OTHER,
            message_id="3EB0ABCDEF1234567898",
            timestamp=seconds(1795329009),
        )
    ],
    "messages_upsert_lid.json": [
        message(
            contact=Contact(phone="6281200000108", name="Joko"),
            kind=InboundKind.TEXT,
            message_id="3EB0ABCDEF1234567899",
            timestamp=seconds(1795329010),
            text="halo",
        )
    ],
    "messages_update_delivered.json": [
        status("BAE5F00D00000001", DeliveryState.DELIVERED, "6281200000101", 51)
    ],
    "messages_update_read.json": [
        status("BAE5F00D00000001", DeliveryState.READ, "6281200000101", 52)
    ],
    "messages_update_failed.json": [
        status("BAE5F00D00000005", DeliveryState.FAILED, "6281200000106", 53)
    ],
    # Ignored on purpose: our own echo, a group and a connection event.
    "messages_upsert_fromme.json": [],
    "messages_upsert_group.json": [],
    "connection_update.json": [],
}


def test_every_corpus_file_has_an_expectation() -> None:
    assert {p.name for p in CORPUS.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_parses_to_neutral_values(name: str) -> None:
    assert PROVIDER.parse_webhook(post(corpus(name))) == EXPECTED[name]


def _body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(corpus(name))
    return body


def _encode(body: Any) -> bytes:
    return json.dumps(body).encode()


def test_data_may_be_a_list_of_messages() -> None:
    text, echo = _body("messages_upsert_text.json"), _body("messages_upsert_fromme.json")
    text["data"] = [text["data"], echo["data"]]
    assert PROVIDER.parse_webhook(post(_encode(text))) == EXPECTED["messages_upsert_text.json"]


def test_upper_case_event_names_are_understood() -> None:
    body = _body("messages_upsert_text.json")
    body["event"] = "MESSAGES_UPSERT"
    assert PROVIDER.parse_webhook(post(_encode(body))) == EXPECTED["messages_upsert_text.json"]


@pytest.mark.parametrize(
    "jid", ["status@broadcast", "120363000000000002@newsletter", "120363000000000001@g.us"]
)
def test_non_person_chats_are_ignored(jid: str) -> None:
    body = _body("messages_upsert_text.json")
    body["data"]["key"]["remoteJid"] = jid
    assert PROVIDER.parse_webhook(post(_encode(body))) == []


def test_lid_without_phone_keeps_the_id_as_user_id() -> None:
    body = _body("messages_upsert_lid.json")
    del body["data"]["key"]["senderPn"]
    (found,) = PROVIDER.parse_webhook(post(_encode(body)))
    assert found.contact == Contact(phone=None, user_id="159000000000001@lid", name="Joko")


@pytest.mark.parametrize(
    "content",
    [
        {"protocolMessage": {"type": "REVOKE", "key": {"id": "X"}}},
        {"reactionMessage": {"text": "👍", "key": {"id": "X"}}},
        {"senderKeyDistributionMessage": {"groupId": "x"}, "messageContextInfo": {}},
    ],
)
def test_stubs_are_no_messages(content: dict[str, Any]) -> None:
    body = _body("messages_upsert_text.json")
    body["data"]["message"] = content
    assert PROVIDER.parse_webhook(post(_encode(body))) == []


def test_wrapped_ephemeral_text_is_read() -> None:
    body = _body("messages_upsert_text.json")
    body["data"]["message"] = {"ephemeralMessage": {"message": {"conversation": "tagihan"}}}
    assert PROVIDER.parse_webhook(post(_encode(body))) == EXPECTED["messages_upsert_text.json"]


def test_protobuf_long_timestamp() -> None:
    body = _body("messages_upsert_text.json")
    body["data"]["messageTimestamp"] = {"low": 1795329000, "high": 0, "unsigned": True}
    (found,) = PROVIDER.parse_webhook(post(_encode(body)))
    assert found.timestamp == seconds(1795329000)


def test_stored_media_url_is_preferred() -> None:
    body = _body("messages_upsert_image.json")
    body["data"]["message"]["mediaUrl"] = "https://s3.isp.example/evolution/3EB0.jpeg"
    (found,) = PROVIDER.parse_webhook(post(_encode(body)))
    assert found.media.url == "https://s3.isp.example/evolution/3EB0.jpeg"


@pytest.mark.parametrize(
    ("value", "state"),
    [
        ("SERVER_ACK", DeliveryState.SENT),
        ("DELIVERY_ACK", DeliveryState.DELIVERED),
        ("READ", DeliveryState.READ),
        ("PLAYED", DeliveryState.READ),
        ("ERROR", DeliveryState.FAILED),
        ("PENDING", None),
        ("DELETED", None),
    ],
)
def test_update_states(value: str, state: DeliveryState | None) -> None:
    body = _body("messages_update_read.json")
    body["data"]["status"] = value
    found = PROVIDER.parse_webhook(post(_encode(body)))
    assert [s.state for s in found] == ([state] if state else [])


def test_v1_update_spreads_the_key() -> None:
    body = _body("messages_update_read.json")
    body["data"] = {
        "remoteJid": "6281200000101@s.whatsapp.net",
        "fromMe": True,
        "id": "BAE5F00D00000001",
        "status": "READ",
        "datetime": 1795329012000,
        "owner": "isp-bot",
    }
    (found,) = PROVIDER.parse_webhook(post(_encode(body)))
    assert found.message_id == "BAE5F00D00000001"
    assert found.timestamp == seconds(1795329012)


@pytest.mark.parametrize(
    "date_time", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "kemarin", 7, None]
)
def test_unusable_date_time_gives_no_timestamp(date_time: Any) -> None:
    body = _body("messages_update_read.json")
    body["date_time"] = date_time
    (found,) = PROVIDER.parse_webhook(post(_encode(body)))
    assert found.timestamp is None


def test_naive_date_time_is_utc() -> None:
    body = _body("messages_update_read.json")
    body["date_time"] = "2026-11-21T11:40:52"
    (found,) = PROVIDER.parse_webhook(post(_encode(body)))
    assert found.timestamp == datetime(2026, 11, 21, 11, 40, 52, tzinfo=UTC)


def test_update_of_a_received_message_is_ignored() -> None:
    body = _body("messages_update_read.json")
    body["data"]["fromMe"] = False
    assert PROVIDER.parse_webhook(post(_encode(body))) == []


@pytest.mark.parametrize(
    "body", [b"", b"not json", b"[]", b'"text"', b"42", b"null", b"[" * 100_000]
)
def test_body_that_is_no_json_object_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedWebhook):
        PROVIDER.parse_webhook(post(body))


@pytest.mark.parametrize(
    "body",
    [
        {"event": "messages.upsert"},
        {"event": "messages.upsert", "data": "x"},
        {"event": "messages.upsert", "data": {"message": {"conversation": "hi"}}},
        {"event": "messages.upsert", "data": {"key": {"fromMe": False}}},
        {"event": "messages.upsert", "data": [1, 2]},
        {"event": "messages.update", "data": {"status": "READ", "remoteJid": "x@s.whatsapp.net"}},
    ],
)
def test_known_event_without_its_essentials_is_malformed(body: dict[str, Any]) -> None:
    with pytest.raises(MalformedWebhook):
        PROVIDER.parse_webhook(post(_encode(body)))


def test_unknown_event_is_ignored() -> None:
    body = {"event": "presence.update", "data": {"id": "6281200000101@s.whatsapp.net"}}
    assert PROVIDER.parse_webhook(post(_encode(body))) == []


# Authenticity


def _with_apikey(value: Any) -> bytes:
    body = _body("messages_upsert_text.json")
    body["apikey"] = value
    return _encode(body)


def test_shared_secret_right_in_query_or_header() -> None:
    provider = make_provider(webhook_secret=SHARED)
    provider.authenticate(post(corpus("messages_upsert_text.json"), secret=SHARED))
    provider.authenticate(post(corpus("messages_upsert_text.json"), {"x-webhook-secret": SHARED}))


def test_shared_secret_missing() -> None:
    with pytest.raises(WebhookUnauthorized):
        make_provider(webhook_secret=SHARED).authenticate(post(corpus("messages_upsert_text.json")))


def test_shared_secret_wrong() -> None:
    with pytest.raises(WebhookForbidden):
        make_provider(webhook_secret=SHARED).authenticate(
            post(corpus("messages_upsert_text.json"), secret=WRONG)
        )


def test_apikey_in_body_authenticates() -> None:
    make_provider(webhook_secret=SHARED).authenticate(post(_with_apikey(API_KEY)))


@pytest.mark.parametrize("value", [WRONG, None, "", 42, [API_KEY], "\ud800"])
def test_other_apikey_in_body_needs_the_secret(value: Any) -> None:
    provider = make_provider(webhook_secret=SHARED)
    with pytest.raises(WebhookUnauthorized):
        provider.authenticate(post(_with_apikey(value)))
    provider.authenticate(post(_with_apikey(value), secret=SHARED))


def test_apikey_in_body_counts_only_when_a_key_is_configured() -> None:
    provider = make_provider(webhook_secret=SHARED, evolution_api_key=None)
    with pytest.raises(WebhookUnauthorized):
        provider.authenticate(post(_with_apikey(API_KEY)))


@pytest.mark.parametrize("body", [b"not json", b"[]", b"[" * 100_000])
def test_unreadable_body_is_not_authentic_without_secret(body: bytes) -> None:
    with pytest.raises(WebhookUnauthorized):
        make_provider(webhook_secret=SHARED).authenticate(post(body))


def test_nothing_configured_accepts_nothing() -> None:
    with pytest.raises(WebhookUnauthorized):
        make_provider(evolution_api_key=None).authenticate(post(corpus("messages_upsert_text.json")))


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


AUTH_PROVIDERS = [make_provider(webhook_secret=SHARED), make_provider()]


@given(
    st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(st.sampled_from(["x-webhook-secret", "apikey"]), st.text(max_size=40)),
    st.sampled_from(AUTH_PROVIDERS),
)
def test_authenticate_only_rejects(
    body: bytes, headers: dict[str, str], provider: EvolutionProvider
) -> None:
    with contextlib.suppress(WebhookRejected):
        provider.authenticate(post(body, headers))


# Sending


Respond = Callable[[httpx.Request], httpx.Response]


async def _send(
    outbound: OutboundMessage, respond: Respond, **overrides: Any
) -> tuple[Any, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return respond(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        result = await EvolutionProvider(make_settings(**overrides), client).send(outbound)
    return result, seen


def _sent(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        201,
        json={
            "key": {
                "remoteJid": "6281200000101@s.whatsapp.net",
                "fromMe": True,
                "id": "BAE5F00D000000AA",
            },
            "pushName": "",
            "status": "PENDING",
            "message": {"conversation": "…"},
            "messageType": "conversation",
            "messageTimestamp": 1795329100,
            "instanceId": "0b6b8e52-5c1d-4d0e-9a55-000000000001",
            "source": "unknown",
        },
    )


async def test_send_text() -> None:
    outbound = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo Budi")
    result, (request,) = await _send(outbound, _sent)
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/message/sendText/ispbot"
    assert request.headers["apikey"] == API_KEY
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"number": "6281200000101", "text": "Halo Budi"}
    assert result.message_id == "BAE5F00D000000AA"


async def test_send_choices_as_numbered_text() -> None:
    outbound = OutboundMessage(
        to=CUSTOMER,
        kind=OutboundKind.CHOICES,
        text="Pilih paket:",
        choices=(
            Choice("silver", "Home Silver 40M", "Rp 199.900"),
            Choice("gold", "Home Gold 100M"),
        ),
        button="Lihat paket",
    )
    _, (request,) = await _send(outbound, _sent)
    assert str(request.url) == f"{BASE}/message/sendText/ispbot"
    assert json.loads(request.content) == {
        "number": "6281200000101",
        "text": "Pilih paket:\n\n1. Home Silver 40M — Rp 199.900\n2. Home Gold 100M",
    }


async def test_send_document() -> None:
    outbound = OutboundMessage(
        to=CUSTOMER,
        kind=OutboundKind.DOCUMENT,
        text="Invoice Anda",
        url="https://isp.example/files/INV-0001.pdf",
        filename="INV-0001.pdf",
    )
    result, (request,) = await _send(outbound, _sent)
    assert str(request.url) == f"{BASE}/message/sendMedia/ispbot"
    assert request.headers["apikey"] == API_KEY
    assert json.loads(request.content) == {
        "number": "6281200000101",
        "mediatype": "document",
        "mimetype": "application/pdf",
        "media": "https://isp.example/files/INV-0001.pdf",
        "fileName": "INV-0001.pdf",
        "caption": "Invoice Anda",
    }
    assert result.message_id == "BAE5F00D000000AA"


async def test_instance_name_is_quoted_in_the_path() -> None:
    outbound = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    _, (request,) = await _send(outbound, _sent, evolution_instance="isp bot")
    assert request.url.raw_path == b"/message/sendText/isp%20bot"


async def test_answer_without_key_gives_no_id() -> None:
    outbound = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    result, _ = await _send(outbound, lambda r: httpx.Response(201, json=[]))
    assert result.message_id is None


@pytest.mark.parametrize("code", [500, 502, 503, 429])
async def test_server_errors_are_retryable(code: int) -> None:
    outbound = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    with pytest.raises(RetryableGatewayError):
        await _send(outbound, lambda r: httpx.Response(code, text="busy"))


@pytest.mark.parametrize("error", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.ConnectError])
async def test_timeouts_and_connection_errors_are_retryable(error: type[Exception]) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        raise error("no answer", request=request)  # type: ignore[call-arg]

    outbound = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    with pytest.raises(RetryableGatewayError):
        await _send(outbound, respond)


@pytest.mark.parametrize("code", [401, 400, 404])
async def test_client_errors_are_permanent(code: int) -> None:
    answer = {"status": code, "error": "Unauthorized", "response": {"message": "Unauthorized"}}
    outbound = OutboundMessage(to=CUSTOMER, kind=OutboundKind.TEXT, text="Halo")
    with pytest.raises(PermanentGatewayError):
        await _send(outbound, lambda r: httpx.Response(code, json=answer))


async def test_document_without_url_is_permanent() -> None:
    outbound = OutboundMessage(to=CUSTOMER, kind=OutboundKind.DOCUMENT, text="Invoice")
    with pytest.raises(PermanentGatewayError):
        await _send(outbound, _sent)
