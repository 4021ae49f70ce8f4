"""Finding registrations for the admin and the staff API: search, status filter, KPI
counts and keyset pagination, all in SQL so they stay fast at 100,000 rows.

The search term picks its column by its shape: `REG-…` → registration number prefix,
something with `@` → e-mail prefix, a number → what `search_terms` reads it as (a phone
from its start or by its last digits, a KTP number, a registration number without
`REG-`, or the last 3–4 digits of one), anything else → part of the name or e-mail.
Prefixes are range conditions on indexed columns, a phone's ending is found through the
index of its last four digits, a serial through the registration numbers of recent days;
the free-text case scans on SQLite (PostgreSQL has trigram indexes). Pages are keyset
pages ordered newest (or oldest) first on (created_at, id), so page 2,000 costs what
page 1 does.
"""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ispbot.storage.lifecycle import Status
from ispbot.storage.models import Registration, Ticket
from ispbot.storage.search_terms import (
    number_term,
    phone_condition,
    prefix,
    recent_registration_numbers,
    registration_serial,
)

PAGE_SIZE = 50
_REG_NUMBER = re.compile(r"REG-[\d-]*")


@dataclass(frozen=True)
class RegistrationFilter:
    search: str = ""
    status: str | None = None
    oldest_first: bool = False  # the queue as the SLA sees it: the longest waiting on top
    today: date | None = None  # the local day, for a registration's serial typed alone (search_terms)

    @property
    def active(self) -> bool:
        return bool(self.search.strip() or self.status)


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: int

    def encode(self) -> str:
        raw = f"{int(self.created_at.timestamp() * 1_000_000)}:{self.id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        if not text or len(text) > 64:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            micros, ident = raw.split(":")
            return cls(datetime.fromtimestamp(int(micros) / 1_000_000, UTC), int(ident))
        except (ValueError, UnicodeDecodeError):
            return None


@dataclass
class Page:
    rows: list[Registration]
    next_cursor: str | None = None  # the next page in the filter's order (older rows, newest first)
    prev_cursor: str | None = None  # the page before


@dataclass(frozen=True)
class Kpis:
    total: int
    pending_verification: int
    approved: int
    today: int
    by_status: dict[str, int] = field(default_factory=dict)


def search_condition(term: str, today: date | None = None) -> ColumnElement[bool] | None:
    text = " ".join(term.split())[:100]
    if not text:
        return None
    serial = registration_serial(text) if today is not None else None
    if serial is not None:  # "0061": REG-…-0061 of a recent day, or (four digits) a phone's ending
        recent = Registration.registration_number.in_(recent_registration_numbers(serial, today))
        short = number_term(text)
        return recent if short is None else or_(recent, phone_condition(Registration.phone, short))
    if _REG_NUMBER.fullmatch(text.upper()):
        return prefix(Registration.registration_number, text.upper())
    if "@" in text:
        return prefix(Registration.email, text.lower())
    number = number_term(text)
    if number is not None:
        if number.is_nik:  # the KTP number, or (rarely) a phone starting like one
            return or_(Registration.id_card_number == number.digits, phone_condition(Registration.phone, number))
        registration = number.registration_prefix
        if registration is not None:
            return prefix(Registration.registration_number, registration)
        return phone_condition(Registration.phone, number)
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(
        func.lower(Registration.full_name).like(pattern, escape="\\"),
        Registration.email.like(pattern, escape="\\"),
    )


def _filtered(stmt: Select[Any], flt: RegistrationFilter) -> Select[Any]:
    if flt.status:
        stmt = stmt.where(Registration.status == flt.status)
    condition = search_condition(flt.search, flt.today)
    if condition is not None:
        stmt = stmt.where(condition)
    return stmt


async def page(
    session: AsyncSession,
    flt: RegistrationFilter,
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int = PAGE_SIZE,
) -> Page:
    """One page in the filter's order (newest first, or oldest first): the rows after the
    cursor `after` (the next page), or before `before` (the previous one)."""
    key = tuple_(Registration.created_at, Registration.id)
    stmt = _filtered(select(Registration).options(selectinload(Registration.package)), flt)
    forward = (Registration.created_at.asc(), Registration.id.asc()) if flt.oldest_first \
        else (Registration.created_at.desc(), Registration.id.desc())
    backward = (Registration.created_at.desc(), Registration.id.desc()) if flt.oldest_first \
        else (Registration.created_at.asc(), Registration.id.asc())

    def beyond(cursor: Cursor, *, going_back: bool) -> ColumnElement[bool]:
        edge = tuple_(cursor.created_at, cursor.id)
        return key > edge if flt.oldest_first != going_back else key < edge

    next_from, previous_from = Cursor.decode(after), Cursor.decode(before)
    if previous_from is not None:
        stmt = stmt.where(beyond(previous_from, going_back=True)).order_by(*backward).limit(limit + 1)
        rows = list((await session.execute(stmt)).scalars())
        more_before = len(rows) > limit
        rows = list(reversed(rows[:limit]))
        result = Page(rows)
        result.prev_cursor = _cursor(rows[0]) if more_before and rows else None
        result.next_cursor = _cursor(rows[-1]) if rows else None
        return result
    if next_from is not None:
        stmt = stmt.where(beyond(next_from, going_back=False))
    stmt = stmt.order_by(*forward).limit(limit + 1)
    rows = list((await session.execute(stmt)).scalars())
    result = Page(rows[:limit])
    if len(rows) > limit:
        result.next_cursor = _cursor(result.rows[-1])
    if next_from is not None and result.rows:
        result.prev_cursor = _cursor(result.rows[0])
    return result


def _cursor(row: Registration) -> str:
    return Cursor(row.created_at, row.id).encode()


async def offset_page(
    session: AsyncSession, flt: RegistrationFilter, *, offset: int, limit: int
) -> list[Registration]:
    """Offset paging for the seed's API (`?page=&limit=`)."""
    stmt = _filtered(select(Registration).options(selectinload(Registration.package)), flt)
    stmt = stmt.order_by(Registration.created_at.desc(), Registration.id.desc()).offset(offset).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def count(session: AsyncSession, flt: RegistrationFilter) -> int:
    stmt = _filtered(select(func.count()).select_from(Registration), flt)
    return int((await session.execute(stmt)).scalar_one())


async def kpis(session: AsyncSession, *, today_start: datetime) -> Kpis:
    rows = await session.execute(select(Registration.status, func.count()).group_by(Registration.status))
    by_status = {status: int(n) for status, n in rows}
    today = await session.execute(
        select(func.count()).select_from(Registration).where(Registration.created_at >= today_start)
    )
    return Kpis(
        total=sum(by_status.values()),
        pending_verification=by_status.get(Status.PENDING_VERIFICATION.value, 0),
        approved=by_status.get(Status.APPROVED.value, 0),  # as its link lists them: approved, no customer yet
        today=int(today.scalar_one()),
        by_status=by_status,
    )


async def batches(
    session: AsyncSession, flt: RegistrationFilter, *, size: int = 1000, limit: int | None = None
) -> AsyncIterator[list[Registration]]:
    """Every matching row in the filter's order, a keyset batch at a time (exports)."""
    cursor: str | None = None
    seen = 0
    while True:
        chunk = await page(session, flt, after=cursor, limit=size)
        if limit is not None:
            chunk.rows = chunk.rows[: max(0, limit - seen)]
        if chunk.rows:
            yield chunk.rows
            seen += len(chunk.rows)
        if not chunk.next_cursor or (limit is not None and seen >= limit):
            return
        cursor = chunk.next_cursor


async def newest_id(session: AsyncSession) -> int:
    return int((await session.execute(select(func.coalesce(func.max(Registration.id), 0)))).scalar_one())


async def delete_registration(session: AsyncSession, registration: Registration) -> None:
    """Remove a registration and its history; its tickets stay, unlinked."""
    await session.execute(update(Ticket).where(Ticket.registration_id == registration.id).values(registration_id=None))
    await session.execute(delete(Registration).where(Registration.id == registration.id))
