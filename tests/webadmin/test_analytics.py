"""The analytics page, its CSV downloads and the analytics API, on the known history of
tests/storage/analytics_data.py: the page, the CSV files and the JSON give the same numbers."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from sqlalchemy import update

from ispbot.clock import FakeClock
from ispbot.storage.models import User
from ispbot.webadmin.auth import new_api_token
from tests.conftest import Harness
from tests.storage.analytics_data import seed_chats, seed_registrations
from tests.webadmin.support import Browser

EXPECTED_OVERVIEW = {
    "total": 6, "approved": 2, "approval_rate": 33.3, "customers": 1, "conversion_rate": 50.0, "rejected": 2,
    "avg_verification_hours": 5.3, "avg_approval_hours": 27.0, "avg_customer_hours": 48.0, "pending_over_24h": 2,
}


async def seeded(h: Harness, clock: FakeClock) -> None:
    await seed_registrations(h.services.db, clock)
    await seed_chats(h.services.db)


async def token_for(h: Harness, username: str) -> dict[str, str]:
    token, digest = new_api_token()
    async with h.services.db.transaction() as session:
        await session.execute(update(User).where(User.username == username).values(api_token_hash=digest))
    return {"Authorization": f"Bearer {token}"}


def kpi(page: str, name: str) -> str:
    found = re.search(rf'data-kpi="{name}">([^<]*)<', page)
    assert found, name
    return found[1]


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def test_page_shows_kpis_charts_and_tables(h: Harness, clock: FakeClock, browser_factory: Any) -> None:
    await seeded(h, clock)
    supervisor: Browser = await browser_factory("supervisor")
    page = await supervisor.page("/admin/analytics")
    assert '<a href="/admin/analytics" class="active">Analitik</a>' in page
    assert [kpi(page, k) for k in ("total", "approved", "approval_rate", "conversion_rate", "pending_over_24h",
                                   "avg_verification_hours", "avg_approval_hours", "avg_customer_hours", "rejected")] == [
        "6", "2", "33,3% dari total", "50,0%", "2", "5,3 jam", "27,0 jam", "48,0 jam", "2"]
    for chart in ("chart-donut", "chart-funnel", "chart-line", "chart-bars", "chart-heatmap"):
        assert f'class="chart {chart}"' in page, chart
    assert "chart-empty" not in page
    assert "<desc" in page and 'role="img"' in page
    assert "Total: 6; Terverifikasi: 3; Survey: 1; Disetujui: 2; Pelanggan: 1" in page  # the funnel read out
    assert "Paling ramai: Jumat pukul 09.00 (2 pendaftaran)" in page
    row = re.search(r"<tr><td>Home Silver 40M</td>(.*?)</tr>", page)
    assert row and re.findall(r'<td class="num">([^<]*)</td>', row[1]) == [
        "40 Mbps", "Rp 199.900", "3", "2", "66,7%", "Rp 399.800"]
    email = re.search(r'<tr class="hot" data-state="ASK_EMAIL">(.*?)</tr>', page)  # most drop-outs… tied with name
    name = re.search(r'<tr class="hot" data-state="ASK_NAME">(.*?)</tr>', page)
    assert email and name
    assert [t.strip() for t in re.findall(r">([^<]+)<", email[1]) if t.strip()] == [
        "Email", "4", "3", "1", "(25,0%)", "0", "20 dtk", "3"]


async def test_timeframes_and_custom_range(h: Harness, clock: FakeClock, browser_factory: Any) -> None:
    await seeded(h, clock)
    admin: Browser = await browser_factory("admin")
    assert kpi(await admin.page("/admin/analytics?days=7"), "total") == "5"
    assert kpi(await admin.page("/admin/analytics?days=90"), "total") == "7"
    assert kpi(await admin.page("/admin/analytics?from=2026-11-19&to=2026-11-19"), "total") == "1"
    for bad in ("?days=14", "?from=2026-13-01&to=2026-12-01", "?from=2026-11-20&to=2026-11-01"):
        response = await admin.get(f"/admin/analytics{bad}")
        assert response.status == 400, bad


async def test_a_range_ending_before_it_starts_keeps_the_dates_and_says_why(
    h: Harness, clock: FakeClock, browser_factory: Any
) -> None:
    """It was a bare "Periode tidak valid" page: no analytics, the dates to retype."""
    await seeded(h, clock)
    supervisor: Browser = await browser_factory("supervisor")
    response = await supervisor.get("/admin/analytics?from=2026-11-20&to=2026-11-01")
    page = await response.text()
    assert response.status == 400
    assert 'name="from" value="2026-11-20"' in page and 'name="to" value="2026-11-01"' in page
    assert "tanggal akhir sebelum tanggal awal. Ditampilkan 30 hari terakhir." in page
    assert kpi(page, "total") == kpi(await supervisor.page("/admin/analytics"), "total")  # the default period, shown


async def test_csv_downloads(h: Harness, clock: FakeClock, browser_factory: Any) -> None:
    await seeded(h, clock)
    supervisor: Browser = await browser_factory("supervisor")
    response = await supervisor.get("/admin/analytics/packages.csv?days=30")
    assert response.status == 200 and response.content_type == "text/csv"
    assert 'filename="analitik-packages-20261023-20261121.csv"' in response.headers["Content-Disposition"]
    rows = read_csv(await response.read())
    assert rows[0][0] == "Paket" and rows[1] == ["Home Silver 40M", "40", "199900", "3", "2", "66.7", "399800"]
    questions = read_csv(await (await supervisor.get("/admin/analytics/questions.csv")).read())
    assert questions[1] == ["Nama lengkap", "ASK_NAME", "5", "4", "1", "0", "20.0", "25.0", "0"]
    otp = read_csv(await (await supervisor.get("/admin/analytics/otp.csv")).read())
    assert otp[1] == ["Kode OTP", "AWAIT_OTP", "2", "2", "0", "0", "0.0", "45.0", "1", "1"]
    for table in ("overview", "status", "funnel", "trend", "rejections", "cities", "districts", "heatmap"):
        response = await supervisor.get(f"/admin/analytics/{table}.csv?from=2026-11-01&to=2026-11-21")
        assert response.status == 200 and len(read_csv(await response.read())) > 1, table
    assert (await supervisor.get("/admin/analytics/nothing.csv")).status == 404


async def test_api_gives_the_numbers_of_the_page(h: Harness, clock: FakeClock, browser_factory: Any) -> None:
    await seeded(h, clock)
    headers = await token_for(h, "supervisor")
    supervisor: Browser = await browser_factory("supervisor")

    async def api(name: str, query: str = "") -> dict[str, Any]:
        response = await h.client.get(f"/api/registration-analytics/{name}{query}", headers=headers)
        assert response.status == 200, await response.text()
        body = await response.json()
        assert body["success"] is True
        return body["data"]  # type: ignore[no-any-return]

    data = await api("overview")
    assert data["window"] == {"from": "2026-10-23", "to": "2026-11-21", "timezone": "Asia/Jakarta"}
    assert data["overview"] == EXPECTED_OVERVIEW
    page_csv = read_csv(await (await supervisor.get("/admin/analytics/overview.csv")).read())
    assert [r[1] for r in page_csv[1:]] == ["6", "2", "33.3", "1", "50.0", "2", "5.3", "27.0", "48.0", "2"]
    assert (await api("overview", "?timeframe=7"))["overview"]["total"] == 5

    packages = (await api("package-popularity"))["packages"]
    page_rows = read_csv(await (await supervisor.get("/admin/analytics/packages.csv")).read())[1:]
    assert [[p["name"], p["registrations"], p["approved"], p["revenue_potential"]] for p in packages] == [
        [r[0], int(r[3]), int(r[4]), int(r[6])] for r in page_rows]

    trends = await api("trends")
    assert len(trends["daily"]) == 30 and trends["daily"][-2] == {
        "day": "2026-11-20", "registrations": 2, "approved": 2, "rejected": 0}
    assert trends["heatmap"]["counts"][4][9] == 2

    assert (await api("rejection-analysis")) | {"window": None} == {
        "window": None, "rejected": 2, "reasons": [{"reason": "Lokasi di luar jangkauan", "count": 2, "share": 100.0}]}
    geo = await api("geographic-distribution")
    assert [(c["code"], c["registrations"]) for c in geo["cities"]] == [("32.73", 4), ("32.77", 1), (None, 1)]
    assert geo["districts"][0]["name"] == "Sukajadi"

    funnel = await api("funnel")
    assert [s["count"] for s in funnel["stages"]] == [6, 3, 1, 2, 1]
    email = next(q for q in funnel["conversation"] if q["state"] == "ASK_EMAIL")
    assert email == {"state": "ASK_EMAIL", "reached": 4, "answered": 3, "dropped": 1, "in_progress": 0,
                     "reprompts": 3, "median_seconds": 20.0, "drop_rate": 25.0}
    assert funnel["otp"][0]["first_try"] == 1

    bad = await h.client.get("/api/registration-analytics/overview?days=3", headers=headers)
    assert bad.status == 400 and (await bad.json())["success"] is False
