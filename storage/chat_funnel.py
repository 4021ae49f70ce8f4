"""Where in the chat customers give up: the question-by-question funnel of a flow, from
the `conversation_events` the flow engine writes (`asked` when a question is put,
`reprompt` when an answer is refused, `answered` when it is accepted, with the seconds
since the question was asked, and `abandoned` when the reminder job drops a stale draft).
Aggregate SQL only, SQLite and PostgreSQL.

Per question, over the events in the window:
- reached: times it was asked (a customer who comes back to it counts again);
- answered: answers accepted;   reprompts: answers refused (each one counts);
- in_progress: conversations at this question now, active in the window;
- dropped: asked but neither answered nor still there: they typed *batal*, went to the
  menu or to CS, or the draft expired;
- median_seconds: the median time from the question being asked to its accepted answer.

Every count is a sum over the events (no window functions, no per-contact grouping), so a
90-day page reads one index range once, even at a million events.

The OTP step gets the same numbers plus how many confirmed on the first try.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.analytics import Window
from ispbot.storage.models import Conversation, ConversationEvent

E = ConversationEvent
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


def _events(flow: str, window: Window) -> Any:
    return and_(E.flow == flow, E.created_at >= window.start, E.created_at < window.end)


async def question_funnel(
    session: AsyncSession, window: Window, flow: str, states: Sequence[str]
) -> list[QuestionStep]:
    """One row per state of `states`, in that order (states with no events give zeros)."""
    counts = await _counts(session, window, flow, states)
    waiting = await _in_progress(session, window, flow, states)
    medians = await _medians(session, window, flow, states)
    steps = []
    for state in states:
        reached, answered, reprompts = counts.get(state, (0, 0, 0))
        there = waiting.get(state, 0)
        dropped = max(reached - answered - there, 0)  # asked just before the window, answered in it: not a drop
        steps.append(QuestionStep(state, reached, answered, dropped, there, reprompts, medians.get(state)))
    return steps


async def _counts(
    session: AsyncSession, window: Window, flow: str, states: Sequence[str]
) -> dict[str, tuple[int, int, int]]:
    def times(event: str) -> Any:
        return func.sum(case((E.event == event, 1), else_=0))

    rows = await session.execute(
        select(E.state, times("asked"), times("answered"), times("reprompt"))
        .where(_events(flow, window), E.state.in_(states)).group_by(E.state)
    )
    return {state: (int(asked or 0), int(answered or 0), int(reprompts or 0))
            for state, asked, answered, reprompts in rows}


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
    answers = and_(_events(flow, window), E.state.in_(states), E.event == "answered", E.seconds.is_not(None))
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


async def otp_steps(session: AsyncSession, window: Window) -> list[OtpStep]:
    """The OTP question of each flow that asks for a one-time code."""
    result = []
    for flow, state in OTP_STEPS:
        (step,) = await question_funnel(session, window, flow, [state])
        reprompted = func.sum(case((E.event == "reprompt", 1), else_=0))
        answered = func.sum(case((E.event == "answered", 1), else_=0))
        first = select(E.contact_key).where(_events(flow, window), E.state == state).group_by(E.contact_key).having(
            and_(reprompted == 0, answered > 0)
        ).subquery()
        first_try = (await session.execute(select(func.count()).select_from(first))).scalar_one()
        result.append(OtpStep(**vars(step), flow=flow, first_try=int(first_try)))
    return result
