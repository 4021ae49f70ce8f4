"""WhatsApp's 24-hour window: a status change, reminder or code that the business starts
reaches a Cloud API customer as the approved template once the customer's last message is
more than a day old, and as plain text inside the window or on the other gateways."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import aiohttp
import httpx
import pytest
from sqlalchemy import select

from ispbot import workflow
from ispbot.storage.lifecycle import Action
from ispbot.storage.models import Conversation, OutboxMessage, Registration
from tests.bot.test_webhooks import meta_signature
from tests.conftest import Harness
from tests.fakes import SentRequest
from tests.flows.chat import CLOUDAPI, FONNTE, Chat
from tests.webadmin.support import Browser, make_registration, seed_staff

PHONE = "6281200000140"


async def act(h: Harness, registration_id: int, action: Action, **kwargs: Any) -> None:
    async with h.services.db.transaction() as session:
        registration = await session.get_one(Registration, registration_id)
        await workflow.act(h.services, session, registration, action, actor=None, **kwargs)
    await h.settle()


def last_to(h: Harness, phone: str) -> SentRequest:
    return [r for r in h.gateway.requests if r.recipient == phone][-1]


async def customer_wrote_and_registered(h: Harness, phone: str = PHONE, gateway: str = "cloudapi") -> int:
    await Chat(h, phone=phone, gateway=gateway).send("halo")  # the window opens
    return (await make_registration(h, phone=phone, full_name="Rina Wulandari")).id


async def test_inside_the_window_a_status_change_goes_as_text(cloudapi: Harness) -> None:
    registration_id = await customer_wrote_and_registered(cloudapi)
    cloudapi.clock.advance(hours=23)
    await act(cloudapi, registration_id, Action.VERIFY)
    sent = last_to(cloudapi, PHONE).json
    assert sent["type"] == "text" and "Data Anda telah diverifikasi" in sent["text"]["body"]


async def test_a_day_after_the_customer_wrote_the_status_change_goes_as_its_template(cloudapi: Harness) -> None:
    registration_id = await customer_wrote_and_registered(cloudapi)
    cloudapi.clock.advance(days=2)
    await act(cloudapi, registration_id, Action.VERIFY)
    async with cloudapi.services.db.sessions() as session:
        number = (await session.get_one(Registration, registration_id)).registration_number
    sent = last_to(cloudapi, PHONE).json
    assert sent["type"] == "template"
    assert sent["template"]["name"] == "ispbot_registration_verified"
    assert sent["template"]["language"] == {"code": "id"}
    assert sent["template"]["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": "Rina Wulandari"}, {"type": "text", "text": number}]}
    ]


async def test_the_survey_date_is_written_in_the_customers_language(cloudapi: Harness) -> None:
    registration_id = await customer_wrote_and_registered(cloudapi)
    await act(cloudapi, registration_id, Action.VERIFY)
    cloudapi.clock.advance(days=3)
    survey = cloudapi.clock.now().replace(hour=3, minute=0) + timedelta(days=1)  # 10.00 WIB
    await act(cloudapi, registration_id, Action.SCHEDULE_SURVEY, survey_date=survey)
    template = last_to(cloudapi, PHONE).json["template"]
    assert template["name"] == "ispbot_survey_scheduled"
    when = template["components"][0]["parameters"][2]["text"]
    assert when == "Rabu, 25 November 2026, 10.00 WIB"


async def test_a_rejection_reason_typed_on_several_lines_is_one_parameter(cloudapi: Harness) -> None:
    """Meta refuses a parameter with a line break or a run of spaces."""
    registration_id = await customer_wrote_and_registered(cloudapi)
    cloudapi.clock.advance(days=2)
    await act(cloudapi, registration_id, Action.REJECT, reason="Di luar jangkauan.\n\nTiang    terdekat 2 km")
    parameters = last_to(cloudapi, PHONE).json["template"]["components"][0]["parameters"]
    assert parameters[2] == {"type": "text", "text": "Di luar jangkauan. Tiang terdekat 2 km"}


async def test_a_registration_from_the_web_form_is_confirmed_by_template(cloudapi: Harness) -> None:
    """Someone who registered on the website never wrote on WhatsApp: no window at all."""
    registration_id = (await make_registration(cloudapi, phone=PHONE)).id
    await act(cloudapi, registration_id, Action.CANCEL)
    assert last_to(cloudapi, PHONE).json["template"]["name"] == "ispbot_registration_cancelled"


async def test_fonnte_has_no_window_and_sends_the_text(fonnte: Harness) -> None:
    registration_id = await customer_wrote_and_registered(fonnte, gateway="fonnte")
    fonnte.clock.advance(days=2)
    await act(fonnte, registration_id, Action.VERIFY)
    assert "Data Anda telah diverifikasi" in last_to(fonnte, PHONE).form["message"]
    async with fonnte.services.db.sessions() as session:
        payloads = list((await session.execute(select(OutboxMessage.payload))).scalars())
    assert all("template" not in payload for payload in payloads)


def failed_status(wamid: str, code: int) -> dict[str, Any]:
    status = {
        "id": wamid, "status": "failed", "timestamp": "1764000000", "recipient_id": PHONE,
        "errors": [{"code": code, "title": "Re-engagement message", "message": "Re-engagement message"}],
    }
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1122334455667"}, "statuses": [status]}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}


async def post_status(h: Harness, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    response = await h.post("cloudapi", raw, headers=meta_signature(raw))
    assert response.status == 200
    await h.settle()


async def test_when_meta_reports_the_window_closed_the_template_follows_once(
    harness_factory: Callable[..., Any], db_url: str
) -> None:
    """Queued just inside the window, the text reached Meta after it had closed (an outage,
    clocks that disagree): Meta accepts it, then reports it failed with 131047. (On
    PostgreSQL the webhook's statements commit one by one: the template is queued by one.)"""
    cloudapi: Harness = await harness_factory(db_url, **CLOUDAPI, public_url="http://isp.example")  # admin cookies
    await seed_staff(cloudapi)
    registration_id = await customer_wrote_and_registered(cloudapi)
    cloudapi.clock.advance(hours=23)
    await act(cloudapi, registration_id, Action.VERIFY)
    text = last_to(cloudapi, PHONE)
    assert text.json["type"] == "text"
    async with cloudapi.services.db.sessions() as session:
        wamid = (await session.execute(select(OutboxMessage.provider_message_id).order_by(OutboxMessage.id.desc()))).scalar()
    assert wamid

    await post_status(cloudapi, failed_status(wamid, 131047))
    resent = last_to(cloudapi, PHONE).json
    assert resent["type"] == "template" and resent["template"]["name"] == "ispbot_registration_verified"

    sent_before = len(cloudapi.gateway.requests)
    await post_status(cloudapi, failed_status(wamid, 131047))  # Meta may repeat a webhook
    assert len(cloudapi.gateway.requests) == sent_before

    # The CS agent sees on the registration which message failed and what went instead.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        cs = Browser(cloudapi, http)
        assert (await cs.login("cs")).status == 303
        page = await cs.page(f"/admin/registrations/{registration_id}")
    transcript = page[page.index("bubble-out"):]
    assert transcript.count("tidak terkirim") == 1 and transcript.count("template WhatsApp") == 1
    assert transcript.index("tidak terkirim") < transcript.index("template WhatsApp")
    assert "data pendaftaran Anda telah diverifikasi. Nomor Registrasi:" in transcript  # the template's words


async def test_another_failure_brings_no_template(cloudapi: Harness) -> None:
    registration_id = await customer_wrote_and_registered(cloudapi)
    await act(cloudapi, registration_id, Action.VERIFY)
    async with cloudapi.services.db.sessions() as session:
        wamid = (await session.execute(select(OutboxMessage.provider_message_id).order_by(OutboxMessage.id.desc()))).scalar()
    sent_before = len(cloudapi.gateway.requests)
    await post_status(cloudapi, failed_status(str(wamid), 131026))  # not on WhatsApp
    assert len(cloudapi.gateway.requests) == sent_before
    async with cloudapi.services.db.sessions() as session:
        delivery = (await session.execute(select(OutboxMessage.delivery).where(OutboxMessage.provider_message_id == wamid))).scalar()
    assert delivery == "failed"


async def test_a_text_meta_refuses_at_once_for_the_window_goes_as_the_template(cloudapi: Harness) -> None:
    registration_id = await customer_wrote_and_registered(cloudapi)
    cloudapi.clock.advance(hours=23)
    refusal = {"error": {"message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047}}
    cloudapi.gateway.fail_next(httpx.Response(400, json=refusal))
    await act(cloudapi, registration_id, Action.VERIFY)
    tried, sent = [r.json for r in cloudapi.gateway.requests if r.recipient == PHONE][-2:]
    assert tried["type"] == "text" and sent["type"] == "template"
    async with cloudapi.services.db.sessions() as session:
        row = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id.desc()))).scalars().first()
    assert row is not None and row.status == "sent"


async def test_a_bot_reply_never_carries_a_template(cloudapi: Harness) -> None:
    await Chat(cloudapi, phone=PHONE, gateway="cloudapi").send("halo")
    async with cloudapi.services.db.sessions() as session:
        payloads = list((await session.execute(select(OutboxMessage.payload))).scalars())
    assert payloads and all("template" not in payload for payload in payloads)


async def test_the_web_forms_code_goes_as_the_authentication_template(cloudapi: Harness) -> None:
    response = await cloudapi.client.post(
        "/api/registrations/public/request-otp", json={"phone": "0812-0000-0140", "full_name": "Rina"}
    )
    assert response.status == 200, await response.text()
    await cloudapi.settle()
    template = last_to(cloudapi, PHONE).json["template"]
    assert template["name"] == "ispbot_otp"
    body, button = template["components"]
    code = body["parameters"][0]["text"]
    assert len(code) == 6 and code.isdigit()
    assert button == {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": code}]}


async def test_an_invoice_reminder_goes_as_its_template_with_rupiah_and_due_date(cloudapi: Harness) -> None:
    from ispbot.billing import issue_monthly_invoices, send_due_reminders
    from tests.bot.test_billing import add_conversation, add_customer, at

    cloudapi.clock.set(at(date(2026, 12, 1), hour=0))
    await add_customer(cloudapi, "AGLS202511010001", PHONE)
    await add_conversation(cloudapi, PHONE, "cloudapi", "id")  # wrote long ago: no window
    assert await issue_monthly_invoices(cloudapi.services) == 1
    cloudapi.clock.set(at(date(2026, 12, 17)))  # three days before it is due
    assert await send_due_reminders(cloudapi.services) == 1
    await cloudapi.settle()
    template = last_to(cloudapi, PHONE).json["template"]
    assert template["name"] == "ispbot_invoice_reminder"
    values = [p["text"] for p in template["components"][0]["parameters"]]
    assert values[0] == "Pelanggan 0001" and values[2:] == ["Desember 2026", "Rp 199.900", "Minggu, 20 Desember 2026"]


async def test_a_staff_alert_goes_as_its_template(cloudapi: Harness) -> None:
    from ispbot.jobs import JOBS

    await make_registration(cloudapi, phone=PHONE)
    cloudapi.clock.advance(hours=25)
    assert await JOBS["sla-alerts"].run(cloudapi.services) == 1
    await cloudapi.settle()
    cs_phone = "6281200000800"  # ISPBOT_CS_PHONE: staff never write to the bot
    template = last_to(cloudapi, cs_phone).json["template"]
    assert template["name"] == "ispbot_sla_alert"
    settings = cloudapi.services.settings
    assert [p["text"] for p in template["components"][0]["parameters"]] == [
        "1", settings.isp_name, "24", f"{settings.public_url}/admin"]


async def erase_on_request(h: Harness, chat: Chat, *, days_later: int) -> dict[str, Any]:
    from ispbot.erasure import erase
    from ispbot.storage.models import DataDeletionRequest, User

    await make_registration(h, phone=chat.phone)
    await chat.send("hapus data")
    await chat.tap("Hapus")
    h.clock.advance(days=days_later)
    await seed_staff(h)
    async with h.services.db.transaction() as session:
        request = (await session.execute(select(DataDeletionRequest))).scalar_one()
        supervisor = (await session.execute(select(User).where(User.username == "supervisor"))).scalar_one()
        await erase(h.services, session, request, supervisor, None)
    await h.settle()
    return last_to(h, chat.phone).json  # type: ignore[no-any-return]


async def test_a_deletion_carried_out_at_once_is_told_as_text(cloudapi: Harness) -> None:
    """The conversation row is deleted with the data: the window is judged from it as it was."""
    told = await erase_on_request(cloudapi, Chat(cloudapi, phone=PHONE, gateway="cloudapi"), days_later=0)
    assert told["type"] == "text" and "selesai" in told["text"]["body"]


async def test_a_deletion_carried_out_days_later_is_told_by_template(cloudapi: Harness) -> None:
    told = await erase_on_request(cloudapi, Chat(cloudapi, phone=PHONE, gateway="cloudapi"), days_later=3)
    assert told["template"]["name"] == "ispbot_data_deleted"
    assert told["template"]["components"][0]["parameters"][0] == {"type": "text", "text": "1"}


async def test_the_admin_warns_before_a_free_text_that_would_not_arrive(
    harness_factory: Callable[..., Any], sqlite_url: str
) -> None:
    h: Harness = await harness_factory(sqlite_url, **CLOUDAPI, public_url="http://isp.example")
    await seed_staff(h)
    registration_id = await customer_wrote_and_registered(h)
    warning = "Pelanggan terakhir menulis lebih dari 24 jam lalu: Cloud API hanya mengantar template"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        cs = Browser(h, http)
        assert (await cs.login("cs")).status == 303
        assert warning not in await cs.page(f"/admin/registrations/{registration_id}")
        h.clock.advance(hours=25)
        assert (await cs.login("cs")).status == 303  # a new working day, a new sign-in
        assert warning in await cs.page(f"/admin/registrations/{registration_id}")
        await Chat(h, phone=PHONE, gateway="cloudapi").send("status")  # the customer writes again
        assert "hanya mengantar template" not in await cs.page(f"/admin/registrations/{registration_id}")
        from_the_web = await make_registration(h, phone="6281200000141", email="web@example.com")
        page = await cs.page(f"/admin/registrations/{from_the_web.id}")
        assert "Nomor ini belum pernah menulis ke WhatsApp kami: Cloud API hanya mengantar template" in page


@pytest.mark.parametrize(("gateway", "settings", "warned"), [("cloudapi", CLOUDAPI, True), ("fonnte", FONNTE, False)])
async def test_the_cs_inbox_warns_of_the_window_only_where_the_gateway_has_it(
    harness_factory: Callable[..., Any], sqlite_url: str, gateway: str, settings: dict[str, str], warned: bool
) -> None:
    h: Harness = await harness_factory(sqlite_url, **settings, public_url="http://isp.example")
    await seed_staff(h)
    await Chat(h, phone=PHONE, gateway=gateway).send("cs")  # waiting for CS
    h.clock.advance(hours=25)
    async with h.services.db.sessions() as session:
        convo_id = (await session.execute(select(Conversation.id))).scalar_one()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        cs = Browser(h, http)
        assert (await cs.login("cs")).status == 303
        await cs.follow(await cs.post(f"/admin/inbox/{convo_id}/take"))  # the reply box is the taker's
        page = await cs.page(f"/admin/inbox/{convo_id}")
    assert 'name="text"' in page
    assert ("tidak mengantar balasan bebas" in page) is warned


def media_gone(h: Harness, media_id: str) -> None:
    """Meta answers that inbound media `media_id` has expired; the rest is the recording fake."""

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(f"/{media_id}"):
            return httpx.Response(404, json={"error": {"code": 100, "message": "Unsupported get request"}})
        return h.gateway.handle(request)

    h.services.http._transport = httpx.MockTransport(route)


@pytest.mark.parametrize(("days_later", "sent_as"), [(0, "text"), (2, "template")])
async def test_a_ktp_photo_that_never_came_is_told_by_template_once_the_window_has_closed(
    cloudapi: Harness, days_later: int, sent_as: str
) -> None:
    """The photo's fetch is retried for hours, and the job may run a day late (an outage):
    "photo not received" went as plain text, which Meta refuses outside the window."""
    from ispbot.ktp_photos import fetch_pending_photos

    await Chat(cloudapi, phone=PHONE, gateway="cloudapi").send("halo")
    registration = await make_registration(cloudapi, phone=PHONE, id_card_photo="pending:cloudapi:65463453")
    media_gone(cloudapi, "65463453")
    cloudapi.clock.advance(days=days_later)
    await fetch_pending_photos(cloudapi.services)
    await cloudapi.settle()
    sent = last_to(cloudapi, PHONE).json
    assert sent["type"] == sent_as
    if sent_as == "text":
        assert "foto KTP untuk pendaftaran" in sent["text"]["body"]
        return
    assert sent["template"]["name"] == "ispbot_ktp_photo_not_received"
    assert sent["template"]["language"] == {"code": "id"}
    assert sent["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": registration.registration_number}
    ]


async def test_a_report_photo_that_never_came_is_told_by_template_once_the_window_has_closed(
    cloudapi: Harness,
) -> None:
    from ispbot.storage import tickets
    from ispbot.ticket_photos import fetch_pending_photos

    chat = Chat(cloudapi, phone=PHONE, gateway="cloudapi")
    await chat.send("halo")
    await chat.send("english")  # the customer's language is the template's
    async with cloudapi.services.db.transaction() as session:
        ticket = await tickets.open_ticket(
            session, kind="support", now=cloudapi.clock.now(), timezone=cloudapi.services.settings.tz,
            subject="Internet mati", contact_phone=PHONE, created_via="whatsapp", photo="pending:cloudapi:77120001")
    media_gone(cloudapi, "77120001")
    cloudapi.clock.advance(days=2)
    await fetch_pending_photos(cloudapi.services)
    await cloudapi.settle()
    template = last_to(cloudapi, PHONE).json["template"]
    assert template["name"] == "ispbot_ticket_photo_not_received" and template["language"] == {"code": "en"}
    assert template["components"][0]["parameters"] == [{"type": "text", "text": ticket.ticket_number}]
