"""Many demo registrations at once (`ispbot seed-demo --registrations N`), for trying the
admin at scale and for the benchmark: bulk inserts of a few thousand rows per statement,
spread over the past days with real `REG-YYYYMMDD-NNNN` numbers (the day's counter is
moved past them, so later registrations continue the sequence)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import Package, Registration, Sequence
from ispbot.storage.upsert import insert_for

BATCH = 5_000
PER_DAY = 250
STATUSES = ("pending_verification", "verified", "survey_scheduled", "survey_completed", "approved",
            "customer_created", "rejected", "cancelled")
PLACES = (("Sukagalih", "Sukajadi", "Kota Bandung", "40163"), ("Dago", "Coblong", "Kota Bandung", "40135"),
          ("Braga", "Sumur Bandung", "Kota Bandung", "40111"), ("Menteng", "Menteng", "Kota Jakarta Pusat", "10310"))
FIRST = ("Budi", "Siti", "Agus", "Dewi", "Rina", "Andi", "Wati", "Joko", "Ayu", "Dedi")
LAST = ("Santoso", "Nurhaliza", "Wijaya", "Lestari", "Hidayat", "Saputra", "Kusuma", "Pratama")


async def seed_registrations(
    session: AsyncSession, count: int, now: datetime, tz: ZoneInfo,
    progress: Callable[[int], None] = lambda _n: None,
) -> int:
    """Add `count` registrations ending today, PER_DAY a day; returns how many were added."""
    packages = list((await session.execute(select(Package.id).order_by(Package.id))).scalars())
    if not packages:
        raise ValueError("no packages yet: seed the demo packages first")
    offset = int((await session.execute(select(func.count()).select_from(Registration))).scalar_one())
    batch: list[dict[str, object]] = []
    for n in range(count):
        at = now - timedelta(days=n // PER_DAY, minutes=(n % PER_DAY) * 5)
        day = at.astimezone(tz).strftime("%Y%m%d")
        serial = offset + n
        first, last = FIRST[serial % len(FIRST)], LAST[(serial // len(FIRST)) % len(LAST)]
        kelurahan, kecamatan, city, postcode = PLACES[serial % len(PLACES)]
        batch.append({
            "day": day, "status": STATUSES[serial % len(STATUSES)], "source": "whatsapp", "locale": "id",
            "full_name": f"{first} {last} {serial:06d}", "email": f"demo{serial:06d}@example.com",
            "phone": f"62819{serial:08d}", "contact_key": f"62819{serial:08d}", "whatsapp_verified": True,
            "address": f"Jl. Contoh No. {serial % 200 + 1}", "rt": "001", "rw": "002", "kelurahan": kelurahan,
            "kecamatan": kecamatan, "city": city, "postal_code": postcode, "package_id": packages[serial % len(packages)],
            "created_at": at, "updated_at": at,
        })
        if len(batch) == BATCH:
            await _insert(session, batch)
            progress(len(batch))
            batch = []
    if batch:
        await _insert(session, batch)
        progress(len(batch))
    return count


async def _insert(session: AsyncSession, batch: list[dict[str, object]]) -> None:
    """Number each row from its day's counter (moved on by the rows of the batch), insert."""
    per_day: dict[str, int] = {}
    for row in batch:
        per_day[str(row["day"])] = per_day.get(str(row["day"]), 0) + 1
    first: dict[str, int] = {}
    for day, added in per_day.items():
        stmt = insert_for(session, Sequence).values(name=f"REG-{day}", value=added)
        stmt = stmt.on_conflict_do_update(
            index_elements=[Sequence.name], set_={"value": Sequence.value + added}
        ).returning(Sequence.value)
        first[day] = int((await session.execute(stmt)).scalar_one()) - added + 1
    for row in batch:
        day = str(row.pop("day"))
        row["registration_number"] = f"REG-{day}-{first[day]:04d}"
        first[day] += 1
    await session.execute(insert(Registration), batch)
