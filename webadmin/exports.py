"""`/admin/registrations/export.csv` and `.xlsx`: the filtered list (the list page's
search, status and order) as a spreadsheet. The NIK is masked (and any NIK the customer typed
into the address), dates are local, and any cell
a spreadsheet would run as a formula (=, +, -, @) is defused. Every export is audited."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from openpyxl import Workbook

from ispbot.client_address import client_ip
from ispbot.providers.phone import local_format
from ispbot.storage import audit
from ispbot.storage import registration_queries as queries
from ispbot.storage.identity import mask_nik, mask_niks_in
from ispbot.storage.models import Registration
from ispbot.webadmin.auth import current, staff_view
from ispbot.webadmin.labels import status_label
from ispbot.webadmin.registrations import list_filter
from ispbot.webadmin.roles import Permission
from ispbot.webhooks import SERVICES

MAX_ROWS = 200_000
HEADER = [
    "No. Registrasi", "Status", "Tanggal Daftar", "Nama", "Email", "WhatsApp", "WA Terverifikasi", "NIK",
    "Alamat", "RT", "RW", "Kelurahan", "Kecamatan", "Kota", "Kode Pos", "Paket", "Harga/bulan",
    "Tanggal Instalasi", "Waktu", "Jadwal Survey", "Sumber", "Referral", "UTM Source", "UTM Medium", "UTM Campaign",
]


def defuse(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate becomes plain text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def row(r: Registration, tz: ZoneInfo) -> list[Any]:
    def when(value: Any) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    values = [
        r.registration_number, status_label(r.status), when(r.created_at), r.full_name, r.email,
        local_format(r.phone), "ya" if r.whatsapp_verified else "tidak",
        mask_nik(r.id_card_number) if r.id_card_number else "", mask_niks_in(r.address), r.rt or "", r.rw or "",
        r.kelurahan, r.kecamatan, r.city, r.postal_code or "", r.package.name, r.quoted_monthly_price,
        r.preferred_installation_date.isoformat() if r.preferred_installation_date else "",
        r.preferred_time_slot or "", when(r.survey_date), r.source, r.referral_code or "",
        r.utm_source or "", r.utm_medium or "", r.utm_campaign or "",
    ]
    return [defuse(v) for v in values]


async def _rows(request: web.Request) -> list[list[Any]]:
    services = request.app[SERVICES]
    rows: list[list[Any]] = []
    async with services.db.reads() as session:
        async for batch in queries.batches(session, list_filter(request), limit=MAX_ROWS):
            rows.extend(row(r, services.settings.tz) for r in batch)
    return rows


async def _audit(request: web.Request, fmt: str, count: int) -> None:
    services = request.app[SERVICES]
    flt = list_filter(request)
    async with services.db.transaction() as session:
        audit.record(session, action="registration.export", now=services.clock.now(), actor=current(request).user,
                     ip=client_ip(request), detail={"format": fmt, "search": flt.search, "status": flt.status,
                                                    "rows": count})


def _filename(request: web.Request, suffix: str) -> str:
    day = request.app[SERVICES].clock.now().astimezone(request.app[SERVICES].settings.tz)
    return f"pendaftaran-{day:%Y%m%d-%H%M}.{suffix}"


def csv_bytes(rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def xlsx_bytes(rows: Iterable[list[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Pendaftaran")
    sheet.append(HEADER)
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@staff_view(Permission.EXPORT)
async def export_csv(request: web.Request) -> web.StreamResponse:
    rows = await _rows(request)
    await _audit(request, "csv", len(rows))
    return web.Response(
        body=await asyncio.to_thread(csv_bytes, rows), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_filename(request, "csv")}"'},
    )


@staff_view(Permission.EXPORT)
async def export_xlsx(request: web.Request) -> web.StreamResponse:
    rows = await _rows(request)
    await _audit(request, "xlsx", len(rows))
    return web.Response(
        body=await asyncio.to_thread(xlsx_bytes, rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_filename(request, "xlsx")}"'},
    )


def setup_exports(app: web.Application) -> None:
    app.router.add_get("/admin/registrations/export.csv", export_csv)
    app.router.add_get("/admin/registrations/export.xlsx", export_xlsx)
