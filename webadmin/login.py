"""Signing in and out. Five wrong passwords lock the account for 15 minutes
(users.locked_until, across processes) for every address that failed against it; the
owner, from an address that has not failed (remembered by this process), still signs in
with the right password, so a stranger cannot keep staff out by typing wrong passwords
for their username. A fresh address gets one try while the lock lasts, so guessing from
many addresses gains one guess per address per quarter of an hour. 20 failures from one IP
address within 15 minutes hold back every login from it. A successful login always opens a new session
(the old cookie's session is closed: no fixation). The login form carries a
double-submit CSRF token, since there is no session yet."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from aiohttp import web

from ispbot.client_address import client_ip
from ispbot.storage import audit, sessions
from ispbot.storage.users import by_username, password_matches
from ispbot.webadmin.auth import (
    SESSION_COOKIE,
    clear_session_cookie,
    cookie_is_secure,
    current,
    load_staff,
    set_session_cookie,
    staff_view,
)
from ispbot.webadmin.pages import render, see_other
from ispbot.webadmin.ratelimit import ACCOUNT_ADDRESS_FAILURES, LOGIN_FAILURES, UNKNOWN_USERNAMES
from ispbot.webhooks import SERVICES

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
LOGIN_CSRF_COOKIE = "ispbot_login_csrf"
LOGIN_PATH = "/admin/login"


def _safe_next(target: str | None) -> str:
    """Only a path of this admin: never an open redirect."""
    if target and target.startswith("/admin") and not target.startswith("/admin/login") and "//" not in target:
        return target
    return "/admin/registrations"


def _login_page(request: web.Request, *, error: str | None = None, status: int = 200, username: str = "") -> web.Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request, "login.html",
        {"login_csrf": token, "error": error, "username": username, "next": _safe_next(request.query.get("next"))},
        status=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, path=LOGIN_PATH, httponly=True, samesite="Strict",
        secure=cookie_is_secure(request), max_age=3600,
    )
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    if await load_staff(request) is not None:
        raise web.HTTPSeeOther(_safe_next(request.query.get("next")))
    if request.query.get("expired") == "1":
        return _login_page(request, error="Sesi Anda sudah berakhir, jadi isian terakhir belum tersimpan. "
                                          "Masuk lagi untuk kembali ke halaman tadi.")
    return _login_page(request)


def _here(user_id: int, ip: str) -> str:
    return f"{user_id}|{ip}"


def failed_here(request: web.Request, user_id: int, now: datetime) -> None:
    """A wrong password for this account from this request's address: while the account
    is locked, this address waits even with the right one."""
    request.app[ACCOUNT_ADDRESS_FAILURES].hit(_here(user_id, client_ip(request)), now)


async def login(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    form = await request.post()
    username = str(form.get("username", "")).strip().lower()[:60]
    password = str(form.get("password", ""))[:200]
    given, expected = str(form.get("csrf_token", "")), request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not given or not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return _login_page(request, error="Formulir kedaluwarsa. Silakan coba lagi.", status=403, username=username)
    now, ip = services.clock.now(), client_ip(request)
    failures = request.app[LOGIN_FAILURES]
    if failures.blocked(ip, now):
        minutes = max(1, round(failures.retry_after(ip, now).total_seconds() / 60))
        return _login_page(request, error=f"Terlalu banyak percobaan dari alamat ini. Coba lagi dalam {minutes} menit.",
                           status=429, username=username)
    unknown = request.app[UNKNOWN_USERNAMES]
    async with services.db.transaction() as session:
        user = await by_username(session, username) if username else None
        # Answered alike whether the username exists or not: the same argon2 check (an
        # unknown name answered in 5 ms, a real one in 180), the same lock after five tries.
        matches = password_matches(user, password)
        if user is None and unknown.blocked(username, now):
            failures.hit(ip, now)
            minutes = max(1, round(unknown.retry_after(username, now).total_seconds() / 60))
            return _login_page(request, error=f"Akun terkunci sementara. Coba lagi dalam {minutes} menit.",
                               status=429, username=username)
        locked = user is not None and user.locked_until is not None and user.locked_until > now
        if user is not None and locked and (
            request.app[ACCOUNT_ADDRESS_FAILURES].seen(_here(user.id, ip), now) or not matches or not user.is_active
        ):
            failed_here(request, user.id, now)
            minutes = max(1, round((user.locked_until - now).total_seconds() / 60))
            audit.record(session, action="login.refused_locked", now=now, actor_label=username, ip=ip,
                         target_type="user", target_id=user.id)
            failures.hit(ip, now)
            return _login_page(request, error=f"Akun terkunci sementara. Coba lagi dalam {minutes} menit.",
                               status=429, username=username)
        if user is None or not user.is_active or not matches:
            failures.hit(ip, now)
            if user is None:
                unknown.hit(username, now)
            if user is None and unknown.blocked(username, now):  # the fifth, as a real account locks
                return _login_page(request, error="Terlalu banyak percobaan. Akun dikunci selama 15 menit.",
                                   status=429, username=username)
            audit.record(session, action="login.failed", now=now, actor_label=username or "?", ip=ip,
                         target_type="user", target_id=user.id if user else None)
            if user is not None:
                failed_here(request, user.id, now)
                user.failed_logins += 1
                if user.failed_logins >= MAX_FAILURES:
                    user.locked_until, user.failed_logins = now + LOCKOUT, 0
                    audit.record(session, action="login.locked", now=now, actor_label=username, ip=ip,
                                 target_type="user", target_id=user.id)
                    return _login_page(request, error="Terlalu banyak percobaan. Akun dikunci selama 15 menit.",
                                       status=429, username=username)
            return _login_page(request, error="Nama pengguna atau kata sandi salah.", status=401, username=username)
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            await sessions.close(session, old)
        user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
        opened = await sessions.open_session(session, user, now=now, ip=ip)
        audit.record(session, action="login", now=now, actor=user, ip=ip, target_type="user", target_id=user.id)
    response = see_other(_safe_next(str(form.get("next", ""))))
    set_session_cookie(request, response, opened.cookie_value)
    response.del_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    return response


@staff_view()
async def logout(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    staff = current(request)
    async with services.db.transaction() as session:
        await sessions.close(session, staff.cookie_value)
        audit.record(session, action="logout", now=services.clock.now(), actor=staff.user,
                     ip=client_ip(request), target_type="user", target_id=staff.user.id)
    response = see_other(LOGIN_PATH)
    clear_session_cookie(response)
    return response


async def admin_home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/admin/registrations")


def setup_login(app: web.Application) -> None:
    app.router.add_get("/admin", admin_home)
    app.router.add_get(LOGIN_PATH, login_form)
    app.router.add_post(LOGIN_PATH, login)
    app.router.add_post("/admin/logout", logout)
