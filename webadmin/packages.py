"""The internet packages the chat offers, for admins: the list (with how many registrations
chose each), add, edit, deactivate. Supervisors see the list and the packages' pages read
only. A package is never deleted (registrations keep theirs); at most
`storage.packages.MAX_ACTIVE` are active. Every change is audited. A refused form comes
back (422) as it was sent, with what to correct."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.client_address import client_ip
from ispbot.storage import audit, customers, packages
from ispbot.storage.models import Package
from ispbot.storage.packages import FIELDS, MAX_ACTIVE, InvalidPackage, PackageDraft
from ispbot.webadmin.auth import Refused, current, staff_view
from ispbot.webadmin.pages import redirect, render
from ispbot.webadmin.roles import Permission
from ispbot.webhooks import SERVICES

NEW_PACKAGE = {"code": "", "name": "", "speed_mbps": "", "monthly_price": "", "description": "", "sort_order": "",
               "is_active": "1"}


def _typed(form: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(form.get(name, ""))[:1000] for name in FIELDS}


def _values_of(package: Package) -> dict[str, str]:
    return {"code": package.code, "name": package.name, "speed_mbps": str(package.speed_mbps),
            "monthly_price": f"{package.monthly_price:,}".replace(",", "."), "description": package.description,
            "sort_order": str(package.sort_order), "is_active": "1" if package.is_active else ""}


def _record(request: web.Request, session: AsyncSession, action: str, package: Package, **detail: Any) -> None:
    audit.record(session, action=action, now=request.app[SERVICES].clock.now(), actor=current(request).user,
                 ip=client_ip(request), target_type="package", target_id=package.code, detail=detail)


@staff_view(Permission.VIEW_PACKAGES)
async def package_list(request: web.Request) -> web.StreamResponse:
    return await _list_page(request)


async def _list_page(
    request: web.Request, typed: Mapping[str, str] | None = None, errors: dict[str, str] | None = None
) -> web.Response:
    """The list and its "Tambah Paket" form: blank, or (422) as the admin sent it."""
    async with request.app[SERVICES].db.sessions() as session:
        listed = await packages.listing(session)
    active = sum(1 for row in listed if row.package.is_active and row.package.category == packages.BROADBAND)
    return render(request, "packages/list.html", {
        "listed": listed, "active": active, "max_active": MAX_ACTIVE, "nav": "packages",
        "new_package": {**NEW_PACKAGE, **(typed or {})}, "errors": errors or {},
        "editable": current(request).can(Permission.MANAGE_PACKAGES),
    }, status=422 if errors else 200)


@staff_view(Permission.MANAGE_PACKAGES)
async def package_create(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    typed = _typed(await request.post())
    try:
        draft = PackageDraft.read(typed)
        async with services.db.transaction() as session:
            package = await packages.create(session, draft)
            _record(request, session, "package.create", package, name=package.name, speed_mbps=package.speed_mbps,
                    monthly_price=package.monthly_price, is_active=package.is_active)
    except InvalidPackage as invalid:
        return await _list_page(request, typed, invalid.errors)
    return redirect(request, "/admin/packages", f"Paket {package.name} ditambahkan"
                    + (" dan ditawarkan di chat pendaftaran." if package.is_active else " (nonaktif)."))


async def _package(request: web.Request, session: AsyncSession) -> Package:
    found = await packages.by_id(session, int(request.match_info["id"]))
    if found is None:
        raise Refused(404, "Paket tidak ditemukan")
    return found


def _form_page(
    request: web.Request, package: Package, registrations: int, values: Mapping[str, str],
    errors: dict[str, str] | None = None,
) -> web.Response:
    return render(request, "packages/form.html", {
        "package": package, "registrations": registrations, "values": values, "errors": errors or {},
        "nav": "packages", "editable": current(request).can(Permission.MANAGE_PACKAGES),
    }, status=422 if errors else 200)


async def _registrations_of(session: AsyncSession, package: Package) -> int:
    return next((row.registrations for row in await packages.listing(session) if row.package.id == package.id), 0)


@staff_view(Permission.VIEW_PACKAGES)
async def package_detail(request: web.Request) -> web.StreamResponse:
    async with request.app[SERVICES].db.sessions() as session:
        package = await _package(request, session)
        chosen = await _registrations_of(session, package)
    return _form_page(request, package, chosen, _values_of(package))


@staff_view(Permission.MANAGE_PACKAGES)
async def package_update(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    typed = _typed(await request.post())
    async with services.db.transaction() as session:
        package = await _package(request, session)
        typed["code"] = package.code  # never changes: registrations and billing know it by it
        try:
            changed = await packages.update(session, package, PackageDraft.read(typed))
        except InvalidPackage as invalid:  # refused before anything was changed
            return _form_page(request, package, await _registrations_of(session, package), typed, invalid.errors)
        repriced = "monthly_price" in changed
        quoted = await _registrations_of(session, package) if repriced else 0
        billed = await customers.count_on_package(session, package.id) if repriced else 0
        if changed:
            action = "package.update"
            if set(changed) == {"is_active"}:
                action = "package.activate" if package.is_active else "package.deactivate"
            _record(request, session, action, package,
                    **{name: {"from": before, "to": after} for name, (before, after) in changed.items()})
    if not changed:
        message = "Tidak ada perubahan."
    elif "is_active" in changed and not package.is_active:
        message = "Paket dinonaktifkan: chat tidak menawarkannya lagi; pendaftaran yang sudah memilihnya tetap."
    elif "is_active" in changed:
        message = "Paket diaktifkan: chat pendaftaran menawarkannya lagi."
    else:
        message = "Perubahan disimpan."
    if repriced:
        message += " Pendaftar baru mendapat harga baru"
        # a registration keeps the price it was quoted (registrations.quoted_monthly_price)
        message += (f"; {quoted} pendaftaran yang sudah masuk tetap dengan harga saat mendaftar." if quoted
                    else ".")
    if billed:  # the monthly invoices take today's price of the customer's package
        message += (f" Harga baru berlaku juga untuk {billed} pelanggan paket ini, mulai tagihan bulanan "
                    "berikutnya.")
    return redirect(request, f"/admin/packages/{package.id}", message)


def setup_packages(app: web.Application) -> None:
    app.router.add_get("/admin/packages", package_list)
    app.router.add_post("/admin/packages", package_create)
    app.router.add_get(r"/admin/packages/{id:\d+}", package_detail)
    app.router.add_post(r"/admin/packages/{id:\d+}", package_update)
