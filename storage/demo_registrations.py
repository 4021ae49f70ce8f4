"""Many demo registrations at once (`ispbot seed-demo --registrations N`), for trying the
admin at scale and for the benchmark: bulk inserts of a few thousand rows per statement,
spread over the past days with real `REG-YYYYMMDD-NNNN` numbers (the day's counter is
moved past them, so later registrations continue the sequence).

Each row is what the lifecycle would have left: every stage's timestamp up to its status
(a customer was verified, surveyed and approved first), a rejection's reason, and an
address from the official region list with its region code. Statuses alone, with no
timestamps and no codes, made the analytics contradict the list ("200% of 1 approved",
every registration "Tidak diketahui")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.lifecycle import TIMELINE, Status
from ispbot.storage.models import Package, Registration, Sequence
from ispbot.storage.upsert import insert_for

BATCH = 5_000
PER_DAY = 250
STATUSES = ("pending_verification", "verified", "survey_scheduled", "survey_completed", "approved",
            "customer_created", "rejected", "cancelled")
FIRST = ("Budi", "Siti", "Agus", "Dewi", "Rina", "Andi", "Wati", "Joko", "Ayu", "Dedi")
LAST = ("Santoso", "Nurhaliza", "Wijaya", "Lestari", "Hidayat", "Saputra", "Kusuma", "Pratama")
REJECTION_REASONS = ("Di luar area layanan", "Foto KTP tidak jelas", "Data tidak lengkap")
# The lifecycle's stages after creation, each with its timestamp column and a typical wait
# (hours) after the one before; a registration younger than the waits has them shortened.
STAGES = (("verified_at", 3), ("survey_scheduled_at", 5), ("survey_completed_at", 44), ("approved_at", 6),
          ("customer_created_at", 30))
# every row carries every column (None when not reached): one bulk statement per batch
STAMPED = (*(column for column, _ in STAGES), "survey_date", "rejected_at", "cancelled_at", "rejection_reason")
REACHED = {status.value: n for n, status in enumerate(TIMELINE)} | {Status.CUSTOMER_CREATED.value: len(STAGES)}


class Place(NamedTuple):
    kelurahan: str
    kecamatan: str
    city: str
    postal_code: str
    region_code: str


# Villages as the official region list names them, with their codes (tests check both
# against the list; loading it here would add seconds to every seeding).
PLACES = (Place("Sukagalih", "Sukajadi", "Kota Bandung", "40163", "32.73.07.1004"),
          Place("Dago", "Coblong", "Kota Bandung", "40135", "32.73.02.1004"),
          Place("Braga", "Sumur Bandung", "Kota Bandung", "40111", "32.73.19.1001"),
          Place("Menteng", "Menteng", "Kota Administrasi Jakarta Pusat", "10310", "31.71.06.1001"))


def stage_times(status: str, serial: int, created: datetime, now: datetime) -> dict[str, object]:
    """The timestamps (and the reason, the survey's date) a registration in `status` has:
    every stage up to it; a rejected or cancelled one stopped after a stage or two."""
    ended = status in (Status.REJECTED, Status.CANCELLED)
    reached = serial % 3 if ended else REACHED[status]
    waits = [timedelta(hours=hours + serial % 5) for _, hours in STAGES[:reached + ended]]
    room = (now - created) / (len(waits) + 1)  # all of it before now, however young
    values: dict[str, object] = dict.fromkeys(STAMPED, None) | {"whatsapp_verified_at": created}
    at = created
    for (column, _), wait in zip(STAGES, waits[:reached], strict=False):
        at += min(wait, room)
        values[column] = at
    if reached >= 2:  # a survey was scheduled: for the day it was (or will be) done
        values["survey_date"] = values.get("survey_completed_at") or at + timedelta(days=2)
    if ended:
        at += min(waits[-1], room)
        values["rejected_at" if status == Status.REJECTED else "cancelled_at"] = at
        if status == Status.REJECTED:
            values["rejection_reason"] = REJECTION_REASONS[serial % len(REJECTION_REASONS)]
    values["updated_at"] = at
    return values


async def seed_registrations(
    session: AsyncSession, count: int, now: datetime, tz: ZoneInfo,
    progress: Callable[[int], None] = lambda _n: None,
) -> int:
    """Add `count` registrations ending today, PER_DAY a day; returns how many were added."""
    packages = [(package_id, price) for package_id, price
                in await session.execute(select(Package.id, Package.monthly_price).order_by(Package.id))]
    if not packages:
        raise ValueError("no packages yet: seed the demo packages first")
    offset = int((await session.execute(select(func.count()).select_from(Registration))).scalar_one())
    batch: list[dict[str, object]] = []
    for n in range(count):
        at = now - timedelta(days=n // PER_DAY, minutes=(n % PER_DAY) * 5)
        day = at.astimezone(tz).strftime("%Y%m%d")
        serial = offset + n
        first, last = FIRST[serial % len(FIRST)], LAST[(serial // len(FIRST)) % len(LAST)]
        place = PLACES[serial % len(PLACES)]
        status = STATUSES[serial % len(STATUSES)]
        package_id, price = packages[serial % len(packages)]
        batch.append({
            "day": day, "status": status, "source": "whatsapp", "locale": "id",
            "full_name": f"{first} {last} {serial:06d}", "email": f"demo{serial:06d}@example.com",
            "phone": f"62819{serial:08d}", "contact_key": f"62819{serial:08d}", "whatsapp_verified": True,
            "address": f"Jl. Contoh No. {serial % 200 + 1}", "rt": "001", "rw": "002", "kelurahan": place.kelurahan,
            "kecamatan": place.kecamatan, "city": place.city, "postal_code": place.postal_code,
            "region_code": place.region_code, "package_id": package_id,
            "quoted_monthly_price": price,  # each quoted its package's price of today
            "created_at": at, **stage_times(status, serial, at, now),
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
    # the table's Core insert, every row with every column (a stage not reached as NULL):
    # the ORM's bulk insert leaves NULLs out, and rows with differing columns then go one
    # statement each (5x slower)
    await session.execute(insert(Registration.__table__), batch)
