"""Survey, installation and support tickets: the list (kind, status, technician and
number filters, newest first, keyset pages), the detail with its history and the photo the
customer sent (each view audited), assigning a technician, and status changes (open → in
progress → resolved → closed) with a note. The customer is told on WhatsApp when their
ticket changes, the assigned technician when it is taken from him or closed or resolved
by someone else before he did it; every change is audited."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.client_address import client_ip
from ispbot.ktp_encryption import TICKET_PHOTOS
from ispbot.services import Services
from ispbot.staff_whatsapp import Withdrawn, tell_technician, tell_technician_withdrawn
from ispbot.storage import audit, customers, registrations, tickets
from ispbot.storage.lifecycle import Action, Status
from ispbot.storage.models import Customer, Registration, Ticket, TicketEvent, User
from ispbot.webadmin import messaging
from ispbot.webadmin.auth import Refused, current, staff_view
from ispbot.webadmin.labels import TICKET_KIND, TICKET_STATUS
from ispbot.webadmin.pages import redirect, render
from ispbot.webadmin.path_ids import row_id
from ispbot.webadmin.photos import photo_path, photo_response, photo_shown
from ispbot.webadmin.registration_actions import parse_visit_time
from ispbot.webadmin.registrations import first_visit_time, slot_start_hour
from ispbot.webadmin.roles import Permission
from ispbot.webhooks import SERVICES
from ispbot.workflow import SURVEY_NOT_DUE, act, survey_not_yet_due

PAGE_SIZE = 50
# A ticket ended in the admin before its technician had done it, by someone else: he is told.
ENDED_UNDER: dict[str, Withdrawn] = {"closed": "closed", "resolved": "resolved"}


def _filters(request: web.Request) -> dict[str, str]:
    query = request.query
    return {
        "kind": query.get("kind", "") if query.get("kind", "") in TICKET_KIND else "",
        "status": query.get("status", "") if query.get("status", "") in TICKET_STATUS else "",
        "assigned": query.get("assigned", "") if row_id(query.get("assigned", "")) is not None or query.get("assigned") == "none" else "",
        "q": query.get("q", "").strip()[:40],
    }


async def technicians(session: AsyncSession) -> list[User]:
    rows = await session.execute(
        select(User).where(User.is_active.is_(True)).order_by(User.is_technician.desc(), User.full_name)
    )
    return list(rows.scalars())


@staff_view(Permission.TICKETS)
async def ticket_list(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    flt = _filters(request)
    stmt = select(Ticket).order_by(Ticket.id.desc()).limit(PAGE_SIZE + 1)
    if flt["kind"]:
        stmt = stmt.where(Ticket.kind == flt["kind"])
    if flt["status"]:
        stmt = stmt.where(Ticket.status == flt["status"])
    if flt["assigned"] == "none":
        stmt = stmt.where(Ticket.assigned_to.is_(None))
    elif flt["assigned"]:
        stmt = stmt.where(Ticket.assigned_to == int(flt["assigned"]))
    if flt["q"]:
        stmt = stmt.where(Ticket.ticket_number.startswith(flt["q"].upper(), autoescape=True))
    if (after := row_id(request.query.get("after", ""))) is not None:
        stmt = stmt.where(Ticket.id < after)
    async with services.db.reads() as session:
        rows = list((await session.execute(stmt)).scalars())
        staff_users = {u.id: u for u in await technicians(session)}
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render(request, "tickets/list.html", {
        "tickets": rows, "filter": flt, "users": staff_users, "nav": "tickets",
        "next_after": rows[-1].id if more and rows else None,
        "kinds": TICKET_KIND, "statuses": TICKET_STATUS,
    })


async def _ticket(request: web.Request, session: AsyncSession, *, for_update: bool = False) -> Ticket:
    stmt = select(Ticket).where(Ticket.id == int(request.match_info["id"]))
    if for_update and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    ticket = (await session.execute(stmt)).scalar_one_or_none()
    if ticket is None:
        raise Refused(404, "Tiket tidak ditemukan")
    return ticket


@staff_view(Permission.TICKETS)
async def ticket_detail(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    async with services.db.sessions() as session:
        ticket = await _ticket(request, session)
        events = list((await session.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        )).scalars())
        users = {u.id: u for u in await technicians(session)}
        registration = await session.get(Registration, ticket.registration_id) if ticket.registration_id else None
        customer = await session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    context: dict[str, Any] = {
        "t": ticket, "events": events, "users": users, "registration": registration, "customer": customer,
        "next_statuses": tickets.NEXT.get(ticket.status, ()), "nav": "tickets",
        "schedule_default": schedule_default(services, ticket, registration),
        "photo": photo_shown(services.settings.data_dir, TICKET_PHOTOS, ticket.photo),
        # resolving a survey ticket marks its survey done: not before the survey's day
        "resolve_refused": SURVEY_NOT_DUE if ticket.kind == "survey" and registration is not None
        and survey_not_yet_due(services, registration) else None,
    }
    return render(request, "tickets/detail.html", context)


@staff_view(Permission.TICKETS)
async def ticket_photo(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    async with services.db.transaction() as session:
        ticket = await _ticket(request, session)
        path = photo_path(services.settings.data_dir, TICKET_PHOTOS, ticket.photo)
        if path is None:
            raise Refused(404, "Foto tiket tidak ada")
        audit.record(session, action="ticket.photo_view", now=services.clock.now(), actor=current(request).user,
                     ip=client_ip(request), target_type="ticket", target_id=ticket.ticket_number)
    return await photo_response(services, path)


@staff_view(Permission.TICKETS)
async def assign(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    staff = current(request)
    form = await request.post()
    chosen = str(form.get("user_id", ""))
    back = f"/admin/tickets/{request.match_info['id']}"
    async with services.db.transaction() as session:
        ticket = await _ticket(request, session, for_update=True)
        technician = await session.get(User, user_id) if (user_id := row_id(chosen)) is not None else None
        if chosen and (technician is None or not technician.is_active):
            return redirect(request, back, "Petugas tidak ditemukan.", "error")
        if ticket.assigned_to == (technician.id if technician else None):
            # the form saved again as it was: the customer and the technician heard it already
            return redirect(request, back, "Penugasan tidak berubah; tidak ada WhatsApp yang dikirim.")
        previous, ticket.assigned_to = ticket.assigned_to, technician.id if technician else None
        ticket.updated_at = services.clock.now()
        audit.record(session, action="ticket.assign", now=services.clock.now(), actor=staff.user,
                     ip=client_ip(request), target_type="ticket", target_id=ticket.ticket_number,
                     detail={"assigned_to": technician.username if technician else None})
        released = briefed = False
        if previous is not None and ticket.status not in ("resolved", "closed"):
            # the job still sits in the former technician's chat: he would go anyway
            released = await tell_technician_withdrawn(services, session, ticket, previous, reason="unassigned")
        if technician is not None:
            await messaging.notify_ticket_assigned(services, session, ticket, technician, actor=staff.user)
            briefed = await tell_technician(services, session, ticket)
    told_previous = " Petugas sebelumnya diberi tahu lewat WhatsApp." if released else ""
    who = (technician.full_name or technician.username) if technician else None
    if not who:
        return redirect(request, back, "Penugasan tiket dilepas." + told_previous)
    return redirect(request, back, f"Tiket ditugaskan ke {who}." + (
        " Rinciannya dikirim ke WhatsApp-nya." if briefed else " (Tanpa nomor WhatsApp di akunnya: rincian tidak dikirim.)")
        + told_previous)


@staff_view(Permission.TICKETS)
async def change_status(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    staff = current(request)
    form = await request.post()
    status = str(form.get("status", ""))
    note = str(form.get("note", "")).strip()[:1000] or None
    back = f"/admin/tickets/{request.match_info['id']}"
    async with services.db.transaction() as session:
        ticket = await _ticket(request, session, for_update=True)
        before = ticket.status
        survey = await _survey_waiting_on(session, ticket) if ticket.kind == "survey" and status == "resolved" else None
        if survey is not None and survey_not_yet_due(services, survey):
            return redirect(request, back, SURVEY_NOT_DUE, "error")
        try:
            await tickets.change_status(session, ticket, status, now=services.clock.now(),
                                        actor_user_id=staff.user.id, note=note)
        except tickets.TicketTransitionRefused:
            return redirect(request, back, f"Tiket tidak dapat diubah dari “{TICKET_STATUS.get(before, before)}” "
                                           f"ke “{TICKET_STATUS.get(status, status)}”.", "error")
        audit.record(session, action="ticket.status", now=services.clock.now(), actor=staff.user,
                     ip=client_ip(request), target_type="ticket", target_id=ticket.ticket_number,
                     detail={"from": before, "to": status, "note": note})
        surveyed = await _complete_survey(request, session, survey, ticket, note) if survey is not None else None
        # a survey marked done tells the customer so (the seed's message), not "ticket resolved"
        told = surveyed is not None or await messaging.notify_ticket_status(
            services, session, ticket, note=note, actor=staff.user)
        released = False
        if before in tickets.ACTIVE and status in ENDED_UNDER and ticket.assigned_to not in (None, staff.user.id):
            # the job still sits in the technician's chat: he would go anyway
            released = await tell_technician_withdrawn(services, session, ticket, ticket.assigned_to,
                                                       reason=ENDED_UNDER[status])
        activated = await customers.activate_if_installed(session, ticket, services.clock.now())
        if activated is not None:
            audit.record(session, action="customer.activate", now=services.clock.now(), actor=staff.user,
                         ip=client_ip(request), target_type="customer", target_id=activated.customer_code,
                         detail={"ticket": ticket.ticket_number})
    message = f"Status tiket kini “{TICKET_STATUS[status]}”."
    if surveyed is not None:
        message += f" Survey {surveyed.registration_number} ditandai selesai."
    if activated is not None:
        message += f" Akun {activated.customer_code} kini aktif (ditagih mulai bulan depan)."
    message += " Pelanggan diberi tahu lewat WhatsApp." if told else ""
    return redirect(request, back, message + (" Teknisi yang ditugaskan diberi tahu lewat WhatsApp." if released else ""))


def schedule_default(services: Services, ticket: Ticket, registration: Registration | None) -> str:
    """The schedule form's first value: the ticket's time; for an installation, the day and
    slot the customer asked for when it is still ahead; else the next working day."""
    tz = services.settings.tz
    if ticket.scheduled_at is not None:
        return ticket.scheduled_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M")
    if registration is not None and ticket.kind == "installation":
        wanted = registration.preferred_installation_date
        if wanted is not None and wanted > services.clock.now().astimezone(tz).date() and wanted.isoweekday() != 7:
            return f"{wanted.isoformat()}T{slot_start_hour(registration.preferred_time_slot):02d}:00"
    return first_visit_time(services, registration.preferred_time_slot if registration else None)


@staff_view(Permission.TICKETS)
async def schedule(request: web.Request) -> web.StreamResponse:
    """When the technician comes (an installation, a repair visit); the customer is told.
    A survey's time is the registration's, set on its page."""
    services = request.app[SERVICES]
    staff = current(request)
    form = await request.post()
    back = f"/admin/tickets/{request.match_info['id']}"
    try:
        when = parse_visit_time(services, str(form.get("scheduled_at", "")), "kunjungan")
    except ValueError as exc:
        return redirect(request, back, str(exc), "error")
    async with services.db.transaction() as session:
        ticket = await _ticket(request, session, for_update=True)
        if ticket.kind == "survey" and ticket.registration_id is not None:
            return redirect(request, back, "Jadwal survey diubah dari halaman pendaftarannya.", "error")
        if ticket.status in ("resolved", "closed"):
            return redirect(request, back, "Tiket ini sudah selesai.", "error")
        if ticket.scheduled_at == when:
            return redirect(request, back, "Jadwal tetap; tidak ada yang diubah.")
        previous, ticket.scheduled_at, ticket.updated_at = ticket.scheduled_at, when, services.clock.now()
        audit.record(session, action="ticket.schedule", now=services.clock.now(), actor=staff.user,
                     ip=client_ip(request), target_type="ticket", target_id=ticket.ticket_number,
                     detail={"from": previous.isoformat() if previous else None, "to": when.isoformat()})
        told = await messaging.notify_ticket_scheduled(services, session, ticket, previous=previous, actor=staff.user)
        await tell_technician(services, session, ticket, previous=previous)
    return redirect(request, back, "Jadwal kunjungan disimpan." + (" Pelanggan diberi tahu lewat WhatsApp." if told else ""))


async def _survey_waiting_on(session: AsyncSession, ticket: Ticket) -> Registration | None:
    """The registration a survey ticket's survey is for, while it still waits for it; None
    when it is elsewhere (already completed, rejected…) or the ticket has none."""
    if ticket.kind != "survey" or ticket.registration_id is None:
        return None
    registration = await registrations.by_id(session, ticket.registration_id, for_update=True)
    return registration if registration is not None and registration.status == Status.SURVEY_SCHEDULED else None


async def _complete_survey(
    request: web.Request, session: AsyncSession, registration: Registration, ticket: Ticket, note: str | None
) -> Registration:
    """The technician's survey ticket resolved is the survey done: its registration moves to
    "survey completed" (seed: technician updates the ticket → status Survey Completed), by
    the same rule as its own button. The scheduled date stays what the customer was told;
    when it was done is the registration's survey_completed_at."""
    services = request.app[SERVICES]
    await act(services, session, registration, Action.COMPLETE_SURVEY, actor=current(request).user,
              note=note or f"Tiket {ticket.ticket_number} selesai", ip=client_ip(request))
    return registration


def setup_tickets(app: web.Application) -> None:
    app.router.add_get("/admin/tickets", ticket_list)
    app.router.add_get(r"/admin/tickets/{id:\d+}", ticket_detail)
    app.router.add_get(r"/admin/tickets/{id:\d+}/photo", ticket_photo)
    app.router.add_post(r"/admin/tickets/{id:\d+}/assign", assign)
    app.router.add_post(r"/admin/tickets/{id:\d+}/status", change_status)
    app.router.add_post(r"/admin/tickets/{id:\d+}/schedule", schedule)
