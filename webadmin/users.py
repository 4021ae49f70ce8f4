"""Staff users, for admins only: list, create, change role / active / technician flag,
unlock, reset a password, and create or revoke a user's API token (shown once, stored
as its SHA-256). An admin cannot demote or deactivate themself, so an admin always
remains. Deactivating or resetting a password signs the user out everywhere; a reset
revokes the API token too. A refused form comes back (422) as it was sent, to be
corrected rather than typed again."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.client_address import client_ip
from ispbot.providers.phone import InvalidPhone, local_format, normalize_phone
from ispbot.storage import audit, sessions
from ispbot.storage.models import User
from ispbot.storage.users import (
    MIN_PASSWORD,
    InvalidUsername,
    Role,
    UserExists,
    WeakPassword,
    check_password,
    checked_username,
    create_user,
    hash_password,
)
from ispbot.webadmin.auth import Refused, current, new_api_token, staff_view
from ispbot.webadmin.pages import redirect, render
from ispbot.webadmin.roles import ROLE_LABELS, Permission
from ispbot.webhooks import SERVICES

WEAK_PASSWORD = f"Kata sandi minimal {MIN_PASSWORD} karakter (spasi tidak dihitung)."
BAD_PHONE = "Nomor WhatsApp tidak valid (contoh: 081234567890)."
API_ACCESS_REVOKED = "Token API juga dicabut; buat token baru bila masih diperlukan."
ALREADY_REPLACED_MESSAGE = (
    "Token baru sudah dibuat sebelumnya dan hanya ditampilkan sekali; token itu tetap berlaku. "
    "Jika belum tersalin, buat token baru lagi."
)


def staff_phone(value: object) -> str | None:
    """The phone field of the form: empty → None, else canonical 628…; InvalidPhone otherwise."""
    text = str(value or "").strip()
    return normalize_phone(text) if text else None


async def _user(request: web.Request, session: AsyncSession, *, for_update: bool = False) -> User:
    user = await session.get(User, int(request.match_info["id"]), with_for_update=for_update)
    if user is None:
        raise Refused(404, "Pengguna tidak ditemukan")
    return user


def _record(request: web.Request, session: AsyncSession, action: str, target: User, **detail: Any) -> None:
    services = request.app[SERVICES]
    audit.record(session, action=action, now=services.clock.now(), actor=current(request).user,
                 ip=client_ip(request), target_type="user", target_id=target.username, detail=detail)


@staff_view(Permission.MANAGE_USERS)
async def user_list(request: web.Request) -> web.StreamResponse:
    return await _list_page(request)


NEW_USER = {"username": "", "full_name": "", "phone": "", "role": Role.CS.value, "is_technician": ""}


async def _list_page(
    request: web.Request, typed: Mapping[str, str] | None = None, error: str | None = None
) -> web.Response:
    """The list and its "Tambah Pengguna" form: blank, or (422) as the admin sent it with
    what to correct; the password is never sent back, so it alone is typed again."""
    async with request.app[SERVICES].db.sessions() as session:
        users = list((await session.execute(select(User).order_by(User.is_active.desc(), User.username))).scalars())
    return render(request, "users/list.html", {
        "users": users, "roles": ROLE_LABELS, "nav": "users", "now": request.app[SERVICES].clock.now(),
        "new_user": {**NEW_USER, **(typed or {})}, "error": error,
    }, status=422 if error else 200)


@staff_view(Permission.MANAGE_USERS)
async def user_create(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    form = await request.post()
    typed = {name: str(form.get(name, ""))[:100] for name in NEW_USER}
    role = str(form.get("role", ""))
    try:
        username = checked_username(str(form.get("username", "")))
    except InvalidUsername:
        return await _list_page(request, typed, "Nama pengguna 2–60 karakter: huruf a–z, angka, titik, - dan _.")
    if role not in {r.value for r in Role}:
        return await _list_page(request, typed, "Peran tidak dikenal.")
    try:
        phone = staff_phone(form.get("phone"))
    except InvalidPhone:
        return await _list_page(request, typed, BAD_PHONE)
    try:
        async with services.db.transaction() as session:
            user = await create_user(
                session, username=username, password=str(form.get("password", "")), role=Role(role),
                now=services.clock.now(), full_name=str(form.get("full_name", "")).strip()[:100],
                is_technician=form.get("is_technician") == "1",
            )
            user.phone = phone
            _record(request, session, "user.create", user, role=role)
    except UserExists:
        return await _list_page(request, typed, f"Nama pengguna “{username}” sudah dipakai.")
    except WeakPassword:
        return await _list_page(request, typed, WEAK_PASSWORD)
    return redirect(request, f"/admin/users/{user.id}", f"Pengguna {username} dibuat.")


@staff_view(Permission.MANAGE_USERS)
async def user_detail(request: web.Request) -> web.StreamResponse:
    async with request.app[SERVICES].db.sessions() as session:
        user = await _user(request, session)
    return _detail_page(request, user)


def _detail_page(
    request: web.Request, user: User, token: str | None = None, *, refused: Profile | None = None
) -> web.Response:
    response = render(request, "users/detail.html", {
        "u": user, "roles": ROLE_LABELS, "nav": "users", "new_token": token, "token_seen": token_fingerprint(user),
        "is_self": user.id == current(request).user.id, "now": request.app[SERVICES].clock.now(),
        "profile": refused or Profile.of(user),
    }, status=422 if refused else 200)
    if token:
        response.headers["Cache-Control"] = "no-store"  # the token is nowhere else: not in a cache either
    return response


def token_fingerprint(user: User) -> str:
    """Which token the page showed (none, or a digest of its hash): a "new token" form sent
    again (a reload of the page that showed one, a double click) names a token that is no
    longer the user's, and must not replace the one just handed out."""
    return hashlib.sha256((user.api_token_hash or "none").encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Profile:
    """The "Profil & Peran" form's values: the user's, or (with `error`) as the admin sent
    them, so a refused edit (a mistyped phone) keeps the rest of what was changed."""

    full_name: str
    phone: str
    role: str
    is_active: bool
    is_technician: bool
    error: str | None = None

    @classmethod
    def of(cls, user: User) -> Profile:
        return cls(user.full_name or "", local_format(user.phone) if user.phone else "", user.role,
                   user.is_active, user.is_technician)

    @classmethod
    def refused(cls, form: Mapping[str, Any], user: User, error: str) -> Profile:
        return cls(str(form.get("full_name", user.full_name or ""))[:100], str(form.get("phone", ""))[:20],
                   str(form.get("role", user.role)), form.get("is_active") == "1", form.get("is_technician") == "1",
                   error)


@staff_view(Permission.MANAGE_USERS)
async def user_update(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    form = await request.post()
    back = f"/admin/users/{request.match_info['id']}"
    async with services.db.transaction() as session:
        user = await _user(request, session)
        if form.get("unlock") == "1":
            user.locked_until, user.failed_logins = None, 0
            _record(request, session, "user.unlock", user)
            return redirect(request, back, "Akun dibuka kembali.")
        role = str(form.get("role", user.role))
        active = form.get("is_active") == "1"
        if user.id == current(request).user.id and (role != Role.ADMIN or not active):
            return _detail_page(request, user, refused=Profile.refused(
                form, user, "Anda tidak dapat menurunkan peran atau menonaktifkan akun sendiri."))
        if role not in {r.value for r in Role}:
            return _detail_page(request, user, refused=Profile.refused(form, user, "Peran tidak dikenal."))
        try:
            phone = staff_phone(form.get("phone", user.phone or ""))
        except InvalidPhone:
            return _detail_page(request, user, refused=Profile.refused(form, user, BAD_PHONE))
        before = {"role": user.role, "is_active": user.is_active, "is_technician": user.is_technician,
                  "phone": user.phone}
        user.role, user.is_active = role, active
        user.is_technician = form.get("is_technician") == "1"
        user.full_name = str(form.get("full_name", user.full_name)).strip()[:100] or user.username
        user.phone = phone
        if not active:
            await sessions.close_all_of(session, user.id)
        _record(request, session, "user.update", user, before=before,
                after={"role": role, "is_active": active, "is_technician": user.is_technician, "phone": phone})
    return redirect(request, back, "Perubahan disimpan.")


@staff_view(Permission.MANAGE_USERS)
async def user_password(request: web.Request) -> web.StreamResponse:
    """An admin sets a user's password: the one thing to do when an account may be in
    someone else's hands, so everything that password could have let them keep ends with
    it, the sessions and the API token alike (a token is made by an admin, but whoever had
    an admin's password could have made one). The user's integrations get a new token."""
    services = request.app[SERVICES]
    form = await request.post()
    password = str(form.get("password", ""))
    back = f"/admin/users/{request.match_info['id']}"
    try:
        check_password(password)
    except WeakPassword:
        return redirect(request, back, WEAK_PASSWORD, "error")
    async with services.db.transaction() as session:
        user = await _user(request, session)
        user.password_hash = hash_password(password)
        user.locked_until, user.failed_logins = None, 0
        await sessions.close_all_of(session, user.id)
        had_token, user.api_token_hash = user.api_token_hash is not None, None
        _record(request, session, "user.password", user, token_revoked=had_token)
    revoked = f" {API_ACCESS_REVOKED}" if had_token else ""
    if user.id == current(request).user.id:
        return redirect(request, "/admin/login", f"Kata sandi diganti.{revoked} Silakan masuk lagi.")
    return redirect(request, back, f"Kata sandi diganti; pengguna harus masuk lagi.{revoked}")


@staff_view(Permission.MANAGE_USERS)
async def user_token(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    form = await request.post()
    token, digest = new_api_token()
    async with services.db.transaction() as session:
        user = await _user(request, session, for_update=True)
        if not hmac.compare_digest(str(form.get("replaces", "")), token_fingerprint(user)):
            return redirect(request, f"/admin/users/{user.id}", ALREADY_REPLACED_MESSAGE, "error")
        user.api_token_hash = digest
        _record(request, session, "user.token", user)
    return _detail_page(request, user, token)


@staff_view(Permission.MANAGE_USERS)
async def user_token_revoke(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    async with services.db.transaction() as session:
        user = await _user(request, session)
        user.api_token_hash = None
        _record(request, session, "user.token_revoke", user)
    return redirect(request, f"/admin/users/{user.id}", "Token API dicabut.")


def setup_users(app: web.Application) -> None:
    app.router.add_get("/admin/users", user_list)
    app.router.add_post("/admin/users", user_create)
    app.router.add_get(r"/admin/users/{id:\d+}", user_detail)
    app.router.add_post(r"/admin/users/{id:\d+}", user_update)
    app.router.add_post(r"/admin/users/{id:\d+}/password", user_password)
    app.router.add_post(r"/admin/users/{id:\d+}/token", user_token)
    app.router.add_post(r"/admin/users/{id:\d+}/token/revoke", user_token_revoke)
