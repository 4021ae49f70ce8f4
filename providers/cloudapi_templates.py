"""Creating the bot's WhatsApp templates (messages/whatsapp_templates.py) in the ISP's
WhatsApp Business Account, for Meta to approve: `POST {base}/{waba_id}/message_templates`
with the same bearer token as sending, one template per name and language.

An authentication template has no text of its own: Meta writes "<code> is your
verification code" in the template's language, with the security note, the expiry footer
and the copy-code button asked for here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ispbot.config import Settings
from ispbot.messages.whatsapp_templates import AUTHENTICATION, CATALOGUE, LANGUAGE, WhatsAppTemplate
from ispbot.storage.otp import VALIDITY

COPY_CODE = {"id": "Salin kode", "en": "Copy code"}

Json = dict[str, Any]


def creation_body(template: WhatsAppTemplate, locale: str) -> Json:
    """Meta's creation request for one template in one language."""
    body: Json = {"name": template.name, "language": LANGUAGE[locale], "category": template.category}
    if template.category == AUTHENTICATION:
        minutes = int(VALIDITY["registration"].total_seconds() // 60)  # the web form's code
        body["message_send_ttl_seconds"] = minutes * 60  # never delivered after the code expired
        body["components"] = [
            {"type": "BODY", "add_security_recommendation": True},
            {"type": "FOOTER", "code_expiration_minutes": minutes},
            {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE", "text": COPY_CODE[locale]}]},
        ]
    else:
        body["components"] = [
            {"type": "BODY", "text": template.bodies[locale], "example": {"body_text": [list(template.examples)]}}
        ]
    return body


def creation_bodies(locales: tuple[str, ...] = tuple(LANGUAGE)) -> list[Json]:
    return [creation_body(template, locale) for template in CATALOGUE.values() for locale in locales]


@dataclass(frozen=True)
class Submitted:
    name: str
    language: str
    outcome: str  # "created", "exists" or "failed"
    detail: str = ""  # Meta's status (PENDING, APPROVED …) or its error


def _endpoint(settings: Settings) -> tuple[str, dict[str, str]]:
    if not settings.cloudapi_token or not settings.cloudapi_waba_id:
        raise ValueError("set ISPBOT_CLOUDAPI_TOKEN and ISPBOT_CLOUDAPI_WABA_ID to reach the templates")
    url = f"{settings.cloudapi_base_url.rstrip('/')}/{settings.cloudapi_waba_id}/message_templates"
    return url, {"Authorization": f"Bearer {settings.cloudapi_token}"}


async def statuses(settings: Settings, client: httpx.AsyncClient) -> dict[tuple[str, str], str]:
    """Meta's review status (APPROVED, PENDING, REJECTED, PAUSED …) of every template in the
    Business Account, by (name, language), following Meta's pages."""
    url, headers = _endpoint(settings)
    found: dict[tuple[str, str], str] = {}
    next_url: str | None = url
    params: dict[str, str] | None = {"fields": "name,language,status", "limit": "100"}
    while next_url:
        try:
            response = await client.get(next_url, params=params, headers=headers)
        except httpx.RequestError as exc:
            raise ValueError(f"Graph API unreachable: {type(exc).__name__}: {exc}") from exc
        if response.is_error:
            raise ValueError(f"Graph API answered HTTP {response.status_code}: {response.text[:300]}")
        data = response.json()
        for row in data.get("data") or []:
            if isinstance(row, dict) and row.get("name") and row.get("language"):
                found[str(row["name"]), str(row["language"])] = str(row.get("status") or "?")
        next_url = (data.get("paging") or {}).get("next")
        params = None  # the next page's URL carries them
    return found


async def submit(settings: Settings, client: httpx.AsyncClient, bodies: list[Json]) -> list[Submitted]:
    url, headers = _endpoint(settings)
    results = []
    for body in bodies:
        try:
            response = await client.post(url, json=body, headers=headers)
        except httpx.RequestError as exc:
            results.append(Submitted(body["name"], body["language"], "failed", f"{type(exc).__name__}: {exc}"))
            continue
        results.append(_outcome(body, response))
    return results


def _outcome(body: Json, response: httpx.Response) -> Submitted:
    try:
        data = response.json()
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    name, language = body["name"], body["language"]
    if not response.is_error:
        return Submitted(name, language, "created", str(data.get("status") or ""))
    error = data.get("error") if isinstance(data.get("error"), dict) else {}
    said = [str(error[k]) for k in ("error_user_title", "error_user_msg", "message") if error.get(k)]
    message = " — ".join(said) or f"HTTP {response.status_code}"
    # A second submission (after adding a template, say) meets the ones created before;
    # Meta says so in words ("… already exists …"), under a generic code.
    if "already" in message.lower():
        return Submitted(name, language, "exists", message[:300])
    return Submitted(name, language, "failed", message[:300])
