"""Meta WhatsApp Cloud API provider: recorded webhooks, signatures and the send API.

The webhook bodies are pywa's recorded test data (MIT, see tests/conformance/cloudapi/
LICENSE.pywa), copied from the shared corpus so the product's tests stand on their own.
HTTP is faked with httpx.MockTransport: no network, no sleeps.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ispbot.config import Settings
from ispbot.providers import cloudapi
from ispbot.providers.base import WebhookRequest
from ispbot.providers.cloudapi import CloudApiProvider
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
    Location,
    Media,
    OutboundKind,
    OutboundMessage,
)

CORPUS = Path(__file__).resolve().parents[1] / "conformance" / "cloudapi"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "cloudapi"

SECRET = "app-secret"
BASE = "https://graph.test/v21.0"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "cloudapi_token": "TOKEN",
        "cloudapi_base_url": BASE,
        "cloudapi_app_secret": SECRET,
        "cloudapi_verify_token": "verify-me",
        "cloudapi_phone_number_id": "1122334455667",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def provider(
    handler: Callable[[httpx.Request], httpx.Response] | None = None, **overrides: Any
) -> CloudApiProvider:
    transport = httpx.MockTransport(handler or (lambda request: httpx.Response(500)))
    return CloudApiProvider(make_settings(**overrides), httpx.AsyncClient(transport=transport))


def webhook(body: Any) -> WebhookRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return WebhookRequest(method="POST", body=raw, headers={"content-type": "application/json"})


def load_cases() -> dict[tuple[str, str], Any]:
    cases = {}
    for path in sorted(CORPUS.glob("*.json")):
        for name, body in json.loads(path.read_text()).items():
            cases[(path.name, name)] = body
    return cases


CASES = load_cases()

# Expected neutral values per recorded case.

SENDER = Contact(
    phone="972987654321",
    user_id="US.13491208655302741918",
    name="Test Name",
    is_indonesian=False,
)


def msg(kind: InboundKind, text: str = "", **fields: Any) -> dict[str, Any]:
    expected = {
        "kind": kind,
        "text": text,
        "message_id": "wamid.xyzxyz",
        "contact": SENDER,
        "choice_id": None,
        "reply_to": None,
        "media": None,
        "location": None,
    }
    return expected | fields


def status(state: DeliveryState, error: str | None = None) -> dict[str, Any]:
    return {
        "message_id": "wamid.xyzxyz",
        "state": state,
        "recipient": "972987654321",
        "error": error,
    }


def summary(item: InboundMessage | DeliveryStatus) -> dict[str, Any]:
    assert item.provider == "cloudapi"
    if isinstance(item, DeliveryStatus):
        return {k: getattr(item, k) for k in ("message_id", "state", "recipient", "error")}
    return {k: getattr(item, k) for k in msg(InboundKind.TEXT)}


K = InboundKind
S = DeliveryState
OTHER = msg(K.OTHER)
IMAGE = Media(media_id="65463453", mime_type="image/jpeg")
LOOKASIDE = (
    "https://lookaside.fbsbx.com/whatsapp_business/attachments/"
    "?mid=65463453&source=webhook&ext=487r9re&hash=heiwchueowbcew-dnedcw"
)
DOC = Media(media_id="1234567890987654321", mime_type="application/pdf", filename="filename.pdf")
PLACE = Location(37.4611978, -122.2164385, "Facebook HQ", "1 Hacker Way, Menlo Park, CA 94025")

EXPECTED: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("message.json", "text"): [msg(K.TEXT, "Body Text")],
    ("message.json", "image"): [msg(K.IMAGE, media=IMAGE)],
    ("message.json", "media_with_url"): [
        msg(K.IMAGE, media=Media(url=LOOKASIDE, media_id="65463453", mime_type="image/jpeg"))
    ],
    ("message.json", "video"): [msg(K.OTHER, "caption")],
    ("message.json", "document"): [msg(K.DOCUMENT, "caption", media=DOC)],
    ("message.json", "audio"): [OTHER],
    ("message.json", "voice"): [OTHER],
    ("message.json", "static_sticker"): [OTHER],
    ("message.json", "animated_sticker"): [OTHER],
    ("message.json", "reaction"): [],  # not a message to answer
    ("message.json", "unreaction_empty"): [],
    ("message.json", "unreaction_no_emoji"): [],
    ("message.json", "current_location"): [msg(K.LOCATION, location=Location(12.25089, 43.90539))],
    ("message.json", "chosen_location"): [msg(K.LOCATION, location=PLACE)],
    ("message.json", "contacts"): [OTHER],
    ("message.json", "order"): [OTHER],
    ("message.json", "unsupported"): [OTHER],
    ("message.json", "unsupported_with_type"): [OTHER],
    ("message.json", "reply"): [msg(K.TEXT, "replied text", reply_to="wamid.xyzxyz==")],
    ("message.json", "forwarded"): [msg(K.TEXT, "forwarded text")],
    ("message.json", "forwarded_many_times"): [msg(K.TEXT, "text forwarded many times")],
    ("message.json", "interactive_message_with_err"): [
        msg(K.OTHER, message_id="wamid.wegrchytvwcggt=", reply_to="wamid.gvwegfretge==")
    ],
    ("message.json", "referral"): [msg(K.TEXT, "BODY", message_id="wamid.ID")],
    ("callback_button.json", "button"): [
        msg(K.CHOICE, "title", choice_id="callback_data", reply_to="wamid.xyzxyz")
    ],
    ("callback_button.json", "quick_reply"): [
        msg(
            K.CHOICE,
            "title",
            choice_id="callback_data",
            message_id="wamid.xsidjw",
            reply_to="wamid.xyzxyz==",
        )
    ],
    ("callback_button.json", "quick_reply_without_context"): [
        msg(K.CHOICE, "title", choice_id="callback_data", message_id="wamid.xsidjx")
    ],
    ("callback_selection.json", "callback"): [
        msg(
            K.CHOICE,
            "title",
            choice_id="callback_data",
            message_id="wamid.zyzxyz",
            reply_to="wamid.xyzxyz",
        )
    ],
    ("callback_selection.json", "description"): [
        msg(
            K.CHOICE,
            "title",
            choice_id="callback_data",
            message_id="wamid.zyzxyz",
            reply_to="wamid.xyzxyz",
        )
    ],
    # A deletion whose sender is a placeholder: known by the only contact's user id.
    ("deleted_message.json", "revoke"): [
        msg(
            K.OTHER,
            message_id="<WHATSAPP_MESSAGE_ID>",
            contact=Contact(None, "US.13491208655302741918", "Test Name"),
        )
    ],
    # The sender does not match the contacts entry: no name or user id is borrowed from it.
    ("edited_message.json", "image"): [
        msg(
            K.OTHER,
            "Updated image caption",
            message_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
            contact=Contact("16505551234", is_indonesian=False),
        )
    ],
    ("system.json", "phone_number_change"): [
        msg(
            K.OTHER,
            "User A changed from 972987654321 to 972912345678",
            message_id="wamid.xyzxyz==",
            contact=Contact("972987654321", is_indonesian=False),
        )
    ],
    ("system.json", "identity_change"): [
        msg(
            K.OTHER,
            "User identity changed",
            contact=Contact("972987654321", name="User A", is_indonesian=False),
        )
    ],
    ("message_status.json", "sent"): [status(S.SENT)],
    ("message_status.json", "delivered"): [status(S.DELIVERED)],
    ("message_status.json", "read"): [status(S.READ)],
    ("message_status.json", "played"): [status(S.READ)],
    ("message_status.json", "failed"): [
        status(S.FAILED, error="User's number is part of an experiment")
    ],
    ("message_status.json", "with_tracker"): [status(S.SENT)],
    ("message_status.json", "group"): [],  # a status of a group message
}
# The bot's own echoes, account events and marketing preferences are not for the bot.
for file, case in CASES:
    if file in ("outgoing_message.json", "account_update.json", "user_marketing_preferences.json"):
        EXPECTED[(file, case)] = []


# Recorded payloads


def test_the_corpus_copy_is_complete_and_current() -> None:
    assert (CORPUS / "LICENSE.pywa").is_file()
    assert set(CASES) == set(EXPECTED)
    assert len(CASES) == 61
    if not SHARED.is_dir():
        pytest.skip("shared corpus not present")
    for path in SHARED.iterdir():
        assert (CORPUS / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("key", sorted(CASES), ids=lambda key: f"{key[0]}:{key[1]}")
def test_recorded_case(key: tuple[str, str]) -> None:
    parsed = provider().parse_webhook(webhook(CASES[key]))
    assert [summary(item) for item in parsed] == EXPECTED[key]


def test_timestamps_are_aware_utc() -> None:
    p = provider()
    [text] = p.parse_webhook(webhook(CASES[("message.json", "text")]))
    [sent] = p.parse_webhook(webhook(CASES[("message_status.json", "sent")]))
    assert text.timestamp == datetime(2023, 10, 11, 16, 53, 43, tzinfo=UTC)
    assert sent.timestamp == datetime.fromtimestamp(1698266945, tz=UTC)


def test_group_messages_are_ignored() -> None:
    body = copy.deepcopy(CASES[("message.json", "text")])
    body["entry"][0]["changes"][0]["value"]["messages"][0]["group_id"] = "G123"
    assert provider().parse_webhook(webhook(body)) == []


def test_indonesian_sender_and_user_id_only_sender() -> None:
    body = copy.deepcopy(CASES[("message.json", "text")])
    value = body["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = "6281200000002"
    [inbound] = provider().parse_webhook(webhook(body))
    assert inbound.contact == Contact("6281200000002", "US.13491208655302741918", "Test Name")

    del value["messages"][0]["from"]
    value["messages"][0]["from_user_id"] = "US.999"
    value["contacts"] = [{"profile": {"name": "Budi"}, "user_id": "US.999"}]
    [inbound] = provider().parse_webhook(webhook(body))
    assert inbound.contact == Contact(phone=None, user_id="US.999", name="Budi")
    assert inbound.contact.key == "uid:US.999"


def test_foreign_number_is_never_read_as_indonesian() -> None:
    body = copy.deepcopy(CASES[("message.json", "text")])
    body["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = "819012345678"  # Japan
    [inbound] = provider().parse_webhook(webhook(body))
    assert inbound.contact.phone == "819012345678"
    assert not inbound.contact.is_indonesian


# Signatures and the verification handshake


def signed(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def request_with(body: bytes, signature: str | None) -> WebhookRequest:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["x-hub-signature-256"] = signature
    return WebhookRequest(method="POST", body=body, headers=headers)


BODY = json.dumps(CASES[("message.json", "text")]).encode()


def test_correct_signature_is_accepted() -> None:
    provider().authenticate(request_with(BODY, signed(BODY)))


def test_missing_signature_is_unauthorized() -> None:
    with pytest.raises(WebhookUnauthorized) as info:
        provider().authenticate(request_with(BODY, None))
    assert info.value.status == 401


@pytest.mark.parametrize(
    "signature",
    [signed(BODY, "other-secret"), signed(BODY).removeprefix("sha256="), "sha256=", "garbage"],
)
def test_wrong_signature_is_forbidden(signature: str) -> None:
    with pytest.raises(WebhookForbidden) as info:
        provider().authenticate(request_with(BODY, signature))
    assert info.value.status == 403


def test_body_altered_after_signing_is_forbidden() -> None:
    altered = BODY.replace(b"Body Text", b"Body Texts")
    with pytest.raises(WebhookForbidden):
        provider().authenticate(request_with(altered, signed(BODY)))


def test_without_app_secret_nothing_is_accepted() -> None:
    with pytest.raises(WebhookUnauthorized, match="ISPBOT_CLOUDAPI_APP_SECRET"):
        provider(cloudapi_app_secret=None).authenticate(request_with(BODY, None))


def test_verification_handshake() -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    assert provider().verify_subscription(query) == "1158201444"
    with pytest.raises(WebhookForbidden):
        provider().verify_subscription(query | {"hub.verify_token": "nope"})
    with pytest.raises(WebhookForbidden):
        provider().verify_subscription(query | {"hub.mode": "unsubscribe"})
    with pytest.raises(WebhookForbidden):
        provider(cloudapi_verify_token=None).verify_subscription(query)
    with pytest.raises(WebhookUnauthorized):
        provider().verify_subscription({"hub.mode": "subscribe", "hub.challenge": "1"})


# Malformed bodies


def text_body(*, contacts: bool = True, **message: Any) -> dict[str, Any]:
    """The recorded text message with some fields replaced (and its contacts dropped)."""
    body = copy.deepcopy(CASES[("message.json", "text")])
    value = body["entry"][0]["changes"][0]["value"]
    value["messages"][0].update(message)
    if not contacts:
        del value["contacts"]
    return body


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'"text"',
        b'{"object": "whatsapp_business_account", "entry": {"id": 1}}',
        b'{"object": "whatsapp_business_account", "entry": [1]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": "x"}]}]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {"messages": 5}}]}]}',
    ],
)
def test_malformed_bodies(raw: bytes) -> None:
    with pytest.raises(MalformedWebhook):
        provider().parse_webhook(webhook(raw))


@pytest.mark.parametrize(
    "body",
    [
        {"object": "page", "entry": "whatever"},
        {"object": "whatsapp_business_account"},
        {
            "object": "whatsapp_business_account",
            "entry": [{"changes": [{"field": "x", "value": 1}]}],
        },
        text_body(text=5),
        text_body(text={"body": 5}),
        text_body(type="location", location={"latitude": "1", "longitude": 2}),
        text_body(type="location", location={"latitude": 10**400, "longitude": 2}),
        text_body(type="interactive", interactive={"type": "list_reply", "list_reply": []}),
        text_body(contacts=False, **{"from": 12345}),
        text_body(contacts=False, **{"from": "<WHATSAPP_USER_PHONE_NUMBER>"}),
    ],
)
def test_unreadable_messages_are_skipped(body: dict[str, Any]) -> None:
    assert provider().parse_webhook(webhook(body)) == []


def test_unknown_types_become_other() -> None:
    [inbound] = provider().parse_webhook(webhook(text_body(type=["text"])))
    assert (inbound.kind, inbound.text) == (InboundKind.OTHER, "")
    [inbound] = provider().parse_webhook(webhook(text_body(type="interactive")))
    assert inbound.kind is InboundKind.OTHER


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)
PARSER = CloudApiProvider(make_settings(), httpx.AsyncClient())


def only_malformed_escapes(body: bytes) -> None:
    try:
        parsed = PARSER.parse_webhook(webhook(body))
    except MalformedWebhook:
        return
    assert all(isinstance(item, InboundMessage | DeliveryStatus) for item in parsed)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in items:
        found.extend(paths(child, (*prefix, key)))
    return found


@st.composite
def mutated_cases(draw: st.DrawFn) -> Any:
    """A recorded body with one subtree replaced by arbitrary JSON."""
    body = copy.deepcopy(draw(st.sampled_from(sorted(CASES.items())))[1])
    path = draw(st.sampled_from(paths(body)[1:]))
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = draw(JSON)
    return body


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary())
def test_arbitrary_bytes(raw: bytes) -> None:
    only_malformed_escapes(raw)


@settings(max_examples=300, deadline=None, database=None)
@given(
    JSON | st.fixed_dictionaries({"object": st.just("whatsapp_business_account"), "entry": JSON})
)
def test_arbitrary_json(body: Any) -> None:
    only_malformed_escapes(json.dumps(body).encode())


@settings(max_examples=500, deadline=None, database=None)
@given(mutated_cases())
def test_mutated_recorded_bodies(body: Any) -> None:
    only_malformed_escapes(json.dumps(body).encode())


# Sending


class Recorder:
    def __init__(self, response: httpx.Response | Exception | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.response = response or httpx.Response(
            200,
            json={
                "messaging_product": "whatsapp",
                "contacts": [{"input": "6281200000002", "wa_id": "6281200000002"}],
                "messages": [{"id": "wamid.OUT"}],
            },
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.response, Exception):
            raise self.response
        return self.response

    @property
    def body(self) -> Any:
        return json.loads(self.requests[-1].content)


CUSTOMER = Contact("6281200000002", name="Budi")
ENVELOPE = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281200000002"}


async def sent(message: OutboundMessage, recorder: Recorder | None = None) -> Any:
    recorder = recorder or Recorder()
    result = await provider(recorder).send(message)
    assert result.message_id == "wamid.OUT"
    [request] = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/1122334455667/messages"
    assert request.headers["authorization"] == "Bearer TOKEN"
    return recorder.body


def choices(count: int, description: str | None = None) -> tuple[Choice, ...]:
    return tuple(Choice(f"c{n}", f"Pilihan {n}", description) for n in range(1, count + 1))


async def test_send_text() -> None:
    body = await sent(OutboundMessage(CUSTOMER, OutboundKind.TEXT, "Halo Budi"))
    assert body == ENVELOPE | {"type": "text", "text": {"body": "Halo Budi", "preview_url": True}}


async def test_send_two_buttons() -> None:
    message = OutboundMessage(
        CUSTOMER,
        OutboundKind.CHOICES,
        "Lanjutkan pendaftaran?",
        (Choice("yes", "Ya, lanjutkan sekarang juga"), Choice("no", "Tidak")),
    )
    assert await sent(message) == ENVELOPE | {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Lanjutkan pendaftaran?"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "yes", "title": "Ya, lanjutkan sekar…"}},
                    {"type": "reply", "reply": {"id": "no", "title": "Tidak"}},
                ]
            },
        },
    }


async def test_send_seven_row_list() -> None:
    message = OutboundMessage(
        CUSTOMER,
        OutboundKind.CHOICES,
        "Pilih paket:",
        choices(7, "Rp 199.900"),
        button="Lihat paket",
    )
    rows = [
        {"id": f"c{n}", "title": f"Pilihan {n}", "description": "Rp 199.900"} for n in range(1, 8)
    ]
    assert await sent(message) == ENVELOPE | {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Pilih paket:"},
            "action": {"button": "Lihat paket", "sections": [{"rows": rows}]},
        },
    }


async def test_send_list_limits_and_empty_body() -> None:
    long = Choice("x" * 50, "T" * 30, "D" * 80)
    message = OutboundMessage(CUSTOMER, OutboundKind.CHOICES, "", (long,) * 4, button="B" * 25)
    interactive = (await sent(message))["interactive"]
    assert interactive["body"] == {"text": "Pilih:"}
    assert interactive["action"]["button"] == "B" * 19 + "…"
    row = interactive["action"]["sections"][0]["rows"][0]
    assert row == {"id": "x" * 50, "title": "T" * 23 + "…", "description": "D" * 71 + "…"}


async def test_titles_cut_alike_are_told_apart_by_their_ends() -> None:
    """Three buttons all read "Kota Administrasi J…": the customer could not pick Jakarta
    Selatan from Jakarta Utara."""
    cities = tuple(Choice(f"31.7{n}", f"Kota Administrasi Jakarta {name}")
                   for n, name in enumerate(("Pusat", "Utara", "Selatan")))
    interactive = (await sent(OutboundMessage(CUSTOMER, OutboundKind.CHOICES, "Maksud Anda?", cities)))["interactive"]
    assert interactive["type"] == "list"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [r["title"] for r in rows] == ["…Jakarta Pusat", "…Jakarta Utara", "…Jakarta Selatan"]
    assert rows[2]["description"] == "Kota Administrasi Jakarta Selatan"
    distinct = (Choice("a", "Kabupaten Bandung Barat"), Choice("b", "Kota Bandung"))
    buttons = (await sent(OutboundMessage(CUSTOMER, OutboundKind.CHOICES, "Maksud Anda?", distinct)))["interactive"]
    assert buttons["type"] == "button"  # cut, but still apart: buttons as before


async def test_send_twelve_choices_as_numbered_text() -> None:
    message = OutboundMessage(CUSTOMER, OutboundKind.CHOICES, "Pilih kecamatan:", choices(12))
    lines = "\n".join(f"{n}. Pilihan {n}" for n in range(1, 13))
    assert await sent(message) == ENVELOPE | {
        "type": "text",
        "text": {"body": f"Pilih kecamatan:\n\n{lines}", "preview_url": True},
    }


async def test_send_document_and_image() -> None:
    document = OutboundMessage(
        CUSTOMER,
        OutboundKind.DOCUMENT,
        "Invoice Mei",
        url="https://isp.test/i/1.pdf",
        filename="invoice.pdf",
    )
    assert await sent(document) == ENVELOPE | {
        "type": "document",
        "document": {
            "link": "https://isp.test/i/1.pdf",
            "filename": "invoice.pdf",
            "caption": "Invoice Mei",
        },
    }
    image = OutboundMessage(CUSTOMER, OutboundKind.IMAGE, "Peta", url="https://isp.test/m.png")
    assert await sent(image) == ENVELOPE | {
        "type": "image",
        "image": {"link": "https://isp.test/m.png", "caption": "Peta"},
    }


async def test_long_text_is_truncated() -> None:
    body = await sent(OutboundMessage(CUSTOMER, OutboundKind.TEXT, "a" * 5000))
    assert len(body["text"]["body"]) == 4096
    assert body["text"]["body"].endswith("a…")


async def test_user_id_only_contact_goes_in_to() -> None:
    body = await sent(OutboundMessage(Contact(None, "US.999"), OutboundKind.TEXT, "Halo"))
    assert body["to"] == "US.999"


@pytest.mark.parametrize(
    "overrides", [{"cloudapi_token": None}, {"cloudapi_phone_number_id": None}]
)
async def test_missing_configuration_is_permanent(overrides: dict[str, Any]) -> None:
    recorder = Recorder()
    with pytest.raises(PermanentGatewayError, match="ISPBOT_CLOUDAPI_"):
        await provider(recorder, **overrides).send(
            OutboundMessage(CUSTOMER, OutboundKind.TEXT, "x")
        )
    assert recorder.requests == []


def meta_error(status: int, code: int, headers: dict[str, str] | None = None) -> httpx.Response:
    error = {"message": f"(#{code}) something", "type": "OAuthException", "code": code}
    return httpx.Response(status, json={"error": error}, headers=headers)


@pytest.mark.parametrize(
    ("response", "expected", "retry_after"),
    [
        (httpx.Response(500, text="oops"), RetryableGatewayError, None),
        (httpx.Response(503), RetryableGatewayError, None),
        (httpx.Response(429, headers={"Retry-After": "7"}), RetryableGatewayError, 7.0),
        (meta_error(400, 131026), PermanentGatewayError, None),
        (meta_error(400, 131056), RetryableGatewayError, None),
        (meta_error(400, 130429, {"Retry-After": "3"}), RetryableGatewayError, 3.0),
        (meta_error(400, 131047), PermanentGatewayError, None),
        (meta_error(401, 190), PermanentGatewayError, None),
        (meta_error(500, 131000), RetryableGatewayError, None),
        (meta_error(500, 131026), PermanentGatewayError, None),
        (httpx.Response(400, text="not json"), PermanentGatewayError, None),
        (httpx.Response(200, text="not json"), RetryableGatewayError, None),
        (httpx.ReadTimeout("timed out"), RetryableGatewayError, None),
        (httpx.ConnectError("refused"), RetryableGatewayError, None),
    ],
)
async def test_send_errors(
    response: httpx.Response | Exception, expected: type[Exception], retry_after: float | None
) -> None:
    message = OutboundMessage(CUSTOMER, OutboundKind.TEXT, "Halo")
    with pytest.raises(expected) as info:
        await provider(Recorder(response)).send(message)
    if isinstance(info.value, RetryableGatewayError):
        assert info.value.retry_after == retry_after
    assert "TOKEN" not in str(info.value)


# Media


def media_provider(
    content: bytes | AsyncIterator[bytes], info: dict[str, Any] | None = None
) -> tuple[CloudApiProvider, list[httpx.Request]]:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.host == "graph.test":
            meta = {"url": "https://lookaside.test/media?mid=65463453", "mime_type": "image/jpeg"}
            return httpx.Response(200, json=meta | (info or {}))
        return httpx.Response(200, content=content)

    return provider(handler), requests


async def test_fetch_media() -> None:
    p, requests = media_provider(b"\xff\xd8jpeg")
    assert await p.fetch_media("65463453") == (b"\xff\xd8jpeg", "image/jpeg")
    assert [str(r.url) for r in requests] == [
        f"{BASE}/65463453",
        "https://lookaside.test/media?mid=65463453",
    ]
    assert all(r.headers["authorization"] == "Bearer TOKEN" for r in requests)


async def test_fetch_media_refuses_large_files(monkeypatch: pytest.MonkeyPatch) -> None:
    p, _ = media_provider(b"x", {"file_size": 11 * 1024 * 1024})
    with pytest.raises(PermanentGatewayError, match="too large"):
        await p.fetch_media("65463453")
    monkeypatch.setattr(cloudapi, "MAX_MEDIA_BYTES", 10)
    p, _ = media_provider(b"x" * 11)  # declared by Content-Length
    with pytest.raises(PermanentGatewayError, match="too large"):
        await p.fetch_media("65463453")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"xxxx"

    p, _ = media_provider(chunks())  # no Content-Length: counted while reading
    with pytest.raises(PermanentGatewayError, match="larger than"):
        await p.fetch_media("65463453")


async def test_fetch_media_rejects_odd_ids() -> None:
    p, requests = media_provider(b"x")
    with pytest.raises(PermanentGatewayError):
        await p.fetch_media("../me")
    assert requests == []
