"""The seed's protected JSON API, for staff tools (`Authorization: Bearer <token>`; an
admin creates a user's token on the user's page, and the user's role applies):

    GET  /api/registrations?search=&status=&page=&limit=
    GET  /api/registrations/stats
    GET  /api/registrations/{id}
    PUT  /api/registrations/{id}/status          {status, notes, rejection_reason, survey_date}
    POST /api/registrations/{id}/create-customer {notes}

Status changes go through the same `apply_action` as the admin's buttons: the lifecycle
refuses with 409, a missing reason or date is 422, a role without the right 403.
"""

from __future__ import annotations

import math
from datetime import datetime, time

from aiohttp import web

from ispbot.client_address import client_ip
from ispbot.storage import registration_queries as queries
from ispbot.storage import registrations
from ispbot.storage.lifecycle import Action, Status, TransitionRefused
from ispbot.storage.models import User
from ispbot.webadmin.auth import user_by_api_token
from ispbot.webadmin.jsonapi import (
    ApiError,
    answer,
    api_view,
    json_errors,
    read_json,
    registration_json,
    text_field,
)
from ispbot.webadmin.registration_actions import apply_action, parse_survey_date, refusal_message
from ispbot.webadmin.roles import ACTION_PERMISSION, Permission, can
from ispbot.webhooks import SERVICES

STATUS_ACTION = {
    Status.VERIFIED: Action.VERIFY,
    Status.SURVEY_SCHEDULED: Action.SCHEDULE_SURVEY,
    Status.SURVEY_COMPLETED: Action.COMPLETE_SURVEY,
    Status.APPROVED: Action.APPROVE,
    Status.REJECTED: Action.REJECT,
    Status.CUSTOMER_CREATED: Action.CREATE_CUSTOMER,
}
MAX_LIMIT = 100


async def _user(request: web.Request, permission: Permission) -> User:
    async with request.app[SERVICES].db.sessions() as session:
        user = await user_by_api_token(session, request.headers.get("Authorization", ""))
    if user is None:
        raise ApiError(401, "Token API tidak valid atau tidak ada (Authorization: Bearer <token>).")
    if not can(user.role, permission):
        raise ApiError(403, "Peran Anda tidak diizinkan melakukan ini.")
    return user


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(value))) if value else default
    except ValueError:
        raise ApiError(400, "page dan limit harus angka.") from None


@api_view
async def list_registrations(request: web.Request) -> web.StreamResponse:
    await _user(request, Permission.VIEW_REGISTRATIONS)
    status = request.query.get("status") or None
    if status is not None and status not in {s.value for s in Status}:
        raise ApiError(400, f"Status tidak dikenal: {status}.")
    services = request.app[SERVICES]
    today = services.clock.now().astimezone(services.settings.tz).date()  # for a serial typed alone ("0042")
    flt = queries.RegistrationFilter(search=request.query.get("search", "")[:100], status=status, today=today)
    page = _int(request.query.get("page"), 1, 1, 1_000_000)
    limit = _int(request.query.get("limit"), 20, 1, MAX_LIMIT)
    async with request.app[SERVICES].db.sessions() as session:
        total = await queries.count(session, flt)
        rows = await queries.offset_page(session, flt, offset=(page - 1) * limit, limit=limit)
    return answer({  # a list masks the NIK for every role, as the admin's list and exports do
        "registrations": [registration_json(r, show_nik=False) for r in rows],
        "pagination": {"page": page, "limit": limit, "total": total, "total_pages": math.ceil(total / limit)},
    })


@api_view
async def stats(request: web.Request) -> web.StreamResponse:
    await _user(request, Permission.VIEW_REGISTRATIONS)
    services = request.app[SERVICES]
    local_day = services.clock.now().astimezone(services.settings.tz).date()
    async with services.db.sessions() as session:
        kpis = await queries.kpis(session, today_start=datetime.combine(local_day, time(0), tzinfo=services.settings.tz))
    return answer({
        "total": kpis.total, "pending_verification": kpis.pending_verification, "approved": kpis.approved,
        "today": kpis.today, "by_status": {s.value: kpis.by_status.get(s.value, 0) for s in Status},
    })


@api_view
async def get_registration(request: web.Request) -> web.StreamResponse:
    user = await _user(request, Permission.VIEW_REGISTRATIONS)
    async with request.app[SERVICES].db.sessions() as session:
        registration = await registrations.by_id(session, _id(request))
    if registration is None:
        raise ApiError(404, "Pendaftaran tidak ditemukan.")
    return answer(registration_json(registration, show_nik=can(user.role, Permission.VIEW_IDENTITY)))


async def _act(request: web.Request, action: Action, body: dict[str, object]) -> web.Response:
    services = request.app[SERVICES]
    user = await _user(request, ACTION_PERMISSION[action])
    note = text_field(body, "notes", max_length=1000) or text_field(body, "note", max_length=1000)
    reason = text_field(body, "rejection_reason", max_length=1000) or text_field(body, "reason", max_length=1000)
    try:
        survey_date = None
        if action is Action.SCHEDULE_SURVEY:
            survey_date = parse_survey_date(services, text_field(body, "survey_date", max_length=40) or "")
        await apply_action(services, _id(request), action, user, note=note, reason=reason,
                           survey_date=survey_date, ip=client_ip(request))
    except LookupError:
        raise ApiError(404, "Pendaftaran tidak ditemukan.") from None
    except TransitionRefused as exc:
        raise ApiError(409, refusal_message(exc), {"status": exc.status, "action": exc.action.value}) from None
    except ValueError as exc:
        raise ApiError(422, str(exc)) from None
    async with services.db.sessions() as session:
        registration = await registrations.by_id(session, _id(request))
    assert registration is not None
    return answer(registration_json(registration, show_nik=can(user.role, Permission.VIEW_IDENTITY)),
                  "Status pendaftaran diperbarui.")


@api_view
async def update_status(request: web.Request) -> web.StreamResponse:
    await _user(request, Permission.VIEW_REGISTRATIONS)
    body = await read_json(request)
    wanted = text_field(body, "status", max_length=40) or text_field(body, "action", max_length=40)
    try:
        action = STATUS_ACTION.get(Status(wanted)) if wanted in {s.value for s in Status} else Action(wanted or "")
    except ValueError:
        action = None
    if action is None or action not in ACTION_PERMISSION:
        raise ApiError(422, "status harus salah satu dari: " + ", ".join(s.value for s in STATUS_ACTION) + ".")
    return await _act(request, action, body)


@api_view
async def create_customer(request: web.Request) -> web.StreamResponse:
    body = await read_json(request) if request.can_read_body else {}
    return await _act(request, Action.CREATE_CUSTOMER, body)


def setup_staff_api(app: web.Application) -> None:
    app.middlewares.append(json_errors)
    app.router.add_get("/api/registrations", list_registrations)
    app.router.add_get("/api/registrations/stats", stats)
    app.router.add_get(r"/api/registrations/{id:\d+}", get_registration)
    app.router.add_put(r"/api/registrations/{id:\d+}/status", update_status)
    app.router.add_post(r"/api/registrations/{id:\d+}/create-customer", create_customer)
