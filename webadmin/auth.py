"""Who is asking: the staff session behind the admin's cookie (HttpOnly, SameSite=Lax,
Secure when ISPBOT_PUBLIC_URL is https), the CSRF token checked on every POST/PUT/DELETE,
the permission check of each view, and bearer tokens for the staff API.

    @staff_view(Permission.TICKETS)
    async def ticket_list(request): ...        # current(request) is the signed-in Staff

A missing or expired session sends the browser to the login page; a bad CSRF token or a
missing permission answers 403 with a page saying so.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlsplit

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage import sessions
from ispbot.storage.models import User
from ispbot.webadmin.pages import error_page
from ispbot.webadmin.roles import Permission
from ispbot.webadmin.staff import STAFF, Staff
from ispbot.webhooks import SERVICES

SESSION_COOKIE = "ispbot_session"
COOKIE_PATH = "/admin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Refused(Exception):
    """A view's 'no': rendered as an error page with this status."""

    def __init__(self, status: int, title: str, detail: str = "") -> None:
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail


def cookie_is_secure(request: web.Request) -> bool:
    return request.app[SERVICES].settings.public_url.startswith("https://")


def set_session_cookie(request: web.Request, response: web.StreamResponse, value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE, value, path=COOKIE_PATH, httponly=True, samesite="Lax",
        secure=cookie_is_secure(request),
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)


async def load_staff(request: web.Request) -> Staff | None:
    if STAFF in request:
        return request[STAFF]
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if not cookie:
        return None
    services = request.app[SERVICES]
    async with services.db.transaction() as session:
        found = await sessions.find(session, cookie, now=services.clock.now())
    if found is None:
        return None
    row, user = found
    staff = Staff(user=user, csrf_token=row.csrf_token, cookie_value=cookie)
    request[STAFF] = staff
    return staff


async def csrf_matches(request: web.Request, expected: str) -> bool:
    given = request.headers.get("X-CSRF-Token", "")
    if not given and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        given = str((await request.post()).get("csrf_token", ""))
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def login_url(request: web.Request) -> str:
    """Back to the page after signing in: the one asked for, or for a form sent after the
    session ended, the page the form was on (and the agent is told it was not saved)."""
    if request.method == "GET":
        return f"/admin/login?next={quote(request.path_qs)}"
    referer = urlsplit(request.headers.get("Referer", ""))
    same_site = referer.netloc in ("", request.host) and referer.path.startswith("/admin")
    target = referer.path + (f"?{referer.query}" if referer.query else "") if same_site else "/admin/registrations"
    return f"/admin/login?next={quote(target)}&expired=1"


def staff_view(permission: Permission | None = None) -> Callable[[Handler], Handler]:
    """Require a signed-in staff user (and `permission`); check CSRF on unsafe methods."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def view(request: web.Request) -> web.StreamResponse:
            staff = await load_staff(request)
            if staff is None:
                if request.headers.get("Accept", "").startswith("text/event-stream"):
                    return web.Response(status=401, text="login required")
                raise web.HTTPSeeOther(login_url(request))
            if request.method not in SAFE_METHODS and not await csrf_matches(request, staff.csrf_token):
                return error_page(
                    request, 403, "Sesi formulir tidak valid",
                    "Token keamanan formulir tidak cocok. Muat ulang halaman lalu coba lagi.",
                )
            try:
                if permission is not None:
                    require(staff, permission)
                return await handler(request)
            except Refused as refused:
                return error_page(request, refused.status, refused.title, refused.detail)

        return view

    return wrap


def require(staff: Staff, permission: Permission) -> None:
    if not staff.can(permission):
        raise Refused(403, "Akses ditolak", "Peran Anda tidak diizinkan melakukan ini.")


def current(request: web.Request) -> Staff:
    """The signed-in staff user of a view wrapped by `staff_view`."""
    return request[STAFF]


# --- bearer tokens for the staff API -----------------------------------------------------


def new_api_token() -> tuple[str, str]:
    """(token shown once to the admin, its SHA-256 kept in users.api_token_hash)."""
    token = "isp_" + secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


async def user_by_api_token(session: AsyncSession, header: str) -> User | None:
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    user = (await session.execute(select(User).where(User.api_token_hash == digest))).scalar_one_or_none()
    return user if user is not None and user.is_active else None
