"""The seed's analytics API (`Authorization: Bearer <token>` of a supervisor or admin):

    GET /api/registration-analytics/overview                 KPIs and status distribution
    GET /api/registration-analytics/trends                   daily series and the weekday × hour heatmap
    GET /api/registration-analytics/package-popularity
    GET /api/registration-analytics/rejection-analysis
    GET /api/registration-analytics/geographic-distribution  by city and by kecamatan (region codes)
    GET /api/registration-analytics/funnel                   lifecycle funnel, chat funnel, OTP step

Each takes `?days=7|30|60|90` (or `timeframe=`, the seed's name) or `?from=&to=` (local
dates) and answers `{success, message, data}` with `data.window` and the same numbers the
admin page shows: both call `storage.analytics` and `storage.chat_funnel`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from aiohttp import web

from ispbot.flows.registration import STATES as REGISTRATION_STATES
from ispbot.storage import analytics, chat_funnel
from ispbot.storage.analytics import Window
from ispbot.webadmin.analytics import WEEKDAYS, window_from_query
from ispbot.webadmin.auth import user_by_api_token
from ispbot.webadmin.jsonapi import ApiError, answer, api_view
from ispbot.webadmin.roles import Permission, can
from ispbot.webhooks import SERVICES

PREFIX = "/api/registration-analytics"


def plain(value: Any) -> Any:
    """Dataclasses, lists and dates as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, chat_funnel.QuestionStep):
            fields["drop_rate"] = value.drop_rate
        return fields
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


Section = Callable[[Any, Window], Awaitable[dict[str, Any]]]


def section(handler: Section) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @api_view
    async def view(request: web.Request) -> web.StreamResponse:
        services = request.app[SERVICES]
        async with services.db.sessions() as session:
            user = await user_by_api_token(session, request.headers.get("Authorization", ""))
        if user is None:
            raise ApiError(401, "Token API tidak valid atau tidak ada (Authorization: Bearer <token>).")
        if not can(user.role, Permission.VIEW_ANALYTICS):
            raise ApiError(403, "Peran Anda tidak diizinkan melakukan ini.")
        try:
            window = window_from_query(request.query, services)
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
        async with services.db.reads() as session:
            data = await handler(session, window)
        return answer({"window": {"from": window.first_day.isoformat(), "to": window.last_day.isoformat(),
                                  "timezone": services.settings.timezone}, **plain(data)})

    return view


async def overview(s: Any, w: Window) -> dict[str, Any]:
    return {"overview": await analytics.overview(s, w), "status_distribution": await analytics.status_distribution(s, w)}


async def trends(s: Any, w: Window) -> dict[str, Any]:
    slots = await analytics.hourly_counts(s, w)
    return {"daily": analytics.trend_of(slots, w),
            "heatmap": {"weekdays": list(WEEKDAYS), "hours": list(range(24)), "counts": analytics.heatmap_of(slots).counts}}


async def package_popularity(s: Any, w: Window) -> dict[str, Any]:
    return {"packages": await analytics.package_popularity(s, w)}


async def rejection_analysis(s: Any, w: Window) -> dict[str, Any]:
    reasons = await analytics.rejection_reasons(s, w)
    return {"rejected": (await analytics.cohort(s, w)).rejected, "reasons": reasons}


async def geographic_distribution(s: Any, w: Window) -> dict[str, Any]:
    return {"cities": await analytics.areas(s, w, "city"), "districts": await analytics.areas(s, w, "district")}


async def funnel(s: Any, w: Window) -> dict[str, Any]:
    return {
        "stages": await analytics.funnel(s, w),
        "conversation": await chat_funnel.question_funnel(s, w, "registration", REGISTRATION_STATES),
        "otp": await chat_funnel.otp_steps(s, w),
    }


ENDPOINTS: dict[str, Section] = {
    "overview": overview,
    "trends": trends,
    "package-popularity": package_popularity,
    "rejection-analysis": rejection_analysis,
    "geographic-distribution": geographic_distribution,
    "funnel": funnel,
}


def setup_analytics_api(app: web.Application) -> None:
    for name, handler in ENDPOINTS.items():
        app.router.add_get(f"{PREFIX}/{name}", section(handler))
