"""Where in the chat customers give up: the question-by-question funnel of a flow, from
the `conversation_events` the flow engine writes (`asked` when a question is put,
`reprompt` when an answer is refused, `answered` when it is accepted, and `abandoned`
when the reminder job drops a stale draft). Aggregate SQL only, SQLite and PostgreSQL.

Per question, over the events in the window:
- reached: contacts asked it;          answered: contacts whose answer was accepted;
- reprompts: refused answers (each one counts);
- dropped: contacts whose last event of the flow is at this question and is not an
  accepted answer, and who are no longer in the flow there (they typed *batal*, went
  to the menu, or the draft expired); in_progress: the same but still there now;
- median_seconds: the median time from the question being asked to its accepted answer.

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
from ispbot.storage.sql_time import seconds_between

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
    stops = await _stops(session, window, flow, states)
    medians = await _medians(session, window, flow, states)
    return [
        QuestionStep(state, *counts.get(state, (0, 0, 0))[:2], *_dropped(stops.get(state, (0, 0))),
                     counts.get(state, (0, 0, 0))[2], medians.get(state))
        for state in states
    ]


def _dropped(stopped_here: tuple[int, int]) -> tuple[int, int]:
    stopped, still_there = stopped_here
    return stopped - still_there, still_there


async def _counts(
    session: AsyncSession, window: Window, flow: str, states: Sequence[str]
) -> dict[str, tuple[int, int, int]]:
    def contacts(event: str) -> Any:
        return func.count(func.distinct(case((E.event == event, E.contact_key))))

    rows = await session.execute(
        select(E.state, contacts("asked"), contacts("answered"), func.sum(case((E.event == "reprompt", 1), else_=0)))
        .where(_events(flow, window), E.state.in_(states)).group_by(E.state)
    )
    return {state: (int(asked), int(answered), int(reprompts or 0)) for state, asked, answered, reprompts in rows}


async def _stops(
    session: AsyncSession, window: Window, flow: str, states: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """state → (contacts whose last event stopped there, of whom still there now)."""
    newest_first = func.row_number().over(partition_by=E.contact_key, order_by=E.id.desc())
    ranked = select(E.contact_key, E.state, E.event, newest_first.label("rn")).where(_events(flow, window)).subquery()
    still_there = func.count(Conversation.id)
    rows = await session.execute(
        select(ranked.c.state, func.count(), still_there)
        .outerjoin(Conversation, and_(Conversation.contact_key == ranked.c.contact_key, Conversation.flow == flow,
                                      Conversation.state == ranked.c.state))
        .where(ranked.c.rn == 1, ranked.c.event != "answered", ranked.c.state.in_(states))
        .group_by(ranked.c.state)
    )
    return {state: (int(stopped), int(there)) for state, stopped, there in rows}


async def _medians(session: AsyncSession, window: Window, flow: str, states: Sequence[str]) -> dict[str, float]:
    """state → median seconds from the latest `asked` to each accepted answer."""
    dialect = session.bind.dialect.name
    asked_at = func.max(case((E.event == "asked", E.created_at))).over(
        partition_by=(E.contact_key, E.state), order_by=E.id, rows=(None, 0)
    )
    marked = (
        select(E.state, E.event, E.created_at, asked_at.label("asked_at"))
        .where(_events(flow, window), E.state.in_(states), E.event.in_(("asked", "answered")))
        .subquery()
    )
    timed = (
        select(marked.c.state, seconds_between(dialect, marked.c.asked_at, marked.c.created_at).label("secs"))
        .where(marked.c.event == "answered", marked.c.asked_at.is_not(None))
        .subquery()
    )
    ranked = select(
        timed.c.state, timed.c.secs,
        func.row_number().over(partition_by=timed.c.state, order_by=timed.c.secs).label("rn"),
        func.count().over(partition_by=timed.c.state).label("n"),
    ).subquery()
    rows = await session.execute(
        select(ranked.c.state, func.avg(ranked.c.secs))
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
