"""Every route of the app × every role → the answer it must give.

`login` is a redirect to the login page, `see` a redirect elsewhere (a done or refused
action with its message), numbers are HTTP statuses (422: a form sent back filled in,
with what to correct). The staff API rows are sent with
the role's bearer token. The table must list every registered route: a new route
without a row fails `test_the_table_covers_every_route`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select, update

from ispbot.providers.messages import Contact
from ispbot.storage import conversations, handoffs
from ispbot.storage.models import Customer, FaqEntry, Invoice, Ticket, User
from ispbot.webadmin.auth import new_api_token
from tests.conftest import Harness
from tests.webadmin.support import Browser, make_registration, seed_staff

ROLES = ("anonymous", "cs", "supervisor", "admin")
STAFF_ONLY = {"anonymous": "login", "cs": 200, "supervisor": 200, "admin": 200}
STAFF_ACTION = {"anonymous": "login", "cs": "see", "supervisor": "see", "admin": "see"}
STAFF_FORM_REFUSED = {"anonymous": "login", "cs": 422, "supervisor": 422, "admin": 422}  # sent back as filled in
SUPERVISOR_ACTION = {"anonymous": "login", "cs": 403, "supervisor": "see", "admin": "see"}
NO_TOKEN_SEEN = hashlib.sha256(b"none").hexdigest()[:16]  # the form of a user without a token
ADMIN_PAGE = {"anonymous": "login", "cs": 403, "supervisor": 403, "admin": 200}
ADMIN_ACTION = {"anonymous": "login", "cs": 403, "supervisor": 403, "admin": "see"}
EVERYONE_200 = dict.fromkeys(ROLES, 200)
API_READ = {"anonymous": 401, "cs": 200, "supervisor": 200, "admin": 200}
SUPERVISOR_PAGE = {"anonymous": "login", "cs": 403, "supervisor": 200, "admin": 200}
API_SUPERVISOR = {"anonymous": 401, "cs": 403, "supervisor": 200, "admin": 200}
API_APPROVAL = {"anonymous": 401, "cs": 403, "supervisor": 409, "admin": 409}  # 409: not approvable yet


def both(status: int) -> dict[str, Any]:
    return dict.fromkeys(ROLES, status)


# (method, route as registered, request path, body, expected per role)
TABLE: list[tuple[str, str, str, Any, dict[str, Any]]] = [
    ("GET", "/admin", "/admin", None, dict.fromkeys(ROLES, "see")),
    ("GET", "/admin/login", "/admin/login", None, {"anonymous": 200, "cs": "see", "supervisor": "see", "admin": "see"}),
    ("POST", "/admin/login", "/admin/login", {"username": "admin", "password": "x"}, both(403)),  # no form token
    ("GET", "/admin/registrations", "/admin/registrations", None, STAFF_ONLY),
    ("GET", "/admin/registrations/export.csv", "/admin/registrations/export.csv", None, STAFF_ONLY),
    ("GET", "/admin/registrations/export.xlsx", "/admin/registrations/export.xlsx", None, STAFF_ONLY),
    ("GET", "/admin/registrations/{id}", "/admin/registrations/{reg}", None, STAFF_ONLY),
    ("GET", "/admin/registrations/{id}/ktp", "/admin/registrations/{reg}/ktp", None, STAFF_ONLY),
    ("POST", "/admin/registrations/bulk-verify", "/admin/registrations/bulk-verify", {"ids": "{reg}"}, STAFF_ACTION),
    ("POST", "/admin/registrations/{id}/actions/{action}", "/admin/registrations/{reg}/actions/verify", {}, STAFF_ACTION),
    ("POST", "/admin/registrations/{id}/actions/{action}", "/admin/registrations/{reg}/actions/schedule_survey",
     {"survey_date": "2026-12-01T09:00"}, STAFF_ACTION),
    ("POST", "/admin/registrations/{id}/actions/{action}", "/admin/registrations/{reg}/actions/complete_survey", {},
     STAFF_FORM_REFUSED),  # not on the survey's day
    ("POST", "/admin/registrations/{id}/actions/{action}", "/admin/registrations/{reg}/actions/reject",
     {"reason": ""}, STAFF_FORM_REFUSED),  # refused for want of a reason: the registration lives on
    ("POST", "/admin/registrations/{id}/actions/{action}", "/admin/registrations/{reg}/actions/approve", {}, SUPERVISOR_ACTION),
    ("POST", "/admin/registrations/{id}/actions/{action}", "/admin/registrations/{reg}/actions/create_customer", {},
     SUPERVISOR_ACTION),
    ("POST", "/admin/registrations/{id}/resend", "/admin/registrations/{reg}/resend", {}, STAFF_ACTION),
    ("POST", "/admin/registrations/{id}/message", "/admin/registrations/{reg}/message", {"text": "Halo"}, STAFF_ACTION),
    ("POST", "/admin/registrations/{id}/delete", "/admin/registrations/{reg}/delete", {}, SUPERVISOR_ACTION),
    ("GET", "/admin/events", "/admin/events", None, STAFF_ONLY),
    ("GET", "/admin/tickets", "/admin/tickets", None, STAFF_ONLY),
    ("GET", "/admin/tickets/{id}", "/admin/tickets/{ticket}", None, STAFF_ONLY),
    ("GET", "/admin/tickets/{id}/photo", "/admin/tickets/{ticket}/photo", None, STAFF_ONLY),
    ("POST", "/admin/tickets/{id}/assign", "/admin/tickets/{ticket}/assign", {"user_id": ""}, STAFF_ACTION),
    ("POST", "/admin/tickets/{id}/status", "/admin/tickets/{ticket}/status", {"status": "in_progress"}, STAFF_ACTION),
    ("POST", "/admin/tickets/{id}/schedule", "/admin/tickets/{ticket}/schedule", {"scheduled_at": "2026-11-26T10:00"},
     STAFF_ACTION),
    ("GET", "/admin/customers", "/admin/customers", None, STAFF_ONLY),
    ("GET", "/admin/customers/{id}", "/admin/customers/{customer}", None, STAFF_ONLY),
    ("GET", "/admin/invoices", "/admin/invoices", None, STAFF_ONLY),
    ("GET", "/admin/invoices/{id}", "/admin/invoices/{invoice}", None, STAFF_ONLY),
    ("GET", "/admin/invoices/{id}/pdf", "/admin/invoices/{invoice}/pdf", None, STAFF_ONLY),
    ("POST", "/admin/invoices/{id}/pay", "/admin/invoices/{invoice}/pay", {"method": "qris", "reference": "Q1"},
     SUPERVISOR_ACTION),  # supervisor pays it, admin is told it is paid already: both "see"
    ("GET", "/admin/account", "/admin/account", None, STAFF_ONLY),
    ("POST", "/admin/account/password", "/admin/account/password", {"current": "wrong", "password": "x" * 12,
                                                                    "password_again": "x" * 12}, STAFF_ACTION),
    ("GET", "/admin/users", "/admin/users", None, ADMIN_PAGE),
    ("POST", "/admin/users", "/admin/users", {"username": "tester", "role": "cs", "password": "tester-password"},
     ADMIN_ACTION),
    ("GET", "/admin/users/{id}", "/admin/users/{user}", None, ADMIN_PAGE),
    ("POST", "/admin/users/{id}", "/admin/users/{user}", {"role": "cs", "is_active": "1"}, ADMIN_ACTION),
    ("POST", "/admin/users/{id}/password", "/admin/users/{user}/password", {"password": "another-password"}, ADMIN_ACTION),
    ("POST", "/admin/users/{id}/token", "/admin/users/{user}/token", {"replaces": NO_TOKEN_SEEN}, ADMIN_PAGE),
    ("POST", "/admin/users/{id}/token/revoke", "/admin/users/{user}/token/revoke", {}, ADMIN_ACTION),
    ("GET", "/admin/packages", "/admin/packages", None, SUPERVISOR_PAGE),
    ("POST", "/admin/packages", "/admin/packages", {"name": "Paket Tes", "speed_mbps": "10", "monthly_price": "99.000"},
     ADMIN_ACTION),  # added inactive: the ten-active limit is not in the way
    ("GET", "/admin/packages/{id}", "/admin/packages/{package}", None, SUPERVISOR_PAGE),
    ("POST", "/admin/packages/{id}", "/admin/packages/{package}",
     {"name": "Home Silver 40M", "speed_mbps": "40", "monthly_price": "199.900", "is_active": "1"}, ADMIN_ACTION),
    ("GET", "/admin/audit", "/admin/audit", None, {"anonymous": "login", "cs": 403, "supervisor": 200, "admin": 200}),
    ("GET", "/admin/data-requests", "/admin/data-requests", None, {"anonymous": "login", "cs": 403, "supervisor": 200,
                                                                   "admin": 200}),
    ("GET", "/admin/data-requests/{id}", "/admin/data-requests/{data_request}", None,
     {"anonymous": "login", "cs": 403, "supervisor": 200, "admin": 200}),
    ("POST", "/admin/data-requests/{id}/complete", "/admin/data-requests/{data_request}/complete", {},
     SUPERVISOR_ACTION),
    ("GET", "/admin/inbox", "/admin/inbox", None, STAFF_ONLY),
    ("GET", "/admin/inbox/{id}", "/admin/inbox/{convo}", None, STAFF_ONLY),
    ("POST", "/admin/inbox/{id}/take", "/admin/inbox/{convo}/take", {}, STAFF_ACTION),
    ("POST", "/admin/inbox/{id}/reply", "/admin/inbox/{convo}/reply", {"text": "Halo"}, STAFF_ACTION),
    ("POST", "/admin/inbox/{id}/handback", "/admin/inbox/{convo}/handback", {}, STAFF_ACTION),
    ("GET", "/admin/faq", "/admin/faq", None, STAFF_ONLY),
    ("POST", "/admin/faq", "/admin/faq", {"category": "Lain-lain", "question": "Tes?", "answer": "Ya."},
     SUPERVISOR_ACTION),
    ("GET", "/admin/faq/new", "/admin/faq/new", None, {"anonymous": "login", "cs": 403, "supervisor": 200, "admin": 200}),
    ("GET", "/admin/faq/{id}", "/admin/faq/{faq}", None, STAFF_ONLY),
    ("POST", "/admin/faq/{id}", "/admin/faq/{faq}", {"category": "Lain-lain", "question": "Tes lagi?", "answer": "Ya."},
     SUPERVISOR_ACTION),
    ("POST", "/admin/faq/{id}/active", "/admin/faq/{faq}/active", {"active": "0"}, SUPERVISOR_ACTION),
    ("GET", "/admin/analytics", "/admin/analytics", None, SUPERVISOR_PAGE),
    ("GET", "/admin/analytics/{table}.csv", "/admin/analytics/packages.csv", None, SUPERVISOR_PAGE),
    ("GET", "/track", "/track", None, EVERYONE_200),
    ("GET", "/track/{number}", "/track/{number}", None, EVERYONE_200),
    ("GET", "/d/invoice/{token}", "/d/invoice/not-a-token", None, both(403)),  # only a signed token opens it
    ("POST", "/api/registrations/public/request-otp", "/api/registrations/public/request-otp", {"json": {}}, both(422)),
    ("POST", "/api/registrations/public/verify-otp", "/api/registrations/public/verify-otp",
     {"json": {"phone": "081200000199", "otp": "123456"}}, both(422)),
    ("POST", "/api/registrations/public", "/api/registrations/public", {"json": {}}, both(422)),
    ("GET", "/api/registrations/public/status/{identifier}", "/api/registrations/public/status/{number}", None,
     EVERYONE_200),
    ("GET", "/api/registrations/public/packages", "/api/registrations/public/packages", None, EVERYONE_200),
    ("GET", "/api/registrations", "/api/registrations", None, API_READ),
    ("GET", "/api/registrations/stats", "/api/registrations/stats", None, API_READ),
    ("GET", "/api/registrations/{id}", "/api/registrations/{reg}", None, API_READ),
    ("PUT", "/api/registrations/{id}/status", "/api/registrations/{reg}/status", {"json": {"status": "approved"}},
     API_APPROVAL),
    ("POST", "/api/registrations/{id}/create-customer", "/api/registrations/{reg}/create-customer", {"json": {}},
     API_APPROVAL),
    *[("GET", f"/api/registration-analytics/{name}", f"/api/registration-analytics/{name}", None, API_SUPERVISOR)
      for name in ("overview", "trends", "package-popularity", "rejection-analysis", "geographic-distribution",
                   "funnel")],
    ("GET", "/api/openapi.json", "/api/openapi.json", None, EVERYONE_200),
    ("GET", "/static", "/static/admin.css", None, EVERYONE_200),
    ("GET", "/healthz", "/healthz", None, EVERYONE_200),
    ("GET", "/metrics", "/metrics", None, EVERYONE_200),  # from this machine (tests/bot/test_health.py)
    ("GET", "/sandbox", "/sandbox", None, EVERYONE_200),
    ("POST", "/sandbox/api/send", "/sandbox/api/send", {"json": {}}, both(400)),
    ("GET", "/sandbox/api/messages", "/sandbox/api/messages", None, both(400)),
    ("GET", "/webhooks/cloudapi", "/webhooks/cloudapi", None, both(404)),  # gateway not enabled
    ("POST", "/webhooks/{provider}", "/webhooks/nope", {"json": {}}, both(404)),
    ("POST", "/admin/logout", "/admin/logout", {}, {"anonymous": "login", "cs": "login", "supervisor": "login",
                                                     "admin": "login"}),  # last: it ends the session
]


@pytest.fixture
async def sandbox_h(harness_factory: Callable[..., Any], sqlite_url: str) -> Harness:
    h: Harness = await harness_factory(sqlite_url, public_url="http://isp.example")  # the sandbox gateway is on
    await seed_staff(h)
    return h


def test_the_table_covers_every_route(tmp_path: Any) -> None:
    from ispbot.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path}/x.db", tmp_path), background=False)
    registered = {(r.method, r.resource.canonical) for r in app.router.routes()
                  if r.method != "HEAD" and r.resource is not None}
    listed = {(method, route) for method, route, *_ in TABLE}
    assert registered == listed, {"missing": registered - listed, "stale": listed - registered}


def outcome(response: aiohttp.ClientResponse) -> Any:
    if response.status == 303:
        return "login" if response.headers["Location"].startswith("/admin/login") else "see"
    return response.status


async def test_every_route_answers_each_role_as_the_table_says(
    sandbox_h: Harness,
) -> None:
    h = sandbox_h
    ktp = h.services.settings.data_dir / "ktp"
    ktp.mkdir(parents=True)
    (ktp / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (h.services.settings.data_dir / "tickets").mkdir()
    (h.services.settings.data_dir / "tickets" / "modem.jpg").write_bytes(b"\xff\xd8\xff")
    registration = await make_registration(h, id_card_photo="photo.jpg")
    async with h.services.db.transaction() as session:
        tech = (await session.execute(select(User).where(User.username == "tech"))).scalar_one()
        from ispbot.storage import tickets

        ticket = await tickets.open_ticket(session, kind="support", now=h.clock.now(), timezone=h.services.settings.tz,
                                           subject="Internet mati", contact_phone=registration.phone,
                                           photo="modem.jpg")
        assert isinstance(ticket, Ticket)
        convo = await conversations.lock(session, Contact(phone=registration.phone), "sandbox", h.clock.now(), "id")
        handoffs.start(convo, h.clock.now())
        entry = FaqEntry(category="Lain-lain", question="Apa kabar?", answer="Baik.", keywords="", sort_order=1,
                         is_active=True, updated_at=h.clock.now())
        session.add(entry)
        await session.flush()
        from ispbot.storage import data_requests

        data_request = await data_requests.open_request(session, contact_key="6281200000199", phone="6281200000199",
                                                        now=h.clock.now())
        customer = Customer(customer_code="AGLS202511010001", full_name="Budi Santoso", email="budi@example.com",
                            phone=registration.phone, account_status="active", created_at=h.clock.now(),
                            updated_at=h.clock.now())
        session.add(customer)
        await session.flush()
        invoice = Invoice(invoice_number=f"INV-202611-{customer.id:05d}", customer_id=customer.id, period="2026-11",
                          issue_date=h.clock.now().date(), due_date=h.clock.now().date(), amount=199_900,
                          status="unpaid", lines=[], created_at=h.clock.now())
        session.add(invoice)
        await session.flush()
    values = {"reg": str(registration.id), "ticket": str(ticket.id), "user": str(tech.id),
              "number": registration.registration_number, "convo": str(convo.id), "faq": str(entry.id),
              "data_request": str(data_request.id), "customer": str(customer.id), "invoice": str(invoice.id),
              "package": str(registration.package_id)}
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    browsers: dict[str, Browser] = {}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as anonymous:
        browsers["anonymous"] = Browser(h, anonymous)
        sessions = []
        for role in ROLES[1:]:
            http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
            sessions.append(http)
            browsers[role] = Browser(h, http)
            assert (await browsers[role].login(role)).status == 303
            token, digest = new_api_token()
            async with h.services.db.transaction() as session:
                await session.execute(update(User).where(User.username == role).values(api_token_hash=digest))
            headers[role] = {"Authorization": f"Bearer {token}"}
        failures = []
        try:
            for method, _route, path, body, expected in TABLE:
                for role in ROLES:
                    got = await _call(browsers[role], method, path.format(**values), body, headers[role], values)
                    if got != expected[role]:
                        failures.append((method, path, role, expected[role], got))
        finally:
            for http in sessions:
                await http.close()
    assert failures == [], "\n".join(map(str, failures))


async def _call(
    browser: Browser, method: str, path: str, body: Any, headers: dict[str, str], values: dict[str, str]
) -> Any:
    if body is not None and "json" in body:
        response = await browser.http.request(method, browser.url(path), json=body["json"], headers=headers,
                                              allow_redirects=False)
    elif method == "GET":
        response = await browser.http.get(browser.url(path), headers=headers, allow_redirects=False)
    else:
        data = [(k, v.format(**values)) for k, v in (body or {}).items()]
        response = await browser.post(path, data, headers=headers)
    result = outcome(response)
    response.close()
    return result
