"""Every number of the analytics, asserted exactly on a known history (analytics_data),
on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from ispbot.clock import FakeClock
from ispbot.storage import analytics, chat_funnel
from ispbot.storage.analytics import Window
from ispbot.storage.database import Database
from ispbot.storage.models import Package, Registration
from ispbot.storage.sql_time import Span, offset_changes, whole_hours
from tests.storage.analytics_data import NOW, WIB, seed_chats, seed_registrations

STATES = ["ASK_NAME", "ASK_EMAIL", "ASK_PHONE", "ASK_OTHER_PHONE", "AWAIT_OTP", "CONFIRM"]


@pytest.fixture
async def db(db_url: str, clock: FakeClock) -> Database:
    database = Database(db_url)
    await seed_registrations(database, clock)
    await seed_chats(database)
    yield database  # type: ignore[misc]
    await database.dispose()


def last(days: int) -> Window:
    return Window.last_days(days, now=NOW, tz=WIB)


async def test_overview_kpis(db: Database) -> None:
    async with db.sessions() as s:
        got = await analytics.overview(s, last(30))
        week = await analytics.overview(s, last(7))
        quarter = await analytics.overview(s, last(90))
    assert got == analytics.Overview(
        total=6, approved=2, approval_rate=33.3, customers=1, conversion_rate=50.0, rejected=2,
        avg_verification_hours=5.3, avg_approval_hours=27.0, avg_customer_hours=48.0, pending_over_24h=2,
    )
    assert (week.total, week.approved, week.rejected, week.avg_verification_hours) == (5, 2, 1, 3.0)
    assert (quarter.total, quarter.approval_rate, quarter.pending_over_24h) == (7, 28.6, 2)


async def test_status_distribution_and_funnel(db: Database) -> None:
    async with db.sessions() as s:
        statuses = await analytics.status_distribution(s, last(30))
        stages = await analytics.funnel(s, last(30))
    assert {c.status: c.count for c in statuses} == {
        "pending_verification": 2, "verified": 0, "survey_scheduled": 0, "survey_completed": 0, "approved": 1,
        "rejected": 2, "customer_created": 1, "cancelled": 0,
    }
    assert [c.share for c in statuses if c.count] == [33.3, 16.7, 33.3, 16.7]
    assert [(f.stage, f.count, f.of_total, f.of_previous) for f in stages] == [
        ("total", 6, 100.0, None), ("verified", 3, 50.0, 50.0), ("survey", 1, 16.7, 33.3),
        ("approved", 2, 33.3, 100.0), ("customer", 1, 16.7, 50.0),  # one approved without a survey: not "200%"
    ]


async def test_rows_missing_a_stage_date_never_make_a_rate_above_100(db: Database) -> None:
    """Imported or hand-edited rows (a customer with no approval date) showed "200,0%: 2
    of 1 approved" and a funnel widening at "Pelanggan"."""
    async with db.transaction() as s:
        await s.execute(update(Registration).values(verified_at=None, approved_at=None))  # customer_created_at kept
    async with db.sessions() as s:
        got = await analytics.overview(s, last(30))
        stages = await analytics.funnel(s, last(30))
        cities = await analytics.areas(s, last(30), "city")
        packages = await analytics.package_popularity(s, last(30))
    assert (got.customers, got.approved, got.conversion_rate) == (1, 1, 100.0)  # the customer was approved
    counts = [f.count for f in stages]
    assert counts == sorted(counts, reverse=True) == [6, 1, 1, 1, 1]  # …and verified, before that
    rates = [f.of_previous for f in stages[1:]] + [a.conversion_rate for a in cities] + [got.approval_rate]
    assert all(r is None or r <= 100.0 for r in rates)
    assert all(p.approved <= p.registrations for p in packages)


def test_a_rate_of_more_than_the_whole_is_the_whole() -> None:
    assert analytics.rate(2, 1) == 100.0 and analytics.rate(1, 3) == 33.3 and analytics.rate(1, 0) is None


async def test_daily_trend_uses_local_days(db: Database) -> None:
    async with db.sessions() as s:
        trend = await analytics.daily_trend(s, last(30))
        one_day = await analytics.daily_trend(s, Window.between(date(2026, 11, 19), date(2026, 11, 19), now=NOW, tz=WIB))
    assert len(trend) == 30 and trend[0].day == date(2026, 10, 23) and trend[-1].day == date(2026, 11, 21)
    busy = {(p.day.isoformat(), p.registrations, p.approved, p.rejected) for p in trend if p.registrations}
    assert busy == {("2026-11-10", 1, 0, 1), ("2026-11-15", 1, 0, 0), ("2026-11-19", 1, 0, 1),
                    ("2026-11-20", 2, 2, 0), ("2026-11-21", 1, 0, 0)}
    assert [(p.day, p.registrations) for p in one_day] == [(date(2026, 11, 19), 1)]  # C: 18 Nov in UTC


async def test_rejections_areas_heatmap_packages(db: Database) -> None:
    async with db.sessions() as s:
        reasons = await analytics.rejection_reasons(s, last(30))
        cities = await analytics.areas(s, last(30), "city")
        districts = await analytics.areas(s, last(30), "district")
        heat = await analytics.heatmap(s, last(30))
        packages = await analytics.package_popularity(s, last(30))
    assert reasons == [analytics.ReasonCount("Lokasi di luar jangkauan", 2, 100.0)]
    assert [(a.code, a.name, a.registrations, a.approved, a.customers, a.approval_rate, a.conversion_rate)
            for a in cities] == [
        ("32.73", "Kota Bandung", 4, 2, 1, 50.0, 25.0), ("32.77", "Kota Cimahi", 1, 0, 0, 0.0, 0.0),
        (None, "Tidak diketahui", 1, 0, 0, 0.0, 0.0)]
    assert [(a.code, a.name, a.city, a.registrations) for a in districts] == [
        ("32.73.07", "Sukajadi", "Kota Bandung", 3), ("32.73.02", "Coblong", "Kota Bandung", 1),
        ("32.77", "Kota Cimahi (kecamatan tidak diketahui)", "Kota Cimahi", 1), (None, "Tidak diketahui", "-", 1)]
    cells = {(d, h): n for d, row in enumerate(heat.counts) for h, n in enumerate(row) if n}
    assert cells == {(4, 9): 2, (3, 3): 1, (6, 17): 1, (5, 8): 1, (1, 12): 1} and heat.peak == 2
    assert [(p.name, p.registrations, p.approved, p.approval_rate, p.revenue_potential) for p in packages] == [
        ("Home Silver 40M", 3, 2, 66.7, 399_800), ("Home Gold 75M", 2, 0, 0.0, 0),
        ("Home Platinum 100M", 1, 0, 0.0, 0), ("Home Bronze 20M", 0, 0, None, 0),
        ("Home Diamond 200M", 0, 0, None, 0), ("Home Titanium 300M", 0, 0, None, 0)]


async def test_reason_shares_are_of_every_rejection_and_idle_packages_only_when_active(db: Database) -> None:
    async with db.transaction() as s:  # E is rejected too, for another reason; two packages retire
        await s.execute(update(Registration).where(Registration.full_name == "Pelanggan E")
                        .values(rejected_at=NOW, rejection_reason="KTP tidak terbaca"))
        await s.execute(update(Package).where(Package.code.in_(["home-gold-75", "home-bronze-20"]))
                        .values(is_active=False))
    async with db.sessions() as s:
        top = await analytics.rejection_reasons(s, last(30), limit=1)
        packages = await analytics.package_popularity(s, last(30))
    assert top == [analytics.ReasonCount("Lokasi di luar jangkauan", 2, 66.7)]  # of all 3 rejections
    assert [(p.name, p.registrations) for p in packages] == [  # gold has registrations, bronze none
        ("Home Silver 40M", 3), ("Home Gold 75M", 2), ("Home Platinum 100M", 1), ("Home Diamond 200M", 0),
        ("Home Titanium 300M", 0)]


async def test_conversation_funnel_per_question(db: Database) -> None:
    async with db.sessions() as s:
        steps = await chat_funnel.question_funnel(s, last(30), "registration", STATES)
        otp = await chat_funnel.otp_steps(s, last(30))
    assert [(q.state, q.reached, q.answered, q.dropped, q.in_progress, q.reprompts, q.median_seconds)
            for q in steps] == [
        ("ASK_NAME", 5, 4, 1, 0, 0, 25.0),
        ("ASK_EMAIL", 4, 3, 1, 0, 3, 20.0),
        ("ASK_PHONE", 3, 3, 0, 0, 0, 10.0),
        ("ASK_OTHER_PHONE", 2, 2, 0, 0, 0, 10.0),
        ("AWAIT_OTP", 2, 2, 0, 0, 1, 45.0),
        ("CONFIRM", 3, 2, 0, 1, 0, 35.0),
    ]
    assert steps[0].drop_rate == 20.0
    assert [(o.flow, o.state, o.reached, o.answered, o.first_try, o.reprompts, o.median_seconds) for o in otp] == [
        ("registration", "AWAIT_OTP", 2, 2, 1, 1, 45.0)]


async def test_an_empty_window_gives_zeros_not_errors(db: Database) -> None:
    window = Window.between(date(2025, 1, 1), date(2025, 1, 31), now=NOW, tz=WIB)
    async with db.sessions() as s:
        got = await analytics.overview(s, window)
        steps = await chat_funnel.question_funnel(s, window, "registration", STATES[:1])
    assert (got.total, got.approval_rate, got.avg_approval_hours) == (0, None, None)
    assert steps == [chat_funnel.QuestionStep("ASK_NAME", 0, 0, 0, 0, 0, None)]


def test_windows() -> None:
    week = Window.last_days(7, now=NOW, tz=WIB)
    assert (week.first_day, week.last_day) == (date(2026, 11, 15), date(2026, 11, 21))
    assert week.start == datetime(2026, 11, 14, 17, tzinfo=UTC) and week.end == datetime(2026, 11, 21, 17, tzinfo=UTC)
    with pytest.raises(ValueError, match="ends before"):
        Window.between(date(2026, 2, 2), date(2026, 2, 1), now=NOW, tz=WIB)
    with pytest.raises(ValueError, match="longer"):
        Window.between(date(2020, 1, 1), date(2026, 2, 1), now=NOW, tz=WIB)


def test_offset_changes_are_found_to_the_second() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    span = Span(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert offset_changes(berlin, span) == [(span.start, 7200), (datetime(2026, 10, 25, 1, tzinfo=UTC), 3600)]
    assert offset_changes(WIB, span) == [(span.start, 25200)]


async def test_local_days_follow_daylight_saving(db_url: str, clock: FakeClock) -> None:
    """In a zone with DST the day and hour of each registration follow the offset of
    that date (SQLite gets it from the CASE over the offset changes)."""
    berlin = ZoneInfo("Europe/Berlin")
    database = Database(db_url)
    await seed_registrations(database, clock, tz=berlin)
    async with database.transaction() as s:  # move A across the October change, B after it
        a, b = (await s.get(Registration, 1)), (await s.get(Registration, 2))
        assert a is not None and b is not None
        a.created_at = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)  # 00:30 CEST on the 25th
        b.created_at = datetime(2026, 10, 25, 22, 30, tzinfo=UTC)  # 23:30 CET on the 25th
    window = Window.between(date(2026, 10, 20), date(2026, 10, 31), now=NOW, tz=berlin)
    async with database.sessions() as s:
        trend = await analytics.daily_trend(s, window)
        heat = await analytics.heatmap(s, window)
    assert [(p.day, p.registrations) for p in trend if p.registrations] == [(date(2026, 10, 25), 2)]
    assert heat.counts[6][0] == 1 and heat.counts[6][23] == 1  # both on Sunday the 25th
    await database.dispose()
    clock.advance(timedelta(0))


async def test_a_half_hour_zone_is_converted_row_by_row(db_url: str, clock: FakeClock) -> None:
    """India's +05:30: a UTC hour is no local hour, so the database converts each row; a
    registration at 18:45 UTC is 00:15 on the next local day, one at 18:15 UTC 23:45."""
    kolkata = ZoneInfo("Asia/Kolkata")
    database = Database(db_url)
    await seed_registrations(database, clock, tz=kolkata)
    async with database.transaction() as s:
        a, b = (await s.get(Registration, 1)), (await s.get(Registration, 2))
        assert a is not None and b is not None
        a.created_at = datetime(2026, 11, 18, 18, 45, tzinfo=UTC)
        b.created_at = datetime(2026, 11, 18, 18, 15, tzinfo=UTC)
    window = Window.between(date(2026, 11, 18), date(2026, 11, 19), now=NOW, tz=kolkata)
    async with database.sessions() as s:
        hours = await analytics.hourly_counts(s, window)
    await database.dispose()
    assert {(h.day, h.hour) for h in hours} >= {(date(2026, 11, 19), 0), (date(2026, 11, 18), 23)}


def test_a_utc_hour_is_one_local_hour_only_in_whole_hour_zones() -> None:
    span = Span(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    assert whole_hours(WIB, span) and whole_hours(ZoneInfo("Europe/Berlin"), span)
    assert not whole_hours(ZoneInfo("Asia/Kolkata"), span)


async def test_a_rejection_without_a_reason_ties_last_on_both_databases(db: Database) -> None:
    """Reasons of equal count come alphabetically, the one left empty ("-") last, on SQLite
    and PostgreSQL alike (they sort NULL at opposite ends unless told)."""
    async with db.transaction() as s:
        await s.execute(update(Registration).where(Registration.full_name.in_(["Pelanggan D", "Pelanggan E"]))
                        .values(rejected_at=NOW, rejection_reason=None))
        await s.execute(update(Registration).where(Registration.full_name == "Pelanggan B")
                        .values(rejected_at=NOW, rejection_reason="Alamat tidak lengkap"))
        await s.execute(update(Registration).where(Registration.full_name == "Pelanggan A")
                        .values(rejected_at=NOW, rejection_reason="Alamat tidak lengkap"))
    async with db.sessions() as s:
        reasons = await analytics.rejection_reasons(s, last(30))
    assert [(r.reason, r.count) for r in reasons] == [
        ("Alamat tidak lengkap", 2), ("Lokasi di luar jangkauan", 2), ("-", 2)]
