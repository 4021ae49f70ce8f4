"""The registrations pages: the list (KPI cards, search, status filter, keyset pages; the
NIK masked) and the detail (every field, the KTP photo for allowed roles, the chat
transcript, the status history, the linked tickets, the actions the status and the
role allow, and a QR code of the tracking link)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

import segno
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot import service_window
from ispbot.client_address import client_ip
from ispbot.ktp_encryption import KTP_PHOTOS
from ispbot.services import Services
from ispbot.sla_alerts import overdue_before
from ispbot.storage import audit, conversations, registrations, transcript
from ispbot.storage import registration_queries as queries
from ispbot.storage.lifecycle import TIMELINE, Action, Status, allowed_actions, timeline_position
from ispbot.storage.models import Customer, Registration, Ticket, User
from ispbot.webadmin.auth import Refused, current, staff_view
from ispbot.webadmin.pages import render
from ispbot.webadmin.photos import photo_path, photo_response, photo_shown
from ispbot.webadmin.roles import Permission, staff_actions
from ispbot.webadmin.track import steps
from ispbot.webhooks import SERVICES
from ispbot.workflow import SURVEY_NOT_DUE, survey_not_yet_due, tracking_url

_SLOT_START = re.compile(r"\b(\d{1,2})[.:]\d{2}")  # "Pagi (08.00–12.00)" → 08


def list_filter(request: web.Request) -> queries.RegistrationFilter:
    status = request.query.get("status", "")
    return queries.RegistrationFilter(
        search=request.query.get("q", "")[:100],
        status=status if status in {s.value for s in Status} else None,
        oldest_first=request.query.get("sort") == "oldest",
        today=today_start(request).date(),
    )


def list_query(flt: queries.RegistrationFilter) -> str:
    """The list's query string (search, status, order) from one place: the live refresh,
    its banner, the pager and the exports each built their own, and some dropped the
    order, so an oldest-first list turned newest-first when it refreshed itself."""
    values = {"q": flt.search, "status": flt.status or ""}
    if flt.oldest_first:
        values["sort"] = "oldest"
    return urlencode(values)


def today_start(request: web.Request) -> datetime:
    services = request.app[SERVICES]
    tz = services.settings.tz
    local_day = services.clock.now().astimezone(tz).date()
    return datetime.combine(local_day, time(0), tzinfo=tz)


@staff_view(Permission.VIEW_REGISTRATIONS)
async def registration_list(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    flt = list_filter(request)
    async with services.db.reads() as session:
        kpis = await queries.kpis(session, today_start=today_start(request))
        page = await queries.page(session, flt, after=request.query.get("after"), before=request.query.get("before"))
        total = await queries.count(session, flt) if flt.active else kpis.total
        newest = await queries.newest_id(session)
    context = {
        "kpis": kpis, "page": page, "total": total, "filter": flt, "list_query": list_query(flt),
        "newest_id": newest,
        "statuses": list(Status), "nav": "registrations",
        "can_bulk_verify": current(request).can(Permission.VERIFY),
        "overdue_before": overdue_before(services),
    }
    if request.query.get("partial") == "1":
        return render(request, "registrations/_live.html", context)
    return render(request, "registrations/list.html", context)


async def load_registration(request: web.Request, session: AsyncSession, *, for_update: bool = False) -> Registration:
    try:
        registration_id = int(request.match_info["id"])
    except ValueError:
        raise Refused(404, "Pendaftaran tidak ditemukan") from None
    found = await registrations.by_id(session, registration_id, for_update=for_update)
    if found is None:
        raise Refused(404, "Pendaftaran tidak ditemukan", "Mungkin sudah dihapus.")
    return found


@dataclass(frozen=True)
class RefusedAction:
    """An action form sent back with what the agent typed and why it was refused: each
    refusal used to redirect to a blank form (the survey date reset, the note and the
    rejection reason gone), to be typed again while the customer waits."""

    action: str
    values: Mapping[str, str]
    error: str


@staff_view(Permission.VIEW_REGISTRATIONS)
async def registration_detail(request: web.Request) -> web.StreamResponse:
    return await detail_page(request)


async def detail_page(
    request: web.Request, refused: RefusedAction | None = None, *, queue_asked: str | None = None
) -> web.Response:
    """The registration's page; with `refused`, answered 422 with that form as it was sent."""
    services = request.app[SERVICES]
    staff = current(request)
    async with services.db.sessions() as session:
        registration = await load_registration(request, session)
        history = await registrations.history(session, registration.id)
        lines = await transcript.lines(session, registration.contact_key or registration.phone, limit=100)
        tickets = list((await session.execute(
            select(Ticket).where(Ticket.registration_id == registration.id).order_by(Ticket.id)
        )).scalars())
        customer = await session.get(Customer, registration.customer_id) if registration.customer_id else None
        verifier = await session.get(User, registration.verified_by) if registration.verified_by else None
        convo = await conversations.get(session, registration.contact_key or registration.phone)
        templates_only = service_window.window_state(services, convo)
        queue = registrations.queue_of(registration, queue_asked or request.query.get("queue"))
        waiting_next = await registrations.next_waiting(session, after=registration, queue=queue)
        same_nik = await registrations.sharing_nik(session, registration)
    actions = [a for a in allowed_actions(registration.status) if a in staff_actions(staff.user.role)]
    url = tracking_url(services, registration)
    context = {
        "r": registration, "history": history, "lines": lines, "tickets": tickets, "customer": customer,
        "verifier": verifier, "actions": actions, "Action": Action, "tracking_url": url,
        # an action the status allows but that would be refused today: shown disabled, with why
        "not_now": {Action.COMPLETE_SURVEY: SURVEY_NOT_DUE} if survey_not_yet_due(services, registration) else {},
        "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=2),
        "show_identity": staff.can(Permission.VIEW_IDENTITY),
        "ktp_photo": photo_shown(services.settings.data_dir, KTP_PHOTOS, registration.id_card_photo),
        "timeline": TIMELINE, "position": _position(registration),
        "survey_default": survey_default(services, registration),
        "deletable": registration.status in (Status.REJECTED, Status.CANCELLED)
        and staff.can(Permission.DELETE_REGISTRATION),
        "nav": "registrations",
        "overdue": registration.status == Status.PENDING_VERIFICATION
        and registration.created_at <= overdue_before(services),
        "sla_hours": services.settings.sla_pending_hours,
        "templates_only": templates_only,
        "waiting_next": waiting_next,
        "queue": queue.value,
        "same_nik": same_nik,
        "refused": refused,
    }
    if refused is not None and refused.action not in {a.value for a in actions}:
        context["flash"] = {"kind": "error", "message": refused.error}  # no form left to show it in
    return render(request, "registrations/detail.html", context, status=422 if refused else 200)


def _position(registration: Registration) -> int:
    """How many timeline steps are done; for a registration that ended (rejected,
    cancelled), the steps it had reached, so the red mark sits where it stopped."""
    if registration.status not in (Status.REJECTED, Status.CANCELLED):
        return timeline_position(registration.status)
    return sum(1 for _ in itertools.takewhile(lambda step: step.done_at is not None, steps(registration)))


def survey_default(services: Services, registration: Registration) -> str:
    """The survey form's first value (`YYYY-MM-DDTHH:MM`, local): the survey already set
    (a reschedule starts from it), else the next working day at the start of the time
    slot the customer chose ("Sore (15.00–18.00)" → 15:00; 09:00 without one)."""
    if registration.survey_date is not None:
        return registration.survey_date.astimezone(services.settings.tz).strftime("%Y-%m-%dT%H:%M")
    return first_visit_time(services, registration.preferred_time_slot)


def first_visit_time(services: Services, slot: str | None) -> str:
    """The next working day (no visits on Sunday) at the start of the customer's slot."""
    day = services.clock.now().astimezone(services.settings.tz).date() + timedelta(days=1)
    if day.isoweekday() == 7:
        day += timedelta(days=1)
    return f"{day.isoformat()}T{slot_start_hour(slot):02d}:00"


def slot_start_hour(slot: str | None) -> int:
    """"Sore (15.00–18.00)" → 15; 9 without a slot; within the visiting hours 07–20."""
    found = _SLOT_START.search(slot or "")
    return min(max(int(found.group(1)), 7), 19) if found else 9


@staff_view(Permission.VIEW_IDENTITY)
async def ktp_photo(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    staff = current(request)
    async with services.db.transaction() as session:
        registration = await load_registration(request, session)
        path = photo_path(services.settings.data_dir, KTP_PHOTOS, registration.id_card_photo)
        if path is None:
            raise Refused(404, "Foto KTP tidak ada")
        audit.record(
            session, action="ktp.view", now=services.clock.now(), actor=staff.user, ip=client_ip(request),
            target_type="registration", target_id=registration.registration_number,
        )
    return await photo_response(services, path)


def setup_registration_pages(app: web.Application) -> None:
    app.router.add_get("/admin/registrations", registration_list)
    app.router.add_get(r"/admin/registrations/{id:\d+}", registration_detail)
    app.router.add_get(r"/admin/registrations/{id:\d+}/ktp", ktp_photo)
