"""Rendering pages: the jinja2 environment (autoescaped), the filters every page uses
(dates in ISPBOT_TIMEZONE with babel, Rupiah, status labels), one-shot flash messages
in a signed cookie, and the security headers of every admin and tracking page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date, format_datetime
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from ispbot.messages import rupiah, whatsapp_templates
from ispbot.providers.phone import local_format
from ispbot.storage.identity import mask_nik, mask_niks_in
from ispbot.storage.transcript import Line
from ispbot.webadmin import labels
from ispbot.webadmin.roles import ROLE_LABELS, Permission, can
from ispbot.webadmin.staff import STAFF
from ispbot.webhooks import SERVICES

TEMPLATES = web.AppKey("admin_templates", Environment)
WAITING_COUNT = web.RequestKey("waiting_count", int)
FLASH_COOKIE = "ispbot_flash"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def build_environment(timezone: ZoneInfo) -> Environment:
    env = Environment(
        loader=PackageLoader("ispbot.webadmin", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def when(value: datetime | None, pattern: str = "d MMM y, HH.mm") -> str:
        if value is None:
            return "-"
        return format_datetime(value.astimezone(timezone), format=pattern, locale="id")

    def day(value: date | datetime | None) -> str:
        if value is None:
            return "-"
        if isinstance(value, datetime):
            value = value.astimezone(timezone).date()
        return format_date(value, format="d MMM y", locale="id")

    env.filters.update(
        when=when,
        day=day,
        rupiah=rupiah,
        status_label=labels.status_label,
        status_tone=labels.status_tone,
        action_label=labels.action_label,
        ticket_status=lambda s: labels.TICKET_STATUS.get(s, s),
        ticket_tone=lambda s: labels.TICKET_TONE.get(s, "gray"),
        ticket_kind=lambda k: labels.TICKET_KIND.get(k, k),
        ticket_category=labels.ticket_category,
        created_via=lambda v: labels.CREATED_VIA.get(v, v),
        mode_label=lambda m: labels.CONVERSATION_MODE.get(m, m),
        mode_tone=lambda m: labels.CONVERSATION_TONE.get(m, "gray"),
        mask_nik=lambda n: mask_nik(n) if n else "-",
        phone=lambda p: local_format(p) if p else "-",
        whatsapp=whatsapp,
        as_sent=as_sent,
        typed=typed,
        role_label=lambda r: ROLE_LABELS.get(r, r),  # "Customer Service", not "Cs"
    )
    env.globals["static_version"] = _static_version()
    return env


_WHATSAPP_BOLD = re.compile(r"\*([^*\n]+)\*")
# _italic_ and ~strike~ only between word boundaries, as WhatsApp reads them: the
# underscores inside a link or an id (track/REG_1_2, budi_s@x) stay as they are.
_WHATSAPP_ITALIC = re.compile(r"(?<!\w)_([^_\n]+)_(?!\w)")
_WHATSAPP_STRIKE = re.compile(r"(?<!\w)~([^~\n]+)~(?!\w)")


def as_sent(line: Line) -> str:
    """A transcript line's text as the customer read it (a template's own wording when it
    went as one), as staff may see it: a one-time code hidden, a NIK the customer typed
    masked as in every list."""
    sent = whatsapp_templates.as_sent(line.template) if line.template else None
    text = sent or line.text or f"[{line.kind}]"
    if line.sensitive:
        text = _CODE.sub("••••••", text)
    return mask_niks_in(text)


def typed(text: str | None) -> str | None:
    """A customer's own words on a page (a note, an address, a message preview) with any
    NIK in them masked, as the transcript shows them."""
    return mask_niks_in(text) if text else text


_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


def whatsapp(text: str) -> Markup:
    """A WhatsApp text as HTML: escaped first, then *bold*, _italic_ and ~strike~."""
    html = _WHATSAPP_BOLD.sub(r"<strong>\1</strong>", str(escape(text)))
    html = _WHATSAPP_ITALIC.sub(r"<em>\1</em>", html)
    return Markup(_WHATSAPP_STRIKE.sub(r"<s>\1</s>", html))  # noqa: S704 (escaped first)


def _static_version() -> str:
    """A short hash of the static files, so browsers fetch them anew after an upgrade."""
    digest = hashlib.sha256()
    static = files("ispbot.webadmin").joinpath("static")
    for name in ("admin.css", "admin.js"):
        entry = static.joinpath(name)
        if entry.is_file():
            digest.update(entry.read_bytes())
    return digest.hexdigest()[:10]


def render(
    request: web.Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> web.Response:
    env = request.app[TEMPLATES]
    services = request.app[SERVICES]
    staff = request.get(STAFF)
    values: dict[str, Any] = {
        "staff": staff,
        "csrf_token": staff.csrf_token if staff else "",
        "can": (lambda permission: can(staff.user.role, Permission(permission))) if staff else (lambda _p: False),
        "isp_name": services.settings.isp_name,
        "cs_phone": services.settings.cs_phone,
        "flash": pop_flash(request),
        "path": request.path,
        "waiting_count": request.get(WAITING_COUNT),  # the chat inbox's nav badge (inbox.py)
    }
    values.update(context or {})
    response = web.Response(
        text=env.get_template(template).render(values), content_type="text/html", status=status
    )
    if values["flash"]:
        response.del_cookie(FLASH_COOKIE, path="/")
    return response


# --- flash messages -----------------------------------------------------------------------


def _flash_key(request: web.Request) -> bytes:
    secret = request.app[SERVICES].settings.secret_key or ""
    return hashlib.sha256(b"ispbot.flash:" + secret.encode()).digest()


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def redirect(request: web.Request, location: str, message: str | None = None, kind: str = "ok") -> web.Response:
    """A 303 to `location`, carrying a one-shot message for the next page."""
    response = see_other(location)
    if message:
        payload = base64.urlsafe_b64encode(json.dumps([kind, message[:500]]).encode()).decode()
        mac = hmac.new(_flash_key(request), payload.encode(), hashlib.sha256).hexdigest()[:32]
        response.set_cookie(FLASH_COOKIE, f"{payload}.{mac}", path="/", httponly=True, samesite="Lax", max_age=60)
    return response


def pop_flash(request: web.Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE, "")
    payload, _, mac = raw.partition(".")
    if not payload or not mac:
        return None
    expected = hmac.new(_flash_key(request), payload.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        kind, message = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, TypeError):
        return None
    return {"kind": str(kind), "message": str(message)}


# --- errors and headers -------------------------------------------------------------------


def error_page(request: web.Request, status: int, title: str, detail: str) -> web.Response:
    return render(request, "error.html", {"status": status, "title": title, "detail": detail}, status=status)


@web.middleware
async def admin_not_found(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """An /admin address that names no page (a mistyped link, a row that is gone) answers
    with the admin's own page and a way back, not aiohttp's bare "404: Not Found"; to a
    signed-in member of staff with their navigation, as every page has it (the router's
    404 comes before any view has looked at the session). Anonymous visitors get no nav."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        if request.method != "GET" or not request.path.startswith("/admin/"):
            raise
        from ispbot.webadmin.auth import load_staff  # auth renders its refusals with this module

        await load_staff(request)
        return render(request, "error.html", {
            "status": 404, "title": "Halaman tidak ditemukan",
            "detail": "Alamat ini tidak ada di admin, atau datanya sudah tidak ada.", "back": "/admin/registrations",
        }, status=404)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: lock down the admin, the tracking page and the JSON API."""
    if not request.path.startswith(("/admin", "/track", "/api", "/static")):
        return
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith(("/admin", "/track")):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith("/admin"):
        response.headers.setdefault("Cache-Control", "no-store")
