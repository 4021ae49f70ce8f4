"""Where in the chat customers give up: the question-by-question funnel of a flow, from
the `conversation_events` the flow engine writes (`asked` when a question is put,
`reprompt` when an answer is refused, `answered` when it is accepted, carrying the seconds
since the question was asked and how many answers were refused in between, and
`abandoned` when the reminder job drops a stale draft). Aggregate SQL only, SQLite and
PostgreSQL.

Per question, over the window:
- reached: times it was asked (a customer who comes back to it counts again), less the
  times the customer went back from it to the question before (`back`: no drop);
- answered: answers accepted;   reprompts: answers refused (each one counts);
- in_progress: conversations at this question now, active in the window;
- dropped: asked but neither answered nor still there: they typed *batal*, went to the
  menu or to CS, or the draft expired;
- median_seconds: the median time from the question being asked to its accepted answer;
- first_try (the OTP step): answers accepted with no refused answer before them.

Every count is a sum, so finished days are summed once by the `funnel-rollup` job into
`chat_funnel_days` (`roll_up`), and a window reads those sums plus the events of the days
not rolled up yet (today): a 90-day page reads about a thousand rows, not a million
events. The median is read from the answers themselves (index only).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.analytics import Window
from ispbot.storage.models import AnalyticsRollup, ChatFunnelDay, Conversation, ConversationEvent
from ispbot.storage.sql_time import Span, as_date, local_clock, local_day

E = ConversationEvent
D = ChatFunnelDay
ROLLUP = "chat-funnel"
OTP_STEPS = (("registration", "AWAIT_OTP"),)  # (flow, state) of each one-time-code question


@dataclass(frozen=True)
class QuestionStep:
    state: str
    reached: int
    answered: int
    dropped: int
    in_progress: int
    reprompts: int
    median_seconds: float | None

    @property
    def drop_rate(self) -> float | None:
        return round(100.0 * self.dropped / self.reached, 1) if self.reached else None


@dataclass(frozen=True)
class OtpStep(QuestionStep):
    flow: str = ""
    first_try: int = 0  # confirmed without a single wrong code


@dataclass(frozen=True)
class _Counts:
    asked: int = 0
    answered: int = 0
    reprompts: int = 0
    first_try: int = 0


async def question_funnel(
    session: AsyncSession, window: Window, flow: str, states: Sequence[str]
) -> list[QuestionStep]:
    """One row per state of `states`, in that order (states with no events give zeros)."""
    counts = await _counts(session, window, flow, states)
    waiting = await _in_progress(session, window, flow, states)
    medians = await _medians(session, window, flow, states)
    return [_step(state, counts.get(state, _Counts()), waiting.get(state, 0), medians.get(state))
            for state in states]


def _step(state: str, counts: _Counts, waiting: int, median: float | None) -> QuestionStep:
    dropped = max(counts.asked - counts.answered - waiting, 0)  # asked before the window, answered in it: no drop
    return QuestionStep(state, counts.asked, counts.answered, dropped, waiting, counts.reprompts, median)


async def otp_steps(session: AsyncSession, window: Window) -> list[OtpStep]:
    """The OTP question of each flow that asks for a one-time code."""
    result = []
    for flow, state in OTP_STEPS:
        counts = (await _counts(session, window, flow, [state])).get(state, _Counts())
        waiting = (await _in_progress(session, window, flow, [state])).get(state, 0)
        median = (await _medians(session, window, flow, [state])).get(state)
        step = _step(state, counts, waiting, median)
        result.append(OtpStep(**vars(step), flow=flow, first_try=counts.first_try))
    return result


# -- counts: rolled-up days + the events after them ---------------------------------------
async def _counts(
    session: AsyncSession, window: Window, flow: str, states: Sequence[str]
) -> dict[str, _Counts]:
    through = await rolled_through(session, window.tz)
    live_from = window.start
    totals: dict[str, Counter[str]] = {}
    if through is not None and through >= window.first_day:
        last = min(through, window.last_day)
        rows = await session.execute(
            select(D.state, func.sum(D.asked), func.sum(D.answered), func.sum(D.reprompts), func.sum(D.first_try))
            .where(D.flow == flow, D.state.in_(states), D.day >= window.first_day, D.day <= last)
            .group_by(D.state)
        )
        _add(totals, rows)
        live_from = _midnight(last + timedelta(days=1), window.tz)
    if live_from < window.end:
        rows = await session.execute(
            select(E.state, *_sums())
            .where(E.flow == flow, E.created_at >= live_from, E.created_at < window.end, E.state.in_(states))
            .group_by(E.state)
        )
        _add(totals, rows)
    return {state: _Counts(**c) for state, c in totals.items()}


def _add(totals: dict[str, Counter[str]], rows: Any) -> None:
    """Add rows of (state, asked, answered, reprompts, first_try) to `totals`."""
    for state, *sums in rows:
        counter = totals.setdefault(state, Counter())
        counter.update(dict(zip(("asked", "answered", "reprompts", "first_try"), (int(n or 0) for n in sums),
                                strict=True)))


def _sums() -> list[Any]:
    def times(condition: Any) -> Any:
        return func.sum(case((condition, 1), else_=0))

    # A question left with *kembali* was not given up on (the earlier one is asked again,
    # and this one after it): that asking does not count as reached.
    asked = func.sum(case((E.event == "asked", 1), (E.event == "back", -1), else_=0))
    return [asked, times(E.event == "answered"), times(E.event == "reprompt"),
            times(and_(E.event == "answered", E.retries == 0))]


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


async def _in_progress(
    session: AsyncSession, window: Window, flow: str, states: Sequence[str]
) -> dict[str, int]:
    """state → conversations waiting at it now that were active in the window."""
    C = Conversation
    rows = await session.execute(
        select(C.state, func.count())
        .where(C.flow == flow, C.state.in_(states), C.updated_at >= window.start, C.updated_at < window.end)
        .group_by(C.state)
    )
    return {state: int(n) for state, n in rows}


async def _medians(session: AsyncSession, window: Window, flow: str, states: Sequence[str]) -> dict[str, float]:
    """state → median seconds from the question being asked to its accepted answer."""
    answers = and_(E.flow == flow, E.created_at >= window.start, E.created_at < window.end,
                   E.state.in_(states), E.event == "answered", E.seconds.is_not(None))
    if session.bind.dialect.name == "postgresql":
        median = func.percentile_cont(0.5).within_group(E.seconds)
        rows = await session.execute(select(E.state, median).where(answers).group_by(E.state))
        return {state: round(float(secs), 1) for state, secs in rows}
    ranked = select(
        E.state, E.seconds,
        func.row_number().over(partition_by=E.state, order_by=E.seconds).label("rn"),
        func.count().over(partition_by=E.state).label("n"),
    ).where(answers).subquery()
    rows = await session.execute(
        select(ranked.c.state, func.avg(ranked.c.seconds))
        .where(ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
        .group_by(ranked.c.state)
    )
    return {state: round(float(secs), 1) for state, secs in rows}


# -- the roll-up ------------------------------------------------------------------------
async def rolled_through(session: AsyncSession, tz: ZoneInfo) -> date | None:
    """The last day summed into `chat_funnel_days` in `tz`'s days (None: nothing usable)."""
    mark = await session.get(AnalyticsRollup, ROLLUP)
    return mark.through_day if mark is not None and mark.tz == tz.key else None


async def roll_up(session: AsyncSession, now: datetime, tz: ZoneInfo) -> int:
    """Sum every finished day (up to yesterday in `tz`) not summed yet; returns how many
    days it summed. Idempotent: the days it sums are cleared first, and a change of time
    zone starts over."""
    # a day is summed from 10 minutes after its end, when its last answers have committed
    yesterday = (now - timedelta(minutes=10)).astimezone(tz).date() - timedelta(days=1)
    through = await rolled_through(session, tz)
    if through is None:
        await session.execute(delete(D))
        oldest = (await session.execute(select(func.min(E.created_at)))).scalar_one()
        first = oldest.astimezone(tz).date() if oldest is not None else yesterday
    else:
        first = through + timedelta(days=1)
    if first > yesterday:
        return 0
    span = Span(_midnight(first, tz), _midnight(yesterday + timedelta(days=1), tz))
    day = local_day(session.bind.dialect.name, local_clock(session.bind.dialect.name, E.created_at, tz, span))
    rows = (await session.execute(
        select(day, E.flow, E.state, *_sums())
        .where(E.created_at >= span.start, E.created_at < span.end)
        .group_by(day, E.flow, E.state)
    )).all()
    await session.execute(delete(D).where(D.day >= first, D.day <= yesterday))
    if rows:
        await session.execute(insert(D), [
            {"day": as_date(d), "flow": flow, "state": state, "asked": int(asked or 0), "answered": int(answered or 0),
             "reprompts": int(reprompts or 0), "first_try": int(first_try or 0)}
            for d, flow, state, asked, answered, reprompts, first_try in rows
        ])
    mark = await session.get(AnalyticsRollup, ROLLUP)
    if mark is None:
        session.add(AnalyticsRollup(name=ROLLUP, through_day=yesterday, tz=tz.key))
    else:
        mark.through_day, mark.tz = yesterday, tz.key
    return (yesterday - first).days + 1
