"""`/admin/account`: every staff member changes their own password (the first one an
admin gave them, or one they suspect is known), with the current one as proof. All their
sessions end, this one too, and they sign in again with the new password.

Their API token stays: it never came from the password, only an admin makes or revokes
one, and revoking it here would stop an integration without warning at a routine change.
The page and the flash say it still works, so someone who fears the account is in other
hands asks an admin, whose reset revokes it too (users.user_password)."""

from __future__ import annotations

from aiohttp import web

from ispbot.client_address import client_ip
from ispbot.storage import audit, sessions
from ispbot.storage.models import User
from ispbot.storage.users import WeakPassword, check_password, hash_password, password_matches
from ispbot.webadmin.auth import current, staff_view
from ispbot.webadmin.login import LOCKOUT, MAX_FAILURES, failed_here
from ispbot.webadmin.pages import redirect, render
from ispbot.webadmin.users import WEAK_PASSWORD
from ispbot.webhooks import SERVICES

PAGE = "/admin/account"
API_ACCESS_KEPT = "Token API Anda tetap berlaku; minta admin mencabutnya bila akun Anda mungkin diketahui orang lain."


@staff_view()
async def account_page(request: web.Request) -> web.StreamResponse:
    return render(request, "users/own_account.html", {"nav": "account"})


@staff_view()
async def change_own_password(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    form = await request.post()
    old, new, again = (str(form.get(name, "")) for name in ("current", "password", "password_again"))
    if new != again:
        return redirect(request, PAGE, "Kata sandi baru dan ulangannya tidak sama.", "error")
    try:
        check_password(new)
    except WeakPassword:
        return redirect(request, PAGE, WEAK_PASSWORD, "error")
    async with services.db.transaction() as session:
        user = await session.get(User, current(request).user.id, with_for_update=True)
        if user is None:
            return redirect(request, "/admin/login", "Silakan masuk lagi.")
        if not password_matches(user, old):
            # Guessing the password through a session left open counts as failed logins do.
            user.failed_logins += 1
            failed_here(request, user.id, services.clock.now())
            if user.failed_logins < MAX_FAILURES:
                return redirect(request, PAGE, "Kata sandi saat ini salah.", "error")
            user.locked_until, user.failed_logins = services.clock.now() + LOCKOUT, 0
            await sessions.close_all_of(session, user.id)
            audit.record(session, action="user.locked", now=services.clock.now(), actor=user,
                         ip=client_ip(request), target_type="user", target_id=user.username)
            return redirect(request, "/admin/login", "Terlalu banyak kata sandi salah: akun dikunci sementara.", "error")
        user.password_hash = hash_password(new)
        await sessions.close_all_of(session, user.id)
        audit.record(session, action="user.own_password", now=services.clock.now(), actor=user,
                     ip=client_ip(request), target_type="user", target_id=user.username)
    kept = f" {API_ACCESS_KEPT}" if user.api_token_hash else ""
    return redirect(request, "/admin/login", f"Kata sandi diganti.{kept} Silakan masuk lagi dengan kata sandi baru.")


def setup_own_account(app: web.Application) -> None:
    app.router.add_get(PAGE, account_page)
    app.router.add_post(f"{PAGE}/password", change_own_password)
