"""Row ids in paths (`/admin/registrations/{id}`, `/api/registrations/{id}`): a number too
large for a database integer names no row, so it is a 404 before any query (SQLite and
asyncpg would otherwise raise on it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

MAX_ID = 2**63 - 1


@web.middleware
async def oversized_ids(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    for value in request.match_info.values():
        if value.isascii() and value.isdigit() and _too_large(value):
            raise web.HTTPNotFound()
    return await handler(request)


def row_id(value: object) -> int | None:
    """A row id from a query or form field ("after", "user_id", "ids"): digits that fit a
    database integer, else None (names no row; never an OverflowError and a 500)."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or _too_large(text):
        return None
    return int(text)


def _too_large(digits: str) -> bool:
    significant = digits.lstrip("0")
    return len(significant) > 19 or (significant != "" and int(significant) > MAX_ID)
