"""`POST /webhooks/{provider}` over real HTTP: every recorded payload is accepted, bad
signatures and bodies get the right answer, and no body ever gets a 500."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import CONFORMANCE, Harness

ALL_GATEWAYS = {
    "provider": "fonnte",
    "fonnte_token": "test-token",
    "cloudapi_token": "test-token",
    "cloudapi_phone_number_id": "1122334455667",
    "cloudapi_app_secret": "app-secret",
    "cloudapi_verify_token": "verify-me",
    "wablas_token": "t",
    "woowa_token": "t",
    "waha_api_key": "k",
    "evolution_api_key": "k",
}


def recorded_bodies() -> list[tuple[str, str, Any]]:
    """(gateway, case name, body) for every recorded webhook in tests/conformance."""
    cases = []
    for path in sorted(CONFORMANCE.glob("*/*.json")):
        gateway = path.parent.name
        data = json.loads(path.read_text())
        if gateway == "cloudapi":
            cases += [(gateway, f"{path.stem}:{name}", body) for name, body in data.items()]
        else:
            cases.append((gateway, path.stem, data))
    return cases


def meta_signature(body: bytes, secret: str = "app-secret") -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature-256": f"sha256={digest}"}


@pytest.fixture
async def gateways(harness_factory: Any, sqlite_url: str) -> Harness:
    return await harness_factory(sqlite_url, **ALL_GATEWAYS)  # type: ignore[no-any-return]


@pytest.mark.parametrize(("gateway", "case", "body"), recorded_bodies(), ids=lambda v: v if isinstance(v, str) else "")
async def test_every_recorded_webhook_is_accepted(gateways: Harness, gateway: str, case: str, body: Any) -> None:
    raw = json.dumps(body).encode()
    headers = meta_signature(raw) if gateway == "cloudapi" else {}
    response = await gateways.post(gateway, raw, headers=headers)
    assert response.status == 200, await response.text()


async def test_recorded_text_messages_reach_the_bot_and_get_an_answer(gateways: Harness) -> None:
    fonnte = json.loads((CONFORMANCE / "fonnte" / "private_text.json").read_text())
    group = json.loads((CONFORMANCE / "fonnte" / "group_text.json").read_text())
    assert (await (await gateways.post("fonnte", fonnte)).json())["stored"] == 1
    assert (await (await gateways.post("fonnte", group)).json())["stored"] == 0
    await gateways.settle()
    assert len(gateways.gateway.texts_to("6281200000101")) == 1
    assert "Selamat datang" in gateways.gateway.texts_to("6281200000101")[0]
    assert gateways.gateway.requests[0].url == "https://api.fonnte.com/send"


async def test_foreign_senders_get_a_polite_answer(gateways: Harness) -> None:
    body = json.loads((CONFORMANCE / "cloudapi" / "message.json").read_text())["text"]
    raw = json.dumps(body).encode()
    assert (await gateways.post("cloudapi", raw, headers=meta_signature(raw))).status == 200
    await gateways.settle()
    [sent] = gateways.gateway.requests
    assert sent.json["to"] == "972987654321"
    assert "hanya untuk nomor Indonesia" in sent.json["text"]["body"]


async def test_cloudapi_signature_missing_is_401_and_wrong_is_403(gateways: Harness) -> None:
    raw = (CONFORMANCE / "cloudapi" / "message.json").read_bytes()
    assert (await gateways.post("cloudapi", raw)).status == 401
    assert (await gateways.post("cloudapi", raw, headers=meta_signature(raw, "wrong"))).status == 403
    tampered = raw.replace(b"Body Text", b"Evil Text")
    assert (await gateways.post("cloudapi", tampered, headers=meta_signature(raw))).status == 403


async def test_cloudapi_verification_handshake(gateways: Harness) -> None:
    ok = await gateways.client.get("/webhooks/cloudapi?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42")
    assert ok.status == 200 and await ok.text() == "42"
    bad = await gateways.client.get("/webhooks/cloudapi?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=42")
    assert bad.status == 403


async def test_shared_secret_guards_gateways_that_cannot_sign(harness_factory: Any, sqlite_url: str) -> None:
    h = await harness_factory(sqlite_url, provider="fonnte", webhook_secret="s3cret-value")
    body = json.loads((CONFORMANCE / "fonnte" / "private_text.json").read_text())
    assert (await h.post("fonnte", body, secret=False)).status == 401
    assert (await h.post("fonnte", body, query="?secret=wrong")).status == 403
    assert (await h.post("fonnte", body, query="?secret=s3cret-value")).status == 200
    assert (await h.post("fonnte", body, headers={"x-webhook-secret": "s3cret-value"})).status == 200


async def test_webhooks_are_refused_when_nothing_could_authenticate_them(
    harness_factory: Any, sqlite_url: str
) -> None:
    """No secret configured is no authentication, not "anyone may post": otherwise a forged
    Fonnte webhook "from" a customer's number could take over their account."""
    h = await harness_factory(sqlite_url, **{**ALL_GATEWAYS, "webhook_secret": None, "cloudapi_app_secret": None})
    fonnte = json.loads((CONFORMANCE / "fonnte" / "private_text.json").read_text())
    assert (await h.post("fonnte", fonnte, secret=False)).status == 401
    assert (await h.post("fonnte", fonnte, query="?secret=")).status == 401
    for gateway in ("wablas", "woowa", "waha"):
        assert (await h.post(gateway, {"phone": "6281200000101"}, secret=False)).status == 401, gateway
    raw = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
    assert (await h.post("cloudapi", raw, headers=meta_signature(raw))).status == 401
    await h.settle()
    assert h.gateway.requests == []


def test_serve_refuses_a_configuration_that_would_take_unauthenticated_webhooks(tmp_path: Path) -> None:
    from ispbot.providers.registry import configuration_problems
    from tests.conftest import make_settings

    def problems(**values: Any) -> list[str]:
        return configuration_problems(make_settings("sqlite+aiosqlite:///x.db", tmp_path, **values))

    assert problems() == []  # the sandbox alone: a developer's machine
    assert problems(provider="fonnte", fonnte_token="t") == []
    assert problems(provider="fonnte", fonnte_token="t", webhook_secret=None) == [
        "fonnte: set ISPBOT_WEBHOOK_SECRET; without it every webhook is refused"
    ]
    assert problems(provider="cloudapi", cloudapi_token="t", cloudapi_app_secret=None) == [
        "cloudapi: set ISPBOT_CLOUDAPI_APP_SECRET; without it every webhook is refused"
    ]
    assert problems(provider="waha", waha_api_key="k", waha_hmac_key="h", webhook_secret=None) == []
    left = problems(provider="sandbox", fonnte_token="t")
    assert len(left) == 1 and left[0].startswith("ISPBOT_PROVIDER is sandbox while ISPBOT_FONNTE_TOKEN is set")


async def test_the_sandbox_chat_is_off_beside_a_real_gateway(harness_factory: Any, sqlite_url: str) -> None:
    """Left on by mistake beside Fonnte, /sandbox would let anyone read and write any
    customer's chat (their OTP codes, their invoice links)."""
    alone = await harness_factory(sqlite_url)
    assert (await alone.client.get("/sandbox/api/messages?phone=081200000101")).status == 200
    beside = await harness_factory(sqlite_url, provider="sandbox", fonnte_token="t")
    assert (await beside.client.get("/sandbox/api/messages?phone=081200000101")).status == 404
    assert (await beside.client.post("/sandbox/api/send", json={"phone": "081200000101", "text": "tagihan"})).status in (
        404, 405,
    )


@pytest.mark.parametrize("gateway", ["fonnte", "wablas", "woowa", "waha", "evolution"])
async def test_a_lone_surrogate_is_read_as_a_replacement_character_not_a_503(gateways: Harness, gateway: str) -> None:
    """'\\ud800' alone is valid JSON but no text; it could be neither hashed nor stored, so
    the gateway got 503 and retried it forever."""
    path = {"fonnte": "private_text.json", "wablas": "text.json", "woowa": "text.json", "waha": "message_text.json",
            "evolution": "messages_upsert_text.json"}[gateway]
    raw = (CONFORMANCE / gateway / path).read_bytes()
    body = json.loads(raw)
    said = {"waha": "cek status", "evolution": "tagihan"}.get(gateway, "halo")
    text = json.dumps(body).replace(f'"{said}', f'"\\ud800{said}', 1).replace('"Halo', '"\\ud800Halo', 1)
    assert "\\ud800" in text, "the recorded body has no text to spoil"
    response = await gateways.post(gateway, text.encode())
    assert response.status == 200, await response.text()
    await gateways.settle()


async def test_unreadable_oversized_and_unknown(gateways: Harness) -> None:
    assert (await gateways.post("fonnte", b"this is not json")).status == 400
    assert (await gateways.post("fonnte", b"[1, 2, 3]")).status == 400
    huge = json.dumps({"sender": "6281200000101", "message": "x" * (1024 * 1024 + 10)}).encode()
    assert (await gateways.post("fonnte", huge)).status == 413
    assert (await gateways.post("nosuchgateway", {"a": 1})).status == 404


async def test_a_redelivered_webhook_is_processed_once(gateways: Harness) -> None:
    body = json.loads((CONFORMANCE / "fonnte" / "private_text_2026.json").read_text())
    for _ in range(3):
        assert (await gateways.post("fonnte", body)).status == 200
    await gateways.settle()
    assert len(gateways.gateway.texts_to("6281200000103")) == 1
    metrics = await (await gateways.client.get("/metrics")).text()
    assert 'ispbot_inbound_duplicates_total{provider="fonnte"} 2.0' in metrics


async def test_delivery_statuses_mark_our_sent_messages(gateways: Harness) -> None:
    fonnte = json.loads((CONFORMANCE / "fonnte" / "private_text.json").read_text())
    fonnte["sender"] = "6281200000104"
    await gateways.post("fonnte", fonnte)
    await gateways.settle()
    from sqlalchemy import select

    from ispbot.storage.models import OutboxMessage

    async with gateways.services.db.sessions() as s:
        row = (await s.execute(select(OutboxMessage))).scalar_one()
    assert row.status == "sent" and row.provider_message_id == "1"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)


@pytest.mark.parametrize("gateway", ["fonnte", "wablas", "woowa", "cloudapi", "waha", "evolution"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=300), JSON.map(lambda v: json.dumps(v).encode())))
async def test_no_body_ever_gets_a_500(gateways: Harness, gateway: str, body: bytes) -> None:
    headers = meta_signature(body) if gateway == "cloudapi" else {}
    response = await gateways.post(gateway, body, headers=headers)
    assert response.status in (200, 400, 401, 403, 413), (response.status, await response.text())


async def test_healthz_reports_the_database(gateways: Harness) -> None:
    response = await gateways.client.get("/healthz")
    assert response.status == 200 and (await response.json())["database"] == "ok"


def test_conformance_copy_is_complete() -> None:
    for gateway in ("cloudapi", "fonnte", "waha", "evolution"):
        assert list((CONFORMANCE / gateway).glob("*.json")), gateway
    assert (CONFORMANCE / "cloudapi" / "LICENSE.pywa").exists()
    assert Path(CONFORMANCE).is_dir()


async def test_deeply_nested_json_is_refused_not_crashed(gateways: Harness) -> None:
    for gateway in ("fonnte", "wablas", "woowa", "waha", "evolution"):
        response = await gateways.post(gateway, b"[" * 100_000)
        assert response.status == 400, gateway


def test_secrets_with_undecodable_bytes_are_compared_not_crashed() -> None:
    from ispbot.providers.base import WebhookRequest, check_shared_secret
    from ispbot.providers.errors import WebhookForbidden

    request = WebhookRequest("POST", b"{}", headers={"x-webhook-secret": "\udcff"})
    with pytest.raises(WebhookForbidden):
        check_shared_secret(request, "expected")


# -- hostile input ------------------------------------------------------------------------

HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["{{ 7*7 }}", "<script>alert(1)</script>", "'; DROP TABLE inbox; --", "\u202e\u200b",
                     "x" * 10_000, "😀" * 50, "", " ", "0", "-1", "1e309", "null", "@s.whatsapp.net"]),
)


def _replace_strings(value: Any, draw: Callable[[], str]) -> Any:
    if isinstance(value, str):
        return draw()
    if isinstance(value, list):
        return [_replace_strings(v, draw) for v in value]
    if isinstance(value, dict):
        return {k: _replace_strings(v, draw) for k, v in value.items()}
    return value


_PARSERS: dict[str, Any] = {}


@settings(max_examples=120, deadline=None)
@given(case=st.sampled_from(recorded_bodies()), data=st.data())
def test_every_parser_reads_hostile_strings_in_real_payloads_or_refuses_them(case: Any, data: Any) -> None:
    """Every string of every recorded payload replaced by hostile text: the gateway's parser
    returns neutral messages or refuses the body (MalformedWebhook), nothing else."""
    import httpx

    from ispbot.providers.base import WebhookRequest
    from ispbot.providers.errors import WebhookRejected
    from ispbot.providers.messages import DeliveryStatus, InboundMessage
    from ispbot.providers.registry import build_providers
    from tests.conftest import make_settings

    gateway, _, body = case
    hostile = _replace_strings(body, lambda: data.draw(HOSTILE_TEXT))
    providers = _PARSERS or _PARSERS.update(build_providers(
        make_settings("sqlite+aiosqlite://", Path("/nonexistent"), **ALL_GATEWAYS), httpx.AsyncClient())) or _PARSERS
    request = WebhookRequest("POST", json.dumps(hostile).encode(), headers={"content-type": "application/json"})
    try:
        events = providers[gateway].parse_webhook(request)
    except WebhookRejected:
        return
    for event in events:
        assert isinstance(event, InboundMessage | DeliveryStatus)
        if isinstance(event, InboundMessage):
            assert InboundMessage.from_json(event.to_json()) == event  # storable in the inbox


async def test_a_replayed_signed_body_is_accepted_but_handled_once(gateways: Harness) -> None:
    body = json.loads((CONFORMANCE / "cloudapi" / "message.json").read_text())["text"]
    body["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = "6281200000111"
    body["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = "6281200000111"
    raw = json.dumps(body).encode()
    answers = [await gateways.post("cloudapi", raw, headers=meta_signature(raw)) for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 200]
    assert [(await a.json())["stored"] for a in answers] == [1, 0, 0]
    await gateways.settle()
    assert len(gateways.gateway.texts_to("6281200000111")) == 1


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x",
                                          "application/x-www-form-urlencoded", "", "application/json; charset=latin-1"])
@pytest.mark.parametrize("gateway", ["fonnte", "wablas", "woowa", "cloudapi", "waha", "evolution"])
async def test_wrong_content_types_are_4xx_never_500(gateways: Harness, gateway: str, content_type: str) -> None:
    for raw in (b"<xml>no</xml>", b"a=1&b=%ff%fe", b"\xff\xfe\x00garbage", b'{"sender": "6281200000101"}'):
        headers = {"content-type": content_type, **(meta_signature(raw) if gateway == "cloudapi" else {})}
        response = await gateways.client.post(f"/webhooks/{gateway}", data=raw, headers=headers)
        assert response.status in (200, 400, 401, 403, 415), (content_type, raw, response.status)


async def test_signed_but_deeply_nested_or_oversized_cloudapi_bodies_are_refused(gateways: Harness) -> None:
    nested = b'{"entry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert (await gateways.post("cloudapi", nested, headers=meta_signature(nested))).status == 400
    huge = json.dumps({"object": "whatsapp_business_account", "pad": "x" * (1024 * 1024 + 1)}).encode()
    assert (await gateways.post("cloudapi", huge, headers=meta_signature(huge))).status == 413
