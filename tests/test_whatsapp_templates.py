"""The WhatsApp templates: each keeps Meta's rules for a template body (so Meta can approve
it), fills every parameter from the context its message is rendered with, and is created
through the Graph API by `ispbot whatsapp-templates --submit`."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from ispbot.config import Settings
from ispbot.messages import Messages
from ispbot.messages.whatsapp_templates import AUTHENTICATION, CATALOGUE, PLACEHOLDER, as_sent
from ispbot.providers.cloudapi_templates import creation_bodies, statuses, submit

MESSAGES = Messages(ZoneInfo("Asia/Jakarta"))

REGISTRATION = SimpleNamespace(
    full_name="Rina Wulandari", registration_number="REG-20261201-0007", rejection_reason=None,
    survey_date=datetime(2026, 12, 3, 3, 0, tzinfo=UTC), quoted_monthly_price=249900,
)
INVOICE = SimpleNamespace(invoice_number="INV-202612-0003", period="2026-12", amount=199900, due_date=date(2026, 12, 10))
TICKET = SimpleNamespace(ticket_number="TKT-20261201-0002", subject="Internet mati", scheduled_at=None)
DIGEST = {"registrations": 12, "approved": 5, "rejected": 1, "pending": 4, "tickets_opened": 7, "tickets_closed": 6}
# What each message is rendered with (the callers' keyword arguments).
CONTEXT: dict[str, dict[str, Any]] = {
    "notify_verified": {"registration": REGISTRATION},
    "notify_survey_scheduled": {"registration": REGISTRATION},
    "notify_survey_completed": {"registration": REGISTRATION},
    "notify_approved": {"registration": REGISTRATION},
    "notify_rejected": {"registration": REGISTRATION},
    "notify_customer_created": {"registration": REGISTRATION, "customer": SimpleNamespace(customer_code="AGLS202612010001")},
    "notify_cancelled": {"registration": REGISTRATION},
    "registration_confirmation": {
        "registration": REGISTRATION, "package": SimpleNamespace(name="Home Silver 40M", monthly_price=275000),  # repriced since
        "tracking_url": "https://isp.example/track/REG-20261201-0007",
    },
    "otp": {"code": "482913", "minutes": 5},
    "invoice_reminder": {"customer": SimpleNamespace(full_name="Ahmad"), "invoice": INVOICE, "month": lambda p: "Desember 2026"},
    "invoice_receipt": {"customer": SimpleNamespace(full_name="Ahmad"), "invoice": INVOICE, "month": lambda p: "Desember 2026"},
    "ticket_status": {"ticket": TICKET, "status_label": "Selesai", "name": None},
    "ticket_assigned": {"ticket": TICKET, "technician": "Teknisi Budi", "name": "Ahmad"},
    "ticket_scheduled": {"ticket": SimpleNamespace(ticket_number="TKT-20261201-0003", subject="Instalasi AGLS202612010001",
                                                   scheduled_at=datetime(2026, 12, 4, 2, 0, tzinfo=UTC)),
                         "name": "Ahmad", "previous": None},
    "ktp_photo_not_received": {"number": "REG-20261201-0007"},
    "ticket_photo_not_received": {"number": "TKT-20261201-0002"},
    "staff_ticket_assigned": {"ticket": SimpleNamespace(id=7, ticket_number="TKT-20261201-0003", subject="Survey lokasi",
                                                        scheduled_at=None, description=""),
                              "admin_url": "https://isp.example/admin", "previous": None, "call": None},
    "staff_ticket_withdrawn": {"ticket": SimpleNamespace(id=7, ticket_number="TKT-20261201-0003",
                                                         subject="Survey lokasi REG-20261201-0007",
                                                         scheduled_at=datetime(2026, 12, 3, 3, 0, tzinfo=UTC)),
                               "admin_url": "https://isp.example/admin", "reason": "rejected",
                               "customer": "Rina Wulandari"},
    "deletion_done": {"request_id": 12, "deleted": ["Nama"], "kept": [], "cs_phone": "0812-0000-0800"},
    "sla_alert": {"registrations": [{}, {}, {}], "hours": 24, "admin_url": "https://isp.example/admin", "isp_name": "AGLIS Net"},
    "daily_digest": {"f": DIGEST, "day": date(2026, 12, 1), "admin_url": "https://isp.example/admin", "isp_name": "AGLIS Net"},
}


def test_every_template_belongs_to_a_message_of_both_languages() -> None:
    assert set(CATALOGUE) <= MESSAGES.names("id") & MESSAGES.names("en")
    assert set(CONTEXT) == set(CATALOGUE)
    names = [template.name for template in CATALOGUE.values()]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9_]{1,512}", name) for name in names)


@pytest.mark.parametrize("message", [m for m, t in CATALOGUE.items() if t.category != AUTHENTICATION])
@pytest.mark.parametrize("locale", ["id", "en"])
def test_a_body_keeps_metas_rules(message: str, locale: str) -> None:
    template = CATALOGUE[message]
    body = template.bodies[locale]
    numbers = [int(n) for n in PLACEHOLDER.findall(body)]
    assert numbers == list(range(1, len(numbers) + 1))  # {{1}}, {{2}} … once each, in order
    assert len(numbers) == len(template.examples)
    assert not body.startswith("{{") and not body.rstrip(".!").endswith("}}")
    assert "\n" not in body and len(body) <= 1024
    assert "*" not in body  # typed words are plain in a template: no bold markers to review


@pytest.mark.parametrize("message", list(CATALOGUE))
@pytest.mark.parametrize("locale", ["id", "en"])
def test_every_parameter_is_filled_from_the_messages_context(message: str, locale: str) -> None:
    filled = MESSAGES.whatsapp_template(locale, message, **CONTEXT[message])
    assert filled is not None and filled.name == CATALOGUE[message].name and filled.language == locale
    assert len(filled.parameters) == len(CATALOGUE[message].examples)
    assert all(value and "\n" not in value for value in filled.parameters)


def test_values_are_written_as_the_text_writes_them() -> None:
    received = MESSAGES.whatsapp_template("id", "registration_confirmation", **CONTEXT["registration_confirmation"])
    assert received is not None and received.parameters[3] == "Rp 249.900"
    survey = MESSAGES.whatsapp_template("en", "notify_survey_scheduled", **CONTEXT["notify_survey_scheduled"])
    assert survey is not None and survey.parameters[2] == "Thursday, 3 December 2026, 10:00 WIB"
    rejected = MESSAGES.whatsapp_template("id", "notify_rejected", **CONTEXT["notify_rejected"])
    assert rejected is not None and rejected.parameters[2] == "tidak disebutkan"  # never an empty parameter
    unassigned = MESSAGES.whatsapp_template("id", "ticket_status", **CONTEXT["ticket_status"])
    assert unassigned is not None and unassigned.parameters[0] == "Pelanggan"


def test_the_admin_reads_a_template_as_the_customer_did() -> None:
    verified = MESSAGES.whatsapp_template("en", "notify_verified", **CONTEXT["notify_verified"])
    assert verified is not None and as_sent(verified) == (
        "Hello Rina Wulandari, your registration details have been verified. "
        "Registration number: REG-20261201-0007. Thank you!"
    )
    code = MESSAGES.whatsapp_template("id", "otp", **CONTEXT["otp"])
    assert code is not None and as_sent(code) is None  # Meta's own words: the stored text is shown


@pytest.mark.parametrize("message", ["ticket_status", "ticket_scheduled"])
@pytest.mark.parametrize(("locale", "typed"), [("id", "ketik cs"), ("en", "type cs")])
def test_ticket_news_asks_for_cs_the_way_that_works_in_text_and_template(message: str, locale: str, typed: str) -> None:
    """"Balas pesan ini bila …": a reply reached the FAQ, not a person; `cs` does."""
    text = MESSAGES.render(locale, message, note=None, **CONTEXT[message]).lower()
    body = CATALOGUE[message].bodies[locale].lower()
    assert typed.replace("cs", "*cs*") in text and typed in body
    assert not any(invite in said for said in (text, body) for invite in ("balas pesan ini", "reply to this message"))


def test_a_message_without_a_template_has_none() -> None:
    assert MESSAGES.whatsapp_template("id", "custom_message", name="Rina", text="Halo", isp_name="X") is None


def test_the_creation_requests_are_metas() -> None:
    bodies = {(b["name"], b["language"]): b for b in creation_bodies()}
    assert len(bodies) == 2 * len(CATALOGUE)
    verified = bodies["ispbot_registration_verified", "id"]
    assert verified["category"] == "UTILITY"
    assert verified["components"] == [{
        "type": "BODY", "text": CATALOGUE["notify_verified"].bodies["id"],
        "example": {"body_text": [["Budi Santoso", "REG-20261201-0001"]]},
    }]
    otp = bodies["ispbot_otp", "id"]
    assert otp["category"] == "AUTHENTICATION" and otp["message_send_ttl_seconds"] == 300
    assert otp["components"][1] == {"type": "FOOTER", "code_expiration_minutes": 5}
    assert otp["components"][2]["buttons"] == [{"type": "OTP", "otp_type": "COPY_CODE", "text": "Salin kode"}]


async def test_submitting_reports_created_existing_and_refused_templates() -> None:
    seen: list[httpx.Request] = []

    def meta(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        name = json.loads(request.content)["name"]
        if name == "ispbot_registration_verified":
            return httpx.Response(200, json={"id": "5940", "status": "PENDING", "category": "UTILITY"})
        if name == "ispbot_survey_scheduled":
            error = {"message": "Invalid parameter", "code": 100, "error_subcode": 2388024,
                     "error_user_title": "Message template already exists",
                     "error_user_msg": "There is already Indonesian content for this template."}
            return httpx.Response(400, json={"error": error})
        return httpx.Response(400, json={"error": {"message": "Invalid parameter", "code": 100,
                                                   "error_user_msg": "Template body has too many variables."}})

    settings = Settings(_env_file=None, cloudapi_token="waba-token", cloudapi_waba_id="10203040")  # type: ignore[call-arg]
    bodies = creation_bodies(("id",))[:3]
    async with httpx.AsyncClient(transport=httpx.MockTransport(meta)) as client:
        results = await submit(settings, client, bodies)
    assert [(r.name, r.outcome) for r in results] == [
        ("ispbot_registration_verified", "created"), ("ispbot_survey_scheduled", "exists"),
        ("ispbot_survey_completed", "failed"),
    ]
    assert results[0].detail == "PENDING" and "too many variables" in results[2].detail
    assert str(seen[0].url) == "https://graph.facebook.com/v21.0/10203040/message_templates"
    assert seen[0].headers["authorization"] == "Bearer waba-token"


async def test_submitting_needs_the_business_account() -> None:
    settings = Settings(_env_file=None, cloudapi_token="waba-token")  # type: ignore[call-arg]
    async with httpx.AsyncClient() as client:
        with pytest.raises(ValueError, match="ISPBOT_CLOUDAPI_WABA_ID"):
            await submit(settings, client, creation_bodies())


def test_the_command_prints_the_templates(tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from ispbot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("ISPBOT_DATA_DIR", str(tmp_path / "data"))
    assert main(["whatsapp-templates", "--locale", "en"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert {b["language"] for b in printed} == {"en"} and len(printed) == len(CATALOGUE)
    assert main(["whatsapp-templates", "--submit"]) == 2  # no business account configured


def test_a_template_that_cannot_be_filled_leaves_the_text_to_go_alone(caplog: pytest.LogCaptureFixture) -> None:
    assert MESSAGES.whatsapp_template("id", "notify_verified", customer=None) is None  # no registration given
    assert "could not be filled" in caplog.text


async def test_the_review_status_of_every_template_is_read_across_metas_pages() -> None:
    pages = {
        None: {"data": [{"name": "ispbot_otp", "language": "id", "status": "APPROVED", "id": "1"}],
               "paging": {"next": "https://graph.facebook.com/v21.0/10203040/message_templates?after=XYZ"}},
        "XYZ": {"data": [{"name": "ispbot_otp", "language": "en", "status": "PENDING", "id": "2"},
                         {"name": "ispbot_sla_alert", "language": "id", "status": "REJECTED", "id": "3"}]},
    }
    seen: list[httpx.Request] = []

    def meta(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=pages[request.url.params.get("after")])

    settings = Settings(_env_file=None, cloudapi_token="waba-token", cloudapi_waba_id="10203040")  # type: ignore[call-arg]
    async with httpx.AsyncClient(transport=httpx.MockTransport(meta)) as client:
        found = await statuses(settings, client)
    assert found == {("ispbot_otp", "id"): "APPROVED", ("ispbot_otp", "en"): "PENDING",
                     ("ispbot_sla_alert", "id"): "REJECTED"}
    assert seen[0].url.params["fields"] == "name,language,status" and len(seen) == 2
    assert all(r.headers["authorization"] == "Bearer waba-token" for r in seen)


def test_the_status_command_needs_the_business_account(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ispbot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ISPBOT_DATA_DIR", str(tmp_path / "data"))
    assert main(["whatsapp-templates", "--status"]) == 2
