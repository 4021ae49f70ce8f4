"""Time arithmetic inside SQL that reads the same on SQLite and PostgreSQL, for the
analytics' aggregate queries:

    seconds_between(a, b)          b − a in seconds (a float)
    local_clock(column, tz, span)  the column as local wall-clock time in `tz`
    local_day / local_day_hour     the local day (YYYY-MM-DD), or day and hour (YYYY-MM-DD HH)
    utc_hour                       the UTC hour, made local in Python (`local_hours_of`) where
                                   every offset of the span is whole hours: no conversion per row

PostgreSQL converts with its own time-zone database (`timezone(tz, column)`). SQLite has
none, so the UTC offsets `tz` takes within the queried span are read from zoneinfo and
written into the query as a CASE over the instants where the offset changes (for
Indonesia's zones, which keep no daylight saving, that is one constant offset).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, case, cast, extract, func, literal
from sqlalchemy.sql.elements import ColumnElement

from ispbot.storage.base import UTCDateTime


@dataclass(frozen=True)
class Span:
    """A half-open UTC interval [start, end)."""

    start: datetime
    end: datetime


def seconds_between(dialect: str, start: Any, end: Any) -> ColumnElement[float]:
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return extract("epoch", end - start)


def offset_changes(tz: ZoneInfo, span: Span) -> list[tuple[datetime, int]]:
    """[(from this instant, UTC offset in seconds), …] covering `span`, oldest first."""

    def offset(at: datetime) -> int:
        delta = at.astimezone(tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    changes = [(span.start, offset(span.start))]
    step, at = timedelta(hours=6), span.start
    while at < span.end:
        nxt = min(at + step, span.end)
        if offset(nxt) != changes[-1][1]:
            low, high = int(at.timestamp()), int(nxt.timestamp())  # bisect to the second it changes
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(_instant(middle)) == changes[-1][1] else (low, middle)
            changes.append((_instant(high), offset(_instant(high))))
        at = nxt
    return changes


def _instant(epoch_seconds: int) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, UTC)


def local_clock(dialect: str, column: Any, tz: ZoneInfo, span: Span) -> ColumnElement[Any]:
    if dialect != "sqlite":
        return func.timezone(tz.key, column)
    changes = offset_changes(tz, span)
    modifiers = [f"{seconds:+d} seconds" for _, seconds in changes]
    if len(changes) == 1:
        return func.datetime(column, modifiers[0])
    whens = [
        (column < literal(changes[n + 1][0], UTCDateTime()), modifiers[n]) for n in range(len(changes) - 1)
    ]
    return func.datetime(column, case(*whens, else_=modifiers[-1]))


def local_day(dialect: str, local: ColumnElement[Any]) -> ColumnElement[Any]:
    """The local calendar day, as text YYYY-MM-DD on both databases (see `as_date`)."""
    if dialect == "sqlite":
        return func.date(local)
    return func.to_char(local, "YYYY-MM-DD")


def local_day_hour(dialect: str, local: ColumnElement[Any]) -> ColumnElement[Any]:
    """The local day and hour, as text YYYY-MM-DD HH on both databases (see `as_day_hour`):
    one key per local hour, from which the day, the hour and the weekday all follow."""
    if dialect == "sqlite":
        return func.substr(local, 1, 13)
    return func.to_char(local, "YYYY-MM-DD HH24")


def as_day_hour(value: str) -> tuple[date, int]:
    return date.fromisoformat(value[:10]), int(value[11:13])


def prefix(column: Any, length: int) -> ColumnElement[str]:
    """The first `length` characters of a text column."""
    return cast(func.substr(column, 1, length), String)


def as_date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def whole_hours(tz: ZoneInfo, span: Span) -> bool:
    """Whether every UTC offset `tz` takes within `span` is a whole number of hours (all
    of Indonesia's; not India's or Nepal's): then a UTC hour is one local hour."""
    return all(seconds % 3600 == 0 for _, seconds in offset_changes(tz, span))


def utc_hour(dialect: str, column: Any) -> ColumnElement[Any]:
    """The UTC hour of a timestamp column: the first 13 characters of SQLite's stored text
    (YYYY-MM-DD HH), PostgreSQL's `date_trunc`. Cheaper per row than `local_clock`, whose
    datetime() or to_char() was most of an hourly aggregate's time."""
    if dialect == "sqlite":
        return func.substr(column, 1, 13)
    return func.date_trunc("hour", column)


def as_utc_hour(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromisoformat(value[:10] + "T" + value[11:13]).replace(tzinfo=UTC)


def local_hour_of(value: str | datetime, tz: ZoneInfo) -> tuple[date, int]:
    """A `utc_hour` value as the local (day, hour) it is in `tz` (see `whole_hours`)."""
    local = as_utc_hour(value).astimezone(tz)
    return local.date(), local.hour
