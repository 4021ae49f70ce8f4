"""Fixtures for the admin, tracking page and API: the whole app with the Fonnte gateway
faked (so queued WhatsApp messages reach `h.gateway`), the six packages, one staff user
per role (plus a technician), and a signed-in browser per role."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from tests.conftest import Harness
from tests.webadmin.support import Browser, seed_staff


@pytest.fixture
async def h(harness_factory: Callable[..., Any], db_url: str) -> Harness:
    harness: Harness = await harness_factory(
        db_url, provider="fonnte", fonnte_token="tok", public_url="http://isp.example"
    )
    await seed_staff(harness)
    return harness


@pytest.fixture
async def browser_factory(h: Harness) -> AsyncIterator[Callable[..., Any]]:
    opened: list[aiohttp.ClientSession] = []

    async def make(role: str | None = None) -> Browser:
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        opened.append(http)
        browser = Browser(h, http)
        if role is not None:
            response = await browser.login(role)
            assert response.status == 303, await response.text()
        return browser

    yield make
    for http in opened:
        await http.close()


@pytest.fixture
async def admin(browser_factory: Callable[..., Any]) -> Browser:
    return await browser_factory("admin")  # type: ignore[no-any-return]


@pytest.fixture
async def cs(browser_factory: Callable[..., Any]) -> Browser:
    return await browser_factory("cs")  # type: ignore[no-any-return]


