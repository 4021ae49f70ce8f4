"""Helpers for the admin, tracking page and API tests: a browser-like client per staff
user (its own cookie jar, the CSRF token), staff users of every role, registrations."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import aiohttp

from ispbot.storage import registrations
from ispbot.storage.demo import seed_packages
from ispbot.storage.models import Package, Registration, User
from ispbot.storage.registrations import NewRegistration
from ispbot.storage.users import hash_password
from tests.conftest import Harness

PASSWORD = "correct-horse-battery"
ROLES = ("admin", "supervisor", "cs")
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')


@dataclass
class Browser:
    """One person's browser against the test server."""

    h: Harness
    http: aiohttp.ClientSession
    csrf: str = ""

    def url(self, path: str) -> str:
        return str(self.h.client.make_url(path))

    async def get(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        kwargs.setdefault("allow_redirects", False)
        return await self.http.get(self.url(path), **kwargs)

    async def post(
        self, path: str, data: dict[str, Any] | list[tuple[str, str]] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> aiohttp.ClientResponse:
        kwargs.setdefault("allow_redirects", False)
        fields = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            fields.append(("csrf_token", self.csrf))
        return await self.http.post(self.url(path), data=fields, **kwargs)

    async def page(self, path: str) -> str:
        response = await self.get(path, allow_redirects=True)
        assert response.status == 200, (path, response.status, await response.text())
        return await response.text()

    async def login(
        self, username: str, password: str = PASSWORD, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        form = await (await self.get("/admin/login")).text()
        token = _CSRF_FIELD.search(form)
        assert token, form
        response = await self.post(
            "/admin/login", {"username": username, "password": password, "csrf_token": token[1]}, csrf=False,
            headers=headers or {},
        )
        if response.status == 303:
            meta = _CSRF_META.search(await self.page("/admin/registrations"))
            self.csrf = meta[1] if meta else ""
        return response

    async def follow(self, response: aiohttp.ClientResponse) -> str:
        """The page a 303 leads to (where the flash message shows)."""
        assert response.status == 303, (response.status, await response.text())
        return await self.page(response.headers["Location"])


async def refused(response: aiohttp.ClientResponse) -> str:
    """The page a refused form comes back on: answered at once (422) as it was sent, not
    redirected to a blank one."""
    assert response.status == 422, (response.status, await response.text())
    return await response.text()


@functools.cache
def password_hash() -> str:
    """PASSWORD hashed once per test run (argon2 is slow on purpose)."""
    return hash_password(PASSWORD)


async def seed_staff(h: Harness) -> None:
    """The six packages and the users admin, supervisor, cs and tech (a cs technician)."""
    async with h.services.db.transaction() as session:
        await seed_packages(session)
        for username, role, technician in [*((r, r, False) for r in ROLES), ("tech", "cs", True)]:
            session.add(User(
                username=username, full_name="Teknisi Budi" if technician else f"Staf {role.title()}",
                role=role, password_hash=password_hash(), is_active=True, is_technician=technician,
                failed_logins=0, created_at=h.clock.now(),
            ))


async def make_registration(h: Harness, **overrides: Any) -> Registration:
    values: dict[str, Any] = {
        "full_name": "Budi Santoso",
        "email": "budi@example.com",
        "phone": "6281200000101",
        "address": "Jl. Sukajadi No. 10",
        "kelurahan": "Sukagalih",
        "kecamatan": "Sukajadi",
        "city": "Kota Bandung",
        "rt": "001",
        "rw": "002",
        "postal_code": "40163",
        "id_card_number": "3273010101900001",
        "preferred_installation_date": date(2026, 11, 28),
        "preferred_time_slot": "08:00-12:00",
        "whatsapp_verified": True,
    }
    values.update(overrides)
    async with h.services.db.transaction() as session:
        package_id = values.pop("package_id", None)
        if package_id is None:
            package = (await session.execute(Package.__table__.select().where(Package.code == "home-silver-40"))).first()
            assert package is not None
            package_id = package.id
        chosen = await session.get(Package, package_id)
        assert chosen is not None
        values.setdefault("contact_key", values["phone"])
        new = NewRegistration(package_id=package_id, **values)
        registration = await registrations.create(session, new, quoted_monthly_price=chosen.monthly_price,
                                                  now=h.clock.now(), timezone=h.services.settings.tz)
    return registration


async def status_of(h: Harness, registration_id: int) -> str:
    async with h.services.db.sessions() as session:
        found = await session.get(Registration, registration_id)
        assert found is not None
        return found.status


async def to_customer(browser: Browser, registration: Registration) -> None:
    """Take a registration (the clock's day: Saturday 21 November 2026) through every step
    to a customer, the survey later the same day."""
    base = f"/admin/registrations/{registration.id}"
    await browser.post(f"{base}/actions/verify")
    await browser.post(f"{base}/actions/schedule_survey", {"survey_date": "2026-11-21T15:00"})
    await browser.post(f"{base}/actions/complete_survey")
    await browser.post(f"{base}/actions/approve")
    await browser.post(f"{base}/actions/create_customer")
