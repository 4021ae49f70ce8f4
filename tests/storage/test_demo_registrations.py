"""The demo registrations (`ispbot seed-demo --registrations N`) are what the lifecycle
would have left, so the analytics of a fresh demo agree with its list: seeded with a
status alone, a demo showed "Konversi 200,0%: 2 dari 1 disetujui", a funnel with more
customers than approvals and every registration's city "Tidak diketahui"."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ispbot.storage import analytics, regions
from ispbot.storage.analytics import Window
from ispbot.storage.database import Database
from ispbot.storage.demo import seed_packages
from ispbot.storage.demo_registrations import PLACES, STAGES, seed_registrations
from ispbot.storage.lifecycle import Status
from ispbot.storage.models import Registration

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
WIB = ZoneInfo("Asia/Jakarta")
STAGE_OF = {"verified": 1, "survey_scheduled": 2, "survey_completed": 3, "approved": 4, "customer_created": 5}


def test_the_demo_villages_are_named_and_coded_as_the_region_list_has_them() -> None:
    for place in PLACES:
        code = place.region_code
        names = [regions.get_region(code[:n]) for n in (len(code), 8, 5)]
        assert [r.name if r else None for r in names] == [place.kelurahan, place.kecamatan, place.city]
        assert place.postal_code in regions.postcodes_of_village(code)


async def test_every_demo_registration_has_the_dates_of_the_stages_it_passed(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with db.transaction() as s:
            await seed_packages(s)
            await seed_registrations(s, 800, NOW, WIB)  # a young day and three older ones
        async with db.sessions() as s:
            rows = list((await s.execute(select(Registration))).scalars())
            window = Window.last_days(30, now=NOW, tz=WIB)
            overview = await analytics.overview(s, window)
            funnel = {f.stage: f.count for f in await analytics.funnel(s, window)}
            statuses = {c.status: c.count for c in await analytics.status_distribution(s, window)}
            cities = await analytics.areas(s, window, "city")
    finally:
        await db.dispose()
    for r in rows:
        stamps = [getattr(r, column) for column, _ in STAGES]
        passed = STAGE_OF.get(r.status, 0) if r.status not in (Status.REJECTED, Status.CANCELLED) \
            else sum(1 for at in stamps if at is not None)
        assert all(at is not None for at in stamps[:passed]) and all(at is None for at in stamps[passed:]), r.status
        done = [r.created_at, *stamps[:passed], r.rejected_at or r.cancelled_at]
        done = [at for at in done if at is not None]
        assert done == sorted(done) and done[-1] <= NOW, r.registration_number
        assert (r.rejection_reason is not None) == (r.status == Status.REJECTED)
        assert r.region_code in {p.region_code for p in PLACES}
    assert funnel["approved"] == statuses["approved"] + statuses["customer_created"] == overview.approved
    assert funnel["customer"] == statuses["customer_created"] < funnel["approved"]
    assert overview.conversion_rate is not None and overview.conversion_rate <= 100.0
    assert {a.name for a in cities} == {"Kota Bandung", "Kota Administrasi Jakarta Pusat"}  # none "Tidak diketahui"
