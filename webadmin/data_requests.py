"""Customers' data deletion requests (“hapus data” by chat), for supervisors and admins:
the list (pending first), a request with what was found for the number and what will be
deleted or kept, and the action that carries it out (`ispbot.erasure`), audited."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.client_address import client_ip
from ispbot.erasure import erase, found_for
from ispbot.storage import data_requests
from ispbot.storage.models import DataDeletionRequest, User
from ispbot.webadmin.auth import Refused, current, staff_view
from ispbot.webadmin.pages import redirect, render
from ispbot.webadmin.roles import Permission
from ispbot.webhooks import SERVICES


async def _request(request: web.Request, session: AsyncSession) -> DataDeletionRequest:
    found = await session.get(DataDeletionRequest, int(request.match_info["id"]))
    if found is None:
        raise Refused(404, "Permintaan tidak ditemukan")
    return found


@staff_view(Permission.DATA_REQUESTS)
async def request_list(request: web.Request) -> web.StreamResponse:
    async with request.app[SERVICES].db.sessions() as session:
        rows = await data_requests.listing(session)
    return render(request, "data_requests/list.html", {"rows": rows, "nav": "data_requests"})


@staff_view(Permission.DATA_REQUESTS)
async def request_detail(request: web.Request) -> web.StreamResponse:
    async with request.app[SERVICES].db.sessions() as session:
        found = await _request(request, session)
        regs, customers = await found_for(session, found)
        handler = await session.get(User, found.handled_by) if found.handled_by else None
    return render(request, "data_requests/detail.html", {
        "req": found, "registrations": regs, "customers": customers, "handler": handler, "nav": "data_requests",
    })


@staff_view(Permission.DATA_REQUESTS)
async def request_complete(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    back = f"/admin/data-requests/{request.match_info['id']}"
    async with services.db.transaction() as session:
        found = await _request(request, session)
        if found.status != "pending":
            return redirect(request, back, "Permintaan ini sudah diproses.", "error")
        files = await erase(services, session, found, current(request).user, client_ip(request))
    for path in files:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    return redirect(request, back, f"Permintaan HD-{found.id} selesai; pelanggan diberi tahu lewat WhatsApp.")


def setup_data_requests(app: web.Application) -> None:
    app.router.add_get("/admin/data-requests", request_list)
    app.router.add_get(r"/admin/data-requests/{id:\d+}", request_detail)
    app.router.add_post(r"/admin/data-requests/{id:\d+}/complete", request_complete)
