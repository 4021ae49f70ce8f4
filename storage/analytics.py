"""Registration analytics: every number of the analytics page and the analytics API, from
aggregate queries (SQLite and PostgreSQL alike; no Python loop over rows). Numbers that
count the same rows share a query: the overview and the lifecycle funnel are made of the
window's `cohort`, the daily trend and the heatmap of its `hourly_counts` (at most 24 a
day, summed in Python). The window's rows are read from `ix_registrations_created_analytics`
alone, which holds every column counted here (all but the rejection reasons' text).

Everything but the backlog counts the registrations *created* in the window (a cohort):
of the registrations made in these 30 days, how many were verified, approved, became
customers, and how long each step took. A stage counts as reached when its timestamp is
set (`verified_at`, `survey_scheduled_at`, `approved_at`, `customer_created_at`), the same
moments `registration_events` records, or a later stage's is (a customer counts as
approved and verified). Rates are percentages with one decimal, at most 100; a rate or
average of nothing is None. Days, hours and weekdays are local (ISPBOT_TIMEZONE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage import regions
from ispbot.storage.identity import mask_niks_in
from ispbot.storage.lifecycle import Status
from ispbot.storage.models import Package, Registration
from ispbot.storage.sql_time import (
    Span,
    as_day_hour,
    local_clock,
    local_day_hour,
    local_hour_of,
    prefix,
    seconds_between,
    utc_hour,
    whole_hours,
)

TIMEFRAMES = (7, 30, 60, 90)
MAX_DAYS = 731
PENDING_SLA = timedelta(hours=24)
CITY_CODE, DISTRICT_CODE = 5, 8  # "32.73" and "32.73.07" of a village code "32.73.07.1004"


@dataclass(frozen=True)
class Window:
    """Local days first_day … last_day (inclusive), seen from `now`."""

    first_day: date
    last_day: date
    tz: ZoneInfo
    now: datetime

    @classmethod
    def last_days(cls, days: int, *, now: datetime, tz: ZoneInfo) -> Window:
        today = now.astimezone(tz).date()
        return cls.between(today - timedelta(days=days - 1), today, now=now, tz=tz)

    @classmethod
    def between(cls, first: date, last: date, *, now: datetime, tz: ZoneInfo) -> Window:
        if last < first:
            raise ValueError("the range ends before it starts")
        if (last - first).days + 1 > MAX_DAYS:
            raise ValueError(f"the range is longer than {MAX_DAYS} days")
        return cls(first, last, tz, now)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=self.tz)

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]


def rate(part: int, whole: int) -> float | None:
    """`part` of `whole` in percent, never above 100: rows imported or edited by hand can
    count more at a stage than at the one before, and "200% of 1 approved" helps nobody."""
    return round(min(100.0, 100.0 * part / whole), 1) if whole else None


def _verified() -> Any:
    """Verified: its own timestamp, or any later stage's (a customer was verified, even
    when a row imported or edited by hand lacks the date); each stage counts at most the
    rows of the one before, so the funnel never widens."""
    r = Registration
    return func.coalesce(r.verified_at, r.survey_scheduled_at, r.approved_at, r.customer_created_at)


def _approved() -> Any:
    """Approved: approved, or a customer already (see `_verified`)."""
    return func.coalesce(Registration.approved_at, Registration.customer_created_at)


def hours(seconds: Any) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600.0, 1)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name


def _in_window(window: Window) -> Any:
    return and_(Registration.created_at >= window.start, Registration.created_at < window.end)


@dataclass(frozen=True)
class Cohort:
    """The window's registrations read once: how many reached each stage, and the average
    seconds from creation to verification, approval and customer (None: nobody yet).
    The overview and the lifecycle funnel are both made of it."""

    total: int
    verified: int
    survey: int
    approved: int
    customers: int
    rejected: int
    verification_seconds: float | None
    approval_seconds: float | None
    customer_seconds: float | None


async def cohort(session: AsyncSession, window: Window) -> Cohort:
    d, r = _dialect(session), Registration
    row = (await session.execute(
        select(
            func.count(), func.count(_verified()), func.count(r.survey_scheduled_at), func.count(_approved()),
            func.count(r.customer_created_at), func.count(r.rejected_at),
            func.avg(seconds_between(d, r.created_at, r.verified_at)),
            func.avg(seconds_between(d, r.created_at, r.approved_at)),
            func.avg(seconds_between(d, r.created_at, r.customer_created_at)),
        ).where(_in_window(window))
    )).one()
    counts = (int(v) for v in row[:6])
    averages = (None if v is None else float(v) for v in row[6:])
    return Cohort(*counts, *averages)


@dataclass(frozen=True)
class Overview:
    total: int
    approved: int
    approval_rate: float | None  # approved / total
    customers: int
    conversion_rate: float | None  # customers / approved
    rejected: int
    avg_verification_hours: float | None  # created → verified
    avg_approval_hours: float | None  # created → approved
    avg_customer_hours: float | None  # created → customer created
    pending_over_24h: int  # pending verification for more than 24 hours, now (any age)


async def overview(session: AsyncSession, window: Window) -> Overview:
    return overview_of(await cohort(session, window), await pending_over_sla(session, window))


async def pending_over_sla(session: AsyncSession, window: Window) -> int:
    """Registrations pending verification for longer than PENDING_SLA now, whenever made."""
    r = Registration
    return int((await session.execute(
        select(func.count()).select_from(r).where(
            r.status == Status.PENDING_VERIFICATION.value, r.created_at < window.now - PENDING_SLA
        )
    )).scalar_one())


def overview_of(c: Cohort, pending_over_24h: int) -> Overview:
    return Overview(
        total=c.total, approved=c.approved, approval_rate=rate(c.approved, c.total), customers=c.customers,
        conversion_rate=rate(c.customers, c.approved), rejected=c.rejected,
        avg_verification_hours=hours(c.verification_seconds), avg_approval_hours=hours(c.approval_seconds),
        avg_customer_hours=hours(c.customer_seconds), pending_over_24h=pending_over_24h,
    )


@dataclass(frozen=True)
class StatusCount:
    status: str
    count: int
    share: float | None


async def status_distribution(session: AsyncSession, window: Window) -> list[StatusCount]:
    """Every status, in lifecycle order, with how many of the window's registrations hold it."""
    rows = await session.execute(
        select(Registration.status, func.count()).where(_in_window(window)).group_by(Registration.status)
    )
    counts = {status: int(n) for status, n in rows}
    total = sum(counts.values())
    return [StatusCount(s.value, counts.get(s.value, 0), rate(counts.get(s.value, 0), total)) for s in Status]


@dataclass(frozen=True)
class FunnelStage:
    stage: str  # total, verified, survey, approved, customer
    count: int
    of_total: float | None
    of_previous: float | None


FUNNEL_STAGES = ("total", "verified", "survey", "approved", "customer")


async def funnel(session: AsyncSession, window: Window) -> list[FunnelStage]:
    return funnel_of(await cohort(session, window))


def funnel_of(c: Cohort) -> list[FunnelStage]:
    counts = [c.total, c.verified, c.survey, c.approved, c.customers]
    return [
        FunnelStage(stage, n, rate(n, counts[0]), rate(n, counts[i - 1]) if i else None)
        for i, (stage, n) in enumerate(zip(FUNNEL_STAGES, counts, strict=True))
    ]


@dataclass(frozen=True)
class HourCount:
    """The window's registrations made in one local hour: the daily trend and the heatmap
    are both sums of these, so the window is read once for the two."""

    day: date
    hour: int  # 0–23
    registrations: int
    approved: int  # of those registrations, approved since
    rejected: int


async def hourly_counts(session: AsyncSession, window: Window) -> list[HourCount]:
    """One row per local hour of the window that has registrations. The database groups by
    the UTC hour and Python names its local hour where the zone's offsets are whole hours
    (a UTC hour is then one local hour; two, merged, when a clock goes back); otherwise
    the database converts every row."""
    d, r = _dialect(session), Registration
    if not whole_hours(window.tz, window.span):
        slot = local_day_hour(d, local_clock(d, r.created_at, window.tz, window.span)).label("local_hour")
        rows = await session.execute(
            select(slot, func.count(), func.count(_approved()), func.count(r.rejected_at))
            .where(_in_window(window)).group_by(slot)
        )
        return [HourCount(*as_day_hour(v), int(n), int(a), int(x)) for v, n, a, x in rows]
    slot = utc_hour(d, r.created_at).label("utc_hour")
    rows = await session.execute(
        select(slot, func.count(), func.count(_approved()), func.count(r.rejected_at))
        .where(_in_window(window)).group_by(slot)
    )
    merged: dict[tuple[date, int], list[int]] = {}
    for v, n, a, x in rows:
        sums = merged.setdefault(local_hour_of(v, window.tz), [0, 0, 0])
        sums[0] += int(n)
        sums[1] += int(a)
        sums[2] += int(x)
    return [HourCount(day, hour, *sums) for (day, hour), sums in merged.items()]


@dataclass(frozen=True)
class TrendPoint:
    day: date
    registrations: int
    approved: int  # of that day's registrations, approved since
    rejected: int


async def daily_trend(session: AsyncSession, window: Window) -> list[TrendPoint]:
    return trend_of(await hourly_counts(session, window), window)


def trend_of(slots: list[HourCount], window: Window) -> list[TrendPoint]:
    """One point per local day of the window, days without registrations included."""
    per_day: dict[date, tuple[int, int, int]] = {}
    for slot in slots:
        n, a, x = per_day.get(slot.day, (0, 0, 0))
        per_day[slot.day] = (n + slot.registrations, a + slot.approved, x + slot.rejected)
    return [TrendPoint(day, *per_day.get(day, (0, 0, 0))) for day in window.days]


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int
    share: float | None  # of the rejections


async def rejection_reasons(session: AsyncSession, window: Window, limit: int = 20) -> list[ReasonCount]:
    """The most frequent reasons; each row also carries the window's rejections of every
    reason (a window sum over the groups, taken before the limit), the shares' whole. A
    reason is staff's free text: a NIK in it is masked (the chart, its CSV and the API)."""
    reason = func.trim(Registration.rejection_reason).label("reason_text")
    rows = await session.execute(
        select(reason, func.count().label("n"), func.sum(func.count()).over().label("rejections"))
        .where(_in_window(window), Registration.rejected_at.is_not(None))
        .group_by(reason).order_by(func.count().desc(), reason.asc().nulls_last()).limit(limit)  # "-" last on both
    )
    return [ReasonCount(mask_niks_in(text) if text else "-", int(n), rate(int(n), int(total)))
            for text, n, total in rows]


@dataclass(frozen=True)
class AreaCount:
    code: str | None  # official region code; None when the address matched no region
    name: str
    city: str
    registrations: int
    approved: int
    customers: int
    approval_rate: float | None
    conversion_rate: float | None  # customers / registrations


async def areas(session: AsyncSession, window: Window, level: str = "city", limit: int = 50) -> list[AreaCount]:
    """Registrations by regency/city (`level="city"`) or by district (kecamatan), by the
    official region code of the address; names come from the region list."""
    length = {"city": CITY_CODE, "district": DISTRICT_CODE}[level]
    r = Registration
    code = prefix(r.region_code, length).label("area_code")
    rows = await session.execute(
        select(code, func.count(), func.count(_approved()), func.count(r.customer_created_at))
        .where(_in_window(window)).group_by(code).order_by(func.count().desc(), code.nulls_last()).limit(limit)
    )
    return [
        AreaCount(code, *_area_names(code, length), int(n), int(a), int(c), rate(int(a), int(n)), rate(int(c), int(n)))
        for code, n, a, c in rows
    ]


def _area_names(code: str | None, length: int) -> tuple[str, str]:
    """(the area's name, its city's name)."""
    if not code:
        return "Tidak diketahui", "-"
    city = regions.get_region(code[:CITY_CODE])
    city_name = city.name if city else code[:CITY_CODE]
    if len(code) < length:  # only the city was recognised
        return f"{city_name} (kecamatan tidak diketahui)", city_name
    found = regions.get_region(code)
    return (found.name if found else code), city_name


@dataclass(frozen=True)
class Heatmap:
    """counts[weekday][hour]: weekday 0 = Monday … 6 = Sunday, local hours 0–23."""

    counts: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _ in range(7)])

    @property
    def peak(self) -> int:
        return max(max(row) for row in self.counts)


async def heatmap(session: AsyncSession, window: Window) -> Heatmap:
    return heatmap_of(await hourly_counts(session, window))


def heatmap_of(slots: list[HourCount]) -> Heatmap:
    result = Heatmap()
    for slot in slots:  # every day of a weekday adds to its row
        result.counts[slot.day.weekday()][slot.hour] += slot.registrations
    return result


@dataclass(frozen=True)
class PackageRow:
    package_id: int
    name: str
    speed_mbps: int
    monthly_price: int  # the package's price today
    registrations: int
    approved: int
    approval_rate: float | None
    # today's monthly price × approved: monthly revenue once they are installed, billed at
    # their package's price of the day (storage.invoices), not at the prices they were quoted
    revenue_potential: int


async def package_popularity(session: AsyncSession, window: Window) -> list[PackageRow]:
    """Every package (active, or with registrations in the window), most registered first.

    The window's registrations are counted per package first and the packages joined to
    those counts: joined the other way round, SQLite walked every registration of each
    package (the package_id index) to keep the window's few."""
    r, p = Registration, Package
    counts = (
        select(r.package_id, func.count().label("registrations"), func.count(_approved()).label("approved"))
        .where(_in_window(window)).group_by(r.package_id).subquery("window_counts")
    )
    registrations = func.coalesce(counts.c.registrations, 0)
    approved = func.coalesce(counts.c.approved, 0)
    rows = await session.execute(
        select(p.id, p.name, p.speed_mbps, p.monthly_price, registrations, approved, p.monthly_price * approved)
        .outerjoin(counts, counts.c.package_id == p.id)
        .where(or_(p.is_active.is_(True), registrations > 0))
        .order_by(registrations.desc(), p.sort_order, p.monthly_price)
    )
    return [
        PackageRow(int(i), name, int(speed), int(price), int(n), int(a), rate(int(a), int(n)), int(revenue or 0))
        for i, name, speed, price, n, a, revenue in rows
    ]
