"""The registrations list works at 100,000 rows: the first page, deep pages by cursor, a
status filter and each kind of search, through the real page. (How fast is measured by the
benchmark, not asserted here.)"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import insert, select

from ispbot.storage.models import Package, Registration
from tests.conftest import Harness
from tests.webadmin.support import Browser

ROWS = 100_000
STATUSES = ["pending_verification", "verified", "survey_scheduled", "approved", "rejected"]


async def fill(h: Harness) -> None:
    start = h.clock.now() - timedelta(days=400)
    async with h.services.db.transaction() as session:
        package_id, price = (await session.execute(select(Package.id, Package.monthly_price).limit(1))).one()
        batch = []
        for n in range(ROWS):
            at = start + timedelta(minutes=5 * n)
            batch.append({
                "registration_number": f"REG-{at:%Y%m%d}-{n % 10000:04d}-{n}"[:20],
                "status": STATUSES[n % len(STATUSES)], "source": "whatsapp", "locale": "id",
                "full_name": f"Pelanggan {n:06d}", "email": f"p{n:06d}@example.com", "phone": f"62812{n:08d}",
                "whatsapp_verified": True, "address": "Jl. Contoh", "kelurahan": "Sukagalih",
                "kecamatan": "Sukajadi", "city": "Kota Bandung", "package_id": package_id,
                "quoted_monthly_price": price, "created_at": at, "updated_at": at,
            })
            if len(batch) == 10_000:
                await session.execute(insert(Registration), batch)
                batch = []


async def test_list_pages_work_with_100k_rows(h: Harness, cs: Browser) -> None:
    await fill(h)
    checks = {
        "/admin/registrations": "Pelanggan 099999",
        "/admin/registrations?status=rejected": "Pelanggan 099999",
        "/admin/registrations?q=Pelanggan+05000": "Pelanggan 050009",
        "/admin/registrations?q=p012345%40example.com": "Pelanggan 012345",
        "/admin/registrations?q=0812000777": "Pelanggan 077799",
    }
    for path, expected in checks.items():
        page = await cs.page(path)
        assert expected in page, path
    page = await cs.page("/admin/registrations")
    seen: set[str] = set()
    for _ in range(3):  # walk a few pages deep, then jump by cursor
        path = "/admin/registrations?" + page.split('href="/admin/registrations?')[-1].split('"')[0].replace("&amp;", "&")
        page = await cs.page(path)
        names = set(re.findall(r"Pelanggan \d{6}", page))
        assert names and not names & seen  # each page is new rows
        seen |= names
    assert "100.000 hasil" in await cs.page("/admin/registrations")
