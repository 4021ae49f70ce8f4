"""Signing in and out: sessions, cookie flags, CSRF, lockout and the per-IP limit."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ispbot.storage.models import AuditEntry, StaffSession, User
from ispbot.storage.sessions import hash_id
from tests.conftest import Harness
from tests.webadmin.support import PASSWORD, Browser


async def audit_actions(h: Harness) -> list[str]:
    async with h.services.db.sessions() as session:
        return list((await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars())


async def test_pages_need_a_login_and_come_back_after_it(browser_factory: Callable[..., Any]) -> None:
    browser: Browser = await browser_factory()
    response = await browser.get("/admin/registrations?status=verified")
    assert response.status == 303
    location = response.headers["Location"]
    assert location.startswith("/admin/login?next=")
    form = await (await browser.get(location)).text()
    assert 'name="next" value="/admin/registrations?status=verified"' in form


async def test_the_admin_pages_have_a_tab_icon_that_is_served(browser_factory: Callable[..., Any]) -> None:
    """Every admin page load asked for /favicon.ico and got a 404 (in the browser console)."""
    browser: Browser = await browser_factory()
    page = await (await browser.get("/admin/login")).text()
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page)
    assert icon is not None
    served = await browser.get(icon.group(1))
    assert served.status == 200 and served.headers["Content-Type"] == "image/svg+xml"
    assert (await served.text()).startswith("<svg")


async def test_a_mistyped_admin_address_gets_the_admins_page_with_a_way_back(
    browser_factory: Callable[..., Any],
) -> None:
    """/admin/registrations/9999 or a mistyped link showed aiohttp's bare "404: Not Found"."""
    browser: Browser = await browser_factory("cs")
    for path in ("/admin/nonexistent", "/admin/registrations/99999", "/admin/registrations/99999999999999999999999"):
        response = await browser.get(path)
        page = await response.text()
        assert response.status == 404, path
        assert "/static/admin.css" in page and 'href="/admin/registrations">Kembali' in page, path
    assert "Halaman tidak ditemukan" in await (await browser.get("/admin/nonexistent")).text()


NAV = '<nav class="nav" aria-label="Menu utama">'


async def test_a_signed_in_agent_on_a_missing_admin_page_keeps_the_navigation(
    browser_factory: Callable[..., Any],
) -> None:
    """A stale link (a page renamed, a row gone, an id no database holds) stranded a CS
    agent on a page with no menu: the 404 comes with the agent's own navigation, the
    links their role has and no others."""
    cs: Browser = await browser_factory("cs")
    for path in ("/admin/nonexistent", "/admin/registrations/99999", "/admin/registrations/99999999999999999999999"):
        response = await cs.get(path)
        page = await response.text()
        assert response.status == 404, path
        assert NAV in page and 'href="/admin/tickets"' in page and 'action="/admin/logout"' in page, path
        assert 'href="/admin/users"' not in page and 'href="/admin/audit"' not in page, path  # not a CS link
        assert f'<meta name="csrf-token" content="{cs.csrf}">' in page, path  # "Keluar" works from here


async def test_an_anonymous_visitor_on_a_missing_admin_page_sees_no_navigation(
    browser_factory: Callable[..., Any],
) -> None:
    stranger: Browser = await browser_factory()
    for path in ("/admin/nonexistent", "/admin/registrations/99999999999999999999999"):
        response = await stranger.get(path)
        page = await response.text()
        assert response.status == 404 and "Halaman tidak ditemukan" in page, path
        assert NAV not in page and "/admin/logout" not in page and "/admin/tickets" not in page, path
        assert '<meta name="csrf-token" content="">' in page, path
    expired: Browser = await browser_factory()
    expired.http.cookie_jar.update_cookies({"ispbot_session": "not-a-session"}, expired.h.client.make_url("/admin/"))
    page = await (await expired.get("/admin/nonexistent")).text()
    assert NAV not in page and "Halaman tidak ditemukan" in page


async def test_login_sets_a_hardened_session_cookie_and_stores_only_its_hash(
    browser_factory: Callable[..., Any], h: Harness
) -> None:
    browser: Browser = await browser_factory()
    response = await browser.login("admin")
    cookie = response.cookies["ispbot_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/admin"
    assert not cookie["secure"]  # ISPBOT_PUBLIC_URL is http:// in these tests
    async with h.services.db.sessions() as session:
        [row] = list((await session.execute(select(StaffSession))).scalars())
    assert row.id_hash == hash_id(cookie.value) and cookie.value not in row.id_hash
    assert "login" in await audit_actions(h)


async def test_cookie_is_secure_when_the_public_url_is_https(
    harness_factory: Callable[..., Any], sqlite_url: str
) -> None:
    import aiohttp

    from tests.webadmin.support import seed_staff

    h: Harness = await harness_factory(sqlite_url)  # public_url https://isp.example
    await seed_staff(h)
    jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=str(h.client.make_url("/")))
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        response = await Browser(h, http).login("admin")
    assert response.cookies["ispbot_session"]["secure"]


async def test_login_rotates_the_session(browser_factory: Callable[..., Any], h: Harness) -> None:
    """A session id planted in the browser before login is never the one used after it."""
    planted = (await (await browser_factory()).login("cs")).cookies["ispbot_session"].value
    victim: Browser = await browser_factory()
    form = await (await victim.get("/admin/login")).text()  # the login form, signed out
    victim.http.cookie_jar.update_cookies({"ispbot_session": planted}, victim.h.client.make_url("/admin"))
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    response = await victim.post(
        "/admin/login", {"username": "admin", "password": PASSWORD, "csrf_token": token}, csrf=False
    )
    fresh = response.cookies["ispbot_session"].value
    assert fresh != planted
    async with h.services.db.sessions() as session:
        hashes = set((await session.execute(select(StaffSession.id_hash))).scalars())
    assert hashes == {hash_id(fresh)}  # the planted session is closed


async def test_logout_ends_the_session(cs: Browser, h: Harness) -> None:
    response = await cs.post("/admin/logout")
    assert response.status == 303 and response.headers["Location"] == "/admin/login"
    assert (await cs.get("/admin/registrations")).status == 303
    assert "logout" in await audit_actions(h)


async def test_wrong_password_is_refused_and_audited(browser_factory: Callable[..., Any], h: Harness) -> None:
    browser: Browser = await browser_factory()
    response = await browser.login("cs", "not-the-password")
    assert response.status == 401
    assert "Nama pengguna atau kata sandi salah" in await response.text()
    assert "login.failed" in await audit_actions(h)


async def test_five_failures_lock_the_account_for_fifteen_minutes(
    browser_factory: Callable[..., Any], h: Harness
) -> None:
    browser: Browser = await browser_factory()
    for _ in range(4):
        assert (await browser.login("cs", "wrong-password")).status == 401
    locked = await browser.login("cs", "wrong-password")
    assert locked.status == 429 and "dikunci" in await locked.text()
    refused = await browser.login("cs", PASSWORD)  # even the right password waits
    assert refused.status == 429 and "terkunci" in await refused.text()
    h.clock.advance(minutes=15, seconds=1)
    assert (await browser.login("cs", PASSWORD)).status == 303
    async with h.services.db.sessions() as session:
        user = (await session.execute(select(User).where(User.username == "cs"))).scalar_one()
    assert user.failed_logins == 0 and user.locked_until is None
    assert "login.locked" in await audit_actions(h)


async def test_a_stranger_typing_wrong_passwords_does_not_keep_the_owner_out(
    browser_factory: Callable[..., Any], h: Harness
) -> None:
    """Five wrong passwords from anywhere locked the account for everyone, the right
    password included: anyone could keep CS out of the admin by repeating them."""
    stranger, owner, guesser = [await browser_factory() for _ in range(3)]
    outside = {"X-Forwarded-For": "203.0.113.7"}
    for _ in range(5):
        await stranger.login("cs", "wrong-password", headers=outside)
    assert (await stranger.login("cs", PASSWORD, headers=outside)).status == 429  # the guesser's address waits
    office = {"X-Forwarded-For": "198.51.100.20"}
    assert (await owner.login("cs", PASSWORD, headers=office)).status == 303
    await owner.page("/admin/registrations")  # signed in: the list opens

    for _ in range(5):
        await stranger.login("cs", "wrong-password", headers={"X-Forwarded-For": "203.0.113.8"})
    fresh = {"X-Forwarded-For": "192.0.2.50"}
    wrong = await guesser.login("cs", "another-guess", headers=fresh)  # one try per new address
    assert wrong.status == 429 and "terkunci" in await wrong.text()
    assert (await guesser.login("cs", PASSWORD, headers=fresh)).status == 429
    assert "login.refused_locked" in await audit_actions(h)


async def test_a_username_nobody_has_is_answered_as_a_real_one(
    browser_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only real accounts locked, and only they took an argon2 check (180 ms against 5):
    either told an outsider which usernames exist."""
    from ispbot.storage.users import password_matches

    checked: list[str] = []

    def counting(user: Any, password: str) -> bool:
        checked.append(password)
        return password_matches(user, password)

    monkeypatch.setattr("ispbot.webadmin.login.password_matches", counting)
    browser: Browser = await browser_factory()
    answers = []
    for name in ("cs", "nobody"):
        answers.append([(r.status, _lock_words(await r.text()))
                        for r in [await browser.login(name, "wrong-password") for _ in range(6)]])
    assert answers[0] == answers[1]  # 401 four times, then "dikunci", then "terkunci", for both
    assert answers[0][4] == (429, "Akun dikunci selama 15 menit") and len(checked) == 12


def _lock_words(page: str) -> str:
    for words in ("Akun dikunci selama 15 menit", "Akun terkunci sementara", "Nama pengguna atau kata sandi salah"):
        if words in page:
            return words
    return page[:80]


async def test_one_ip_address_cannot_guess_across_many_accounts(
    browser_factory: Callable[..., Any], h: Harness
) -> None:
    browser: Browser = await browser_factory()
    for n in range(20):
        assert (await browser.login(f"nobody{n}", "guess")).status == 401
    blocked = await browser.login("admin", PASSWORD)
    assert blocked.status == 429 and "alamat ini" in await blocked.text()
    h.clock.advance(timedelta(minutes=16))
    assert (await browser.login("admin", PASSWORD)).status == 303


async def test_login_form_without_its_token_is_refused(browser_factory: Callable[..., Any]) -> None:
    browser: Browser = await browser_factory()
    response = await browser.post("/admin/login", {"username": "admin", "password": PASSWORD}, csrf=False)
    assert response.status == 403


async def test_every_form_needs_the_sessions_csrf_token(cs: Browser) -> None:
    missing = await cs.post("/admin/logout", csrf=False)
    assert missing.status == 403 and "Token keamanan" in await missing.text()
    cs.csrf, good = "forged", cs.csrf
    assert (await cs.post("/admin/registrations/bulk-verify", {"ids": "1"})).status == 403
    cs.csrf = good
    header = await cs.http.post(cs.url("/admin/logout"), headers={"X-CSRF-Token": good}, allow_redirects=False)
    assert header.status == 303


async def test_no_open_redirect_after_login(browser_factory: Callable[..., Any]) -> None:
    browser: Browser = await browser_factory()
    page = await (await browser.get("/admin/login?next=https://evil.example/")).text()
    assert "evil.example" not in page


async def test_a_deactivated_user_is_signed_out(cs: Browser, h: Harness) -> None:
    async with h.services.db.transaction() as session:
        user = (await session.execute(select(User).where(User.username == "cs"))).scalar_one()
        user.is_active = False
    assert (await cs.get("/admin/registrations")).status == 303


async def test_sessions_expire_when_idle(cs: Browser, h: Harness) -> None:
    h.clock.advance(hours=8, minutes=1)
    assert (await cs.get("/admin/registrations")).status == 303


async def test_a_form_sent_after_the_session_ended_says_so_and_leads_back_to_its_page(cs: Browser, h: Harness) -> None:
    from tests.webadmin.support import make_registration, status_of

    registration = await make_registration(h)
    detail = f"/admin/registrations/{registration.id}"
    await cs.page(detail)
    h.clock.advance(hours=8, minutes=1)
    response = await cs.post(f"{detail}/actions/reject", {"reason": "Di luar area"},
                             headers={"Referer": cs.url(detail)})
    assert response.status == 303
    login = await cs.page(response.headers["Location"])
    assert "Sesi Anda sudah berakhir" in login and f'name="next" value="{detail}"' in login
    assert await status_of(h, registration.id) == "pending_verification"
    token = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert token
    back = await cs.post("/admin/login", {"username": "cs", "password": PASSWORD, "csrf_token": token[1],
                                          "next": detail}, csrf=False)
    assert back.status == 303 and back.headers["Location"] == detail


async def test_the_ip_limit_follows_a_local_reverse_proxys_forwarded_for(
    browser_factory: Callable[..., Any],
) -> None:
    """Behind nginx on the same host every peer is 127.0.0.1: the limit counts the address
    the proxy forwards, so one guesser does not lock everyone out."""
    guesser: Browser = await browser_factory()
    for n in range(20):
        assert (await guesser.login(f"x{n}", "guess", {"X-Forwarded-For": "203.0.113.9"})).status == 401
    assert (await guesser.login("cs", PASSWORD, {"X-Forwarded-For": "203.0.113.9"})).status == 429
    colleague: Browser = await browser_factory()
    assert (await colleague.login("cs", PASSWORD, {"X-Forwarded-For": "198.51.100.7"})).status == 303


async def test_the_header_names_the_signed_in_role_in_words(browser_factory: Callable[..., Any]) -> None:
    cs: Browser = await browser_factory("cs")
    page = await cs.page("/admin/registrations")
    assert "<small>Customer Service</small>" in page  # it read "Cs" (the role code, capitalised)
