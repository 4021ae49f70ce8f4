"""`/admin/analytics` (supervisor and admin): KPI cards, the charts (server-side SVG), the
package table and the conversation funnel for a timeframe of 7/30/60/90 days or a custom
range; `/admin/analytics/{table}.csv` downloads each table. Every number comes from
`storage.analytics` / `storage.chat_funnel`, the same functions the JSON API calls."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import web
from babel.dates import format_date

from ispbot.flows.registration import STATES as REGISTRATION_STATES
from ispbot.services import Services
from ispbot.storage import analytics, chat_funnel
from ispbot.storage.analytics import MAX_DAYS, TIMEFRAMES, Window
from ispbot.webadmin import charts
from ispbot.webadmin.auth import Refused, staff_view
from ispbot.webadmin.exports import defuse
from ispbot.webadmin.labels import status_label
from ispbot.webadmin.pages import render
from ispbot.webadmin.roles import Permission
from ispbot.webhooks import SERVICES

DEFAULT_DAYS = 30
STAGE_LABELS = {"total": "Total", "verified": "Terverifikasi", "survey": "Survey", "approved": "Disetujui",
                "customer": "Pelanggan"}
QUESTION_LABELS = {
    "ASK_NAME": "Nama lengkap", "ASK_EMAIL": "Email", "ASK_PHONE": "Nomor WhatsApp",
    "ASK_OTHER_PHONE": "Nomor WhatsApp lain", "AWAIT_OTP": "Kode OTP", "ASK_NIK": "NIK", "ASK_KTP_PHOTO": "Foto KTP",
    "ASK_STREET": "Alamat jalan", "ASK_RT_RW": "RT/RW", "ASK_CITY": "Kota/kabupaten", "ASK_DISTRICT": "Kecamatan",
    "ASK_VILLAGE": "Kelurahan/desa", "ASK_POSTCODE": "Kode pos", "ASK_LANDMARK": "Patokan", "ASK_LOCATION": "Lokasi",
    "ASK_PACKAGE": "Paket", "ASK_DATE": "Tanggal instalasi", "ASK_SLOT": "Jam instalasi", "ASK_NOTES": "Catatan",
    "CONFIRM": "Konfirmasi data",
}
WEEKDAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def window_from_query(query: Mapping[str, str], services: Services) -> Window:
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD`, or `?days=7|30|60|90` (`timeframe` as the seed
    calls it); 30 days when neither is given. ValueError says what is wrong."""
    now, tz = services.clock.now(), services.settings.tz
    first, last = query.get("from", "").strip(), query.get("to", "").strip()
    if first or last:
        try:
            start, end = date.fromisoformat(first), date.fromisoformat(last or first)
        except ValueError:
            raise ValueError("Tanggal harus berformat YYYY-MM-DD.") from None
        if end < start:
            raise ValueError("Rentang tanggal tidak valid: tanggal akhir sebelum tanggal awal.")
        if (end - start).days + 1 > MAX_DAYS:
            raise ValueError(f"Rentang tanggal tidak valid: paling panjang {MAX_DAYS} hari.")
        return Window.between(start, end, now=now, tz=tz)
    raw = query.get("days") or query.get("timeframe") or str(DEFAULT_DAYS)
    if not raw.isdigit() or int(raw) not in TIMEFRAMES:
        raise ValueError("Periode harus 7, 30, 60 atau 90 hari.")
    return Window.last_days(int(raw), now=now, tz=tz)


@dataclass(frozen=True)
class Report:
    window: Window
    overview: analytics.Overview
    statuses: list[analytics.StatusCount]
    funnel: list[analytics.FunnelStage]
    trend: list[analytics.TrendPoint]
    reasons: list[analytics.ReasonCount]
    cities: list[analytics.AreaCount]
    districts: list[analytics.AreaCount]
    heatmap: analytics.Heatmap
    packages: list[analytics.PackageRow]
    questions: list[chat_funnel.QuestionStep]
    otp: list[chat_funnel.OtpStep]


async def load_report(services: Services, window: Window) -> Report:
    """The page's reads are independent: on PostgreSQL they run at once (`read_each`)."""
    w = window
    cohort, slots, pending, statuses, reasons, cities, districts, packages, questions, otp = \
        await services.db.read_each(
            lambda s: analytics.cohort(s, w),  # the overview and the funnel are made of one read
            lambda s: analytics.hourly_counts(s, w),  # and the trend and the heatmap of another
            lambda s: analytics.pending_over_sla(s, w),
            lambda s: analytics.status_distribution(s, w),
            lambda s: analytics.rejection_reasons(s, w),
            lambda s: analytics.areas(s, w, "city"),
            lambda s: analytics.areas(s, w, "district"),
            lambda s: analytics.package_popularity(s, w),
            lambda s: chat_funnel.question_funnel(s, w, "registration", REGISTRATION_STATES),
            lambda s: chat_funnel.otp_steps(s, w),
        )
    return Report(
        window=window,
        overview=analytics.overview_of(cohort, pending),
        statuses=statuses,
        funnel=analytics.funnel_of(cohort),
        trend=analytics.trend_of(slots, window),
        reasons=reasons,
        cities=cities,
        districts=districts,
        heatmap=analytics.heatmap_of(slots),
        packages=packages,
        questions=questions,
        otp=otp,
    )


def _short_day(day: date) -> str:
    return format_date(day, format="d MMM", locale="id")


def draw_charts(report: Report) -> dict[str, Any]:
    return {
        "status": charts.donut([(status_label(c.status), c.count) for c in report.statuses], "Distribusi status"),
        "funnel": charts.funnel([(STAGE_LABELS[f.stage], f.count) for f in report.funnel], "Funnel konversi"),
        "trend": charts.line(
            [_short_day(p.day) for p in report.trend],
            [("Pendaftaran", [p.registrations for p in report.trend]),
             ("Disetujui", [p.approved for p in report.trend]),
             ("Ditolak", [p.rejected for p in report.trend])],
            "Tren pendaftaran harian"),
        "reasons": charts.bars([(r.reason, r.count) for r in report.reasons[:10]], "Alasan penolakan",
                               colour=charts.PALETTE[3]),
        "cities": charts.bars([(a.name, a.registrations) for a in report.cities[:10]], "Pendaftaran per kota/kabupaten"),
        "districts": charts.bars([(f"{a.name}, {a.city}" if a.code and len(a.code) > 5 else a.name, a.registrations)
                                  for a in report.districts[:10]], "Pendaftaran per kecamatan", colour=charts.PALETTE[4]),
        "heatmap": charts.heatmap(WEEKDAYS, [f"{h:02d}" for h in range(24)], report.heatmap.counts,
                                  "Pendaftaran per hari dan jam"),
    }


def _query(window: Window, query: Mapping[str, str]) -> str:
    if query.get("from"):
        return f"from={window.first_day.isoformat()}&to={window.last_day.isoformat()}"
    return f"days={(window.last_day - window.first_day).days + 1}"


@staff_view(Permission.VIEW_ANALYTICS)
async def analytics_page(request: web.Request) -> web.StreamResponse:
    """A period that cannot be read (Dari after Sampai) shows the default 30 days, answered
    400 with the dates as typed and what is wrong: a bare error page lost them both."""
    services = request.app[SERVICES]
    error = None
    try:
        window = window_from_query(request.query, services)
    except ValueError as exc:
        error = str(exc)
        window = window_from_query({}, services)
    report = await load_report(services, window)
    typed = {"from": request.query.get("from", "")[:10], "to": request.query.get("to", "")[:10]} if error \
        else {"from": window.first_day.isoformat(), "to": window.last_day.isoformat()}
    return render(request, "analytics.html", {
        "nav": "analytics", "r": report, "charts": draw_charts(report), "timeframes": TIMEFRAMES,
        "custom": bool(request.query.get("from")), "days": (window.last_day - window.first_day).days + 1,
        "query": _query(window, request.query), "question_labels": QUESTION_LABELS, "stage_labels": STAGE_LABELS,
        "range": typed, "range_error": error,
    }, status=400 if error else 200)


# --- CSV ------------------------------------------------------------------------------------

def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def csv_tables(report: Report) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """name → (header, rows): every table of the page, as downloaded."""
    o = report.overview
    return {
        "overview": (["Metrik", "Nilai"], [
            ["Total pendaftaran", o.total], ["Disetujui", o.approved], ["Tingkat persetujuan (%)", _percent(o.approval_rate)],
            ["Menjadi pelanggan", o.customers], ["Konversi disetujui → pelanggan (%)", _percent(o.conversion_rate)],
            ["Ditolak", o.rejected], ["Rata-rata waktu verifikasi (jam)", _percent(o.avg_verification_hours)],
            ["Rata-rata waktu persetujuan (jam)", _percent(o.avg_approval_hours)],
            ["Rata-rata waktu sampai pelanggan (jam)", _percent(o.avg_customer_hours)],
            ["Menunggu verifikasi > 24 jam", o.pending_over_24h]]),
        "status": (["Status", "Jumlah", "Persen"],
                   [[status_label(c.status), c.count, _percent(c.share)] for c in report.statuses]),
        "funnel": (["Tahap", "Jumlah", "% dari total", "% dari tahap sebelumnya"],
                   [[STAGE_LABELS[f.stage], f.count, _percent(f.of_total), _percent(f.of_previous)]
                    for f in report.funnel]),
        "trend": (["Tanggal", "Pendaftaran", "Disetujui", "Ditolak"],
                  [[p.day.isoformat(), p.registrations, p.approved, p.rejected] for p in report.trend]),
        "rejections": (["Alasan", "Jumlah", "Persen"], [[r.reason, r.count, _percent(r.share)] for r in report.reasons]),
        "cities": (_AREA_HEADER, [_area_row(a) for a in report.cities]),
        "districts": (_AREA_HEADER, [_area_row(a) for a in report.districts]),
        "heatmap": (["Hari", *[f"{h:02d}" for h in range(24)]],
                    [[WEEKDAYS[d], *row] for d, row in enumerate(report.heatmap.counts)]),
        "packages": (["Paket", "Kecepatan (Mbps)", "Harga/bulan", "Pendaftaran", "Disetujui", "Tingkat persetujuan (%)",
                      "Potensi pendapatan/bulan"],
                     [[p.name, p.speed_mbps, p.monthly_price, p.registrations, p.approved, _percent(p.approval_rate),
                       p.revenue_potential] for p in report.packages]),
        "questions": (_QUESTION_HEADER, [_question_row(q) for q in report.questions]),
        "otp": ([*_QUESTION_HEADER, "Benar pada percobaan pertama"],
                [[*_question_row(q), q.first_try] for q in report.otp]),
    }


_AREA_HEADER = ["Kode wilayah", "Wilayah", "Kota/kabupaten", "Pendaftaran", "Disetujui", "Pelanggan",
                "Tingkat persetujuan (%)", "Konversi (%)"]
_QUESTION_HEADER = ["Pertanyaan", "State", "Sampai di sini", "Dijawab", "Berhenti di sini", "Masih di sini",
                    "Berhenti (%)", "Median waktu (detik)", "Jawaban ditolak (ulang)"]


def _area_row(a: analytics.AreaCount) -> list[Any]:
    return [a.code or "", a.name, a.city, a.registrations, a.approved, a.customers, _percent(a.approval_rate),
            _percent(a.conversion_rate)]


def _question_row(q: chat_funnel.QuestionStep) -> list[Any]:
    median = "" if q.median_seconds is None else f"{q.median_seconds:.1f}"
    return [QUESTION_LABELS.get(q.state, q.state), q.state, q.reached, q.answered, q.dropped, q.in_progress,
            _percent(q.drop_rate), median, q.reprompts]


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([defuse(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@staff_view(Permission.VIEW_ANALYTICS)
async def analytics_csv(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    name = request.match_info["table"]
    try:
        window = window_from_query(request.query, services)
    except ValueError as exc:
        raise Refused(400, "Periode tidak valid", str(exc)) from None
    tables = csv_tables(await load_report(services, window))
    if name not in tables:
        raise Refused(404, "Tabel tidak ada")
    header, rows = tables[name]
    filename = f"analitik-{name}-{window.first_day:%Y%m%d}-{window.last_day:%Y%m%d}.csv"
    return web.Response(body=csv_bytes(header, rows), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def setup_analytics(app: web.Application) -> None:
    app.router.add_get("/admin/analytics", analytics_page)
    app.router.add_get(r"/admin/analytics/{table:[a-z]+}.csv", analytics_csv)
