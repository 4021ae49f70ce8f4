"""How fast the staff pages answer with many registrations: sign in as a staff user like a
browser (login form, CSRF, session cookie) and time repeated page loads."""

from __future__ import annotations

import re
import time
from typing import Any

import aiohttp

from ispbot.bench.results import percentile

PAGES = (
    "/admin/registrations",
    "/admin/registrations?status=pending_verification",
    "/admin/registrations?q=Santoso",
    "/admin/analytics",  # built by another part of the admin; measured once it answers 200
)
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


async def measure_pages(base: str, username: str, password: str, repeats: int) -> dict[str, dict[str, Any]]:
    """Per page: its status and, when 200, p50/p95 of `repeats` loads after two warm-ups."""
    results: dict[str, dict[str, Any]] = {}
    async with aiohttp.ClientSession(base_url=base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get("/admin/login") as r:
            token = _CSRF_FIELD.search(await r.text())
        if token is None:
            raise RuntimeError("the login page has no CSRF token")
        form = {"username": username, "password": password, "csrf_token": token[1]}
        async with http.post("/admin/login", data=form, allow_redirects=False) as r:
            if r.status != 303:
                raise RuntimeError(f"staff login failed: {r.status}")
        for path in PAGES:
            timings: list[float] = []
            status = 0
            for n in range(repeats + 2):
                started = time.perf_counter()
                async with http.get(path, allow_redirects=False) as r:
                    await r.read()
                    status = r.status
                if status != 200:
                    break
                if n >= 2:
                    timings.append(time.perf_counter() - started)
            page: dict[str, Any] = {"status": status}
            if status == 200:
                page["p50_ms"] = round((percentile(timings, 50) or 0) * 1000, 1)
                page["p95_ms"] = round((percentile(timings, 95) or 0) * 1000, 1)
            results[path] = page
    return results
