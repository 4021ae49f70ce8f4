"""The shape of every JSON API answer, `{success, message, data}`, and the edge where
request bodies are read and domain errors become HTTP statuses."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from aiohttp import web

from ispbot.json_body import UnreadableJson, parse_json
from ispbot.storage.identity import mask_nik, mask_niks_in
from ispbot.storage.models import Registration
from ispbot.webadmin.labels import status_label

ApiHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    def __init__(self, status: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.status, self.message, self.data = status, message, data


def answer(data: Any = None, message: str = "OK", *, status: int = 200, success: bool = True) -> web.Response:
    return web.json_response({"success": success, "message": message, "data": data}, status=status,
                             dumps=lambda v: json.dumps(v, ensure_ascii=False))


def api_view(handler: ApiHandler) -> ApiHandler:
    """Turn ApiError into its JSON answer."""

    @functools.wraps(handler)
    async def view(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as exc:
            return answer(exc.data, exc.message, status=exc.status, success=False)

    return view


@web.middleware
async def json_errors(request: web.Request, handler: ApiHandler) -> web.StreamResponse:
    """Under /api/, the router's own refusals (404 no such route, 405 wrong method) answer
    in the API's JSON shape too, as its OpenAPI document says."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not request.path.startswith("/api/") or exc.status < 400:
            raise
        response = answer(None, exc.reason, status=exc.status, success=False)
        if allow := exc.headers.get("Allow"):
            response.headers["Allow"] = allow
        return response


async def read_json(request: web.Request, *, max_size: int | None = None) -> dict[str, Any]:
    """The request's JSON object; 400 for anything else (also a body nested too deeply to
    read: ispbot.json_body, as the webhooks read theirs), 413 when over `max_size`."""
    if max_size is not None:
        request = request.clone(client_max_size=max_size)
    try:
        body = parse_json(await request.read())
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "Data terlalu besar.") from None
    except UnreadableJson:
        raise ApiError(400, "Body harus JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Body harus objek JSON.")
    return body


def text_field(body: dict[str, Any], name: str, *, max_length: int = 200, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ApiError(422, f"{name} wajib diisi.", {"field": name})
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ApiError(422, f"{name} harus teks.", {"field": name})
    text = str(value).strip()
    if len(text) > max_length:
        raise ApiError(422, f"{name} terlalu panjang (maksimal {max_length} karakter).", {"field": name})
    return text


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _typed(text: str | None) -> str | None:
    """Free text a customer or staff typed (an address, a note), a NIK in it masked for
    every role, as the admin's pages show it (webadmin/pages.typed)."""
    return mask_niks_in(text) if text else text


def registration_json(registration: Registration, *, show_nik: bool) -> dict[str, Any]:
    """A registration as the staff API gives it (the seed's field names). `show_nik` is
    about the NIK field only; a NIK typed into free text is masked whoever asks."""
    r = registration
    return {
        "id": r.id,
        "registration_number": r.registration_number,
        "status": r.status,
        "status_label": status_label(r.status),
        "source": r.source,
        "full_name": r.full_name,
        "email": r.email,
        "phone": r.phone,
        "whatsapp_verified": r.whatsapp_verified,
        "whatsapp_verified_at": _iso(r.whatsapp_verified_at),
        "id_card_number": (r.id_card_number if show_nik else mask_nik(r.id_card_number)) if r.id_card_number else None,
        "has_id_card_photo": bool(r.id_card_photo),
        "address": _typed(r.address), "rt": r.rt, "rw": r.rw, "kelurahan": r.kelurahan, "kecamatan": r.kecamatan,
        "city": r.city, "postal_code": r.postal_code, "region_code": r.region_code,
        "latitude": r.latitude, "longitude": r.longitude, "address_notes": _typed(r.address_notes),
        "package_id": r.package_id,
        "package": {"name": r.package.name, "speed_mbps": r.package.speed_mbps,
                    "monthly_price": r.quoted_monthly_price},  # as quoted when it was made
        "preferred_installation_date": _iso(r.preferred_installation_date),
        "preferred_time_slot": r.preferred_time_slot,
        "notes": _typed(r.notes), "referral_code": r.referral_code,
        "utm_source": r.utm_source, "utm_medium": r.utm_medium, "utm_campaign": r.utm_campaign,
        "created_at": _iso(r.created_at), "updated_at": _iso(r.updated_at),
        "verified_at": _iso(r.verified_at), "verified_by": r.verified_by,
        "survey_date": _iso(r.survey_date), "survey_completed_at": _iso(r.survey_completed_at),
        "approved_at": _iso(r.approved_at), "approved_by": r.approved_by,
        "rejected_at": _iso(r.rejected_at), "rejected_by": r.rejected_by, "rejection_reason": _typed(r.rejection_reason),
        "customer_id": r.customer_id,
    }
