"""The chat funnel's daily roll-up gives the same numbers as the events themselves, for
windows before, across and after the rolled-up days, on SQLite and PostgreSQL; it sums
each day once, picks up the days after it, and starts over when the time zone changes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ispbot.clock import FakeClock
from ispbot.storage import chat_funnel
from ispbot.storage.analytics import Window
from ispbot.storage.database import Database
from ispbot.storage.models import ChatFunnelDay, ConversationEvent
from tests.storage.analytics_data import CHATS, NOW, WIB, seed_chats, seed_registrations

STATES = ["ASK_NAME", "ASK_EMAIL", "ASK_PHONE", "ASK_OTHER_PHONE", "AWAIT_OTP", "CONFIRM"]
WINDOWS = [Window.last_days(n, now=NOW, tz=WIB) for n in (1, 2, 3, 7, 30, 90)] + [
    Window.last_days(3, now=NOW - timedelta(days=2), tz=WIB),  # ends before the rolled-up days end
]


@pytest.fixture
async def db(db_url: str, clock: FakeClock) -> AsyncIterator[Database]:
    database = Database(db_url)
    await seed_registrations(database, clock)
    await seed_chats(database)
    yield database
    await database.dispose()


async def everything(db: Database) -> list[tuple[list[chat_funnel.QuestionStep], list[chat_funnel.OtpStep]]]:
    async with db.sessions() as s:
        return [(await chat_funnel.question_funnel(s, w, "registration", STATES), await chat_funnel.otp_steps(s, w))
                for w in WINDOWS]


async def roll_up(db: Database, now: datetime, tz: ZoneInfo = WIB) -> int:
    async with db.transaction() as s:
        return await chat_funnel.roll_up(s, now, tz)


async def test_rolled_up_days_give_the_numbers_the_events_give(db: Database) -> None:
    from_events = await everything(db)
    oldest_chat = max(days for days, _, _ in CHATS.values())
    assert await roll_up(db, NOW) == oldest_chat  # 45 days ago … yesterday, each summed once
    assert await everything(db) == from_events
    async with db.sessions() as s:
        assert await chat_funnel.rolled_through(s, WIB) == NOW.astimezone(WIB).date() - timedelta(days=1)
        rows = (await s.execute(select(func.count()).select_from(ChatFunnelDay))).scalar_one()
        answered = (await s.execute(select(func.sum(ChatFunnelDay.answered)))).scalar_one()
    assert rows > 0 and answered == 4 + 1 + 5 + 6  # the answers of c1, c2, c3 and c5


async def test_a_second_run_sums_nothing_again_and_a_new_day_only_that_day(db: Database) -> None:
    await roll_up(db, NOW)
    before = await everything(db)
    assert await roll_up(db, NOW + timedelta(hours=3)) == 0
    assert await everything(db) == before
    async with db.transaction() as s:  # today: someone new asked their name, after the roll-up
        s.add(ConversationEvent(contact_key="c9", flow="registration", state="ASK_NAME", event="asked",
                                created_at=NOW + timedelta(minutes=5)))
    async with db.sessions() as s:
        (today,) = await chat_funnel.question_funnel(s, Window.last_days(1, now=NOW, tz=WIB), "registration",
                                                     ["ASK_NAME"])
    assert (today.reached, today.dropped) == (1, 1)
    assert await roll_up(db, NOW + timedelta(days=1)) == 1  # the day that just ended
    async with db.sessions() as s:
        (again,) = await chat_funnel.question_funnel(s, Window.last_days(2, now=NOW + timedelta(days=1), tz=WIB),
                                                     "registration", ["ASK_NAME"])
        assert await chat_funnel.rolled_through(s, WIB) == NOW.astimezone(WIB).date()
    assert again.reached == today.reached


async def test_a_day_is_summed_only_ten_minutes_after_it_ends(db: Database) -> None:
    midnight = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)  # 22 Nov 00:00 WIB
    await roll_up(db, midnight + timedelta(minutes=5))
    async with db.sessions() as s:
        assert await chat_funnel.rolled_through(s, WIB) == midnight.astimezone(WIB).date() - timedelta(days=2)
    await roll_up(db, midnight + timedelta(minutes=11))
    async with db.sessions() as s:
        assert await chat_funnel.rolled_through(s, WIB) == midnight.astimezone(WIB).date() - timedelta(days=1)


async def test_another_time_zone_reads_the_events_and_a_roll_up_in_it_starts_over(db: Database) -> None:
    await roll_up(db, NOW)
    wit = ZoneInfo("Asia/Jayapura")
    async with db.sessions() as s:
        assert await chat_funnel.rolled_through(s, wit) is None
    window = Window.last_days(30, now=NOW, tz=wit)
    async with db.sessions() as s:
        from_events = await chat_funnel.question_funnel(s, window, "registration", STATES)
    assert await roll_up(db, NOW, wit) == 45  # all the days again, as WIT sees them
    async with db.sessions() as s:
        assert await chat_funnel.question_funnel(s, window, "registration", STATES) == from_events
        assert await chat_funnel.rolled_through(s, WIB) is None
