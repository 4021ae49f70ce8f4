"""`/track` and `/track/{registration_number}`: the public status page linked from the
WhatsApp messages. Anyone holding the number (or the e-mail) sees the status, the
5-step timeline, the package and what happens next, but no personal data beyond a
masked name: registration numbers are sequential and can be guessed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from ispbot.client_address import client_ip
from ispbot.providers.phone import InvalidPhone, normalize_phone
from ispbot.services import Services
from ispbot.storage import registrations, tickets
from ispbot.storage.lifecycle import TIMELINE, Status
from ispbot.storage.models import Customer, Registration
from ispbot.webadmin.labels import NEXT_STEP, status_label, status_tone
from ispbot.webadmin.pages import render, see_other
from ispbot.webadmin.ratelimit import PUBLIC_REQUESTS
from ispbot.webhooks import SERVICES
from ispbot.workflow import tracking_url


@dataclass(frozen=True)
class Step:
    status: Status
    label: str
    done_at: datetime | None


def mask_name(name: str) -> str:
    """`Budi Santoso` → `B*** S******`."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split() if word)


def steps(registration: Registration) -> list[Step]:
    """The seed's five steps, each with when it was reached (None: not reached)."""
    reached = {
        Status.PENDING_VERIFICATION: registration.created_at,
        Status.VERIFIED: registration.verified_at,
        Status.SURVEY_SCHEDULED: registration.survey_scheduled_at,
        Status.SURVEY_COMPLETED: registration.survey_completed_at,
        Status.APPROVED: registration.approved_at,
    }
    return [Step(status, status_label(status), reached[status]) for status in TIMELINE]


async def installation_step(services: Services, registration: Registration) -> str | None:
    """For a registration that became a customer, what its installation has come to: the
    service active, or the visit scheduled; None while nothing is planned yet."""
    if registration.status != Status.CUSTOMER_CREATED or registration.customer_id is None:
        return None
    async with services.db.sessions() as session:
        customer = await session.get(Customer, registration.customer_id)
        if customer is not None and customer.account_status == "active":
            return "Internet Anda sudah terpasang dan aktif. Terima kasih telah berlangganan!"
        visit = await tickets.open_of_registration(session, registration.id, "installation")
    if visit is not None and visit.scheduled_at is not None:
        when = services.messages.datetime(visit.scheduled_at, "id")
        return f"Instalasi dijadwalkan {when}. Mohon pastikan ada yang di lokasi."
    return None


def public_status(services: Services, registration: Registration, next_step: str | None = None) -> dict[str, Any]:
    """What anyone may know about a registration (the API's and the page's answer)."""
    status = Status(registration.status)
    return {
        "registration_number": registration.registration_number,
        "status": status.value,
        "status_label": status_label(status),
        "name": mask_name(registration.full_name),
        "package": {
            "name": registration.package.name,
            "speed_mbps": registration.package.speed_mbps,
            "monthly_price": registration.quoted_monthly_price,  # as quoted, not the package's today
        },
        "created_at": registration.created_at.isoformat(),
        "survey_date": registration.survey_date.isoformat() if registration.survey_date else None,
        "rejection_reason": registration.rejection_reason if status is Status.REJECTED else None,
        "next_step": next_step or NEXT_STEP[status],
        "timeline": [
            {"status": s.status.value, "label": s.label, "done": s.done_at is not None,
             "at": s.done_at.isoformat() if s.done_at else None}
            for s in steps(registration)
        ],
        "tracking_url": tracking_url(services, registration),
    }


async def find_public(services: Services, identifier: str) -> Registration | None:
    """A registration by its number, or the newest one of an e-mail address."""
    text = identifier.strip()[:200]
    if not text:
        return None
    async with services.db.sessions() as session:
        if "@" in text:
            found = await registrations.by_email(session, text, limit=1)
            return found[0] if found else None
        return await registrations.by_number(session, text)


def wa_link(cs_phone: str) -> str | None:
    try:
        return f"https://wa.me/{normalize_phone(cs_phone)}"
    except InvalidPhone:
        return None


def _page(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    services = request.app[SERVICES]
    context.setdefault("wa_link", wa_link(services.settings.cs_phone))
    context.setdefault("office_hours", services.settings.office_hours)
    return render(request, template, context, status=status)


async def search(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    query = request.query.get("q", "").strip()
    if not query:
        return _page(request, "track/search.html", {"query": ""})
    now = services.clock.now()
    if request.app[PUBLIC_REQUESTS].hit(client_ip(request), now):
        return _page(request, "track/search.html", {"query": query, "error": "Terlalu banyak pencarian. Coba lagi nanti."}, 429)
    registration = await find_public(services, query)
    if registration is None:
        return _page(request, "track/search.html", {
            "query": query, "error": "Pendaftaran tidak ditemukan. Periksa kembali nomor registrasi atau email Anda.",
        }, 404)
    return see_other(f"/track/{registration.registration_number}")


async def detail(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    # Numbers run in sequence: without the search's limit, walking them listed every
    # registration's status (600 look-ups from one address found all 50).
    if request.app[PUBLIC_REQUESTS].hit(client_ip(request), services.clock.now()):
        return _page(request, "track/search.html", {
            "query": request.match_info["number"], "error": "Terlalu banyak pencarian. Coba lagi nanti.",
        }, 429)
    registration = await find_public(services, request.match_info["number"])
    if registration is None or "@" in request.match_info["number"]:
        return _page(request, "track/search.html", {
            "query": request.match_info["number"], "error": "Pendaftaran tidak ditemukan.",
        }, 404)
    info = public_status(services, registration, await installation_step(services, registration))
    return _page(request, "track/status.html", {
        "info": info, "steps": steps(registration), "tone": status_tone(registration.status),
        "r": registration, "stopped": registration.status in (Status.REJECTED, Status.CANCELLED),
    })


def setup_track(app: web.Application) -> None:
    app.router.add_get("/track", search)
    app.router.add_get("/track/{number}", detail)
