"""Server-side staff sessions. The browser's cookie holds a random id; the table holds
only its SHA-256, so a leaked database cannot be replayed as cookies. Each session has
its own CSRF token. Only flushes; callers own the transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import StaffSession, User

LIFETIME = timedelta(hours=8)  # idle lifetime; every request within it extends it
EXTEND_AFTER = timedelta(minutes=5)  # how stale `expires_at` may get before it is rewritten


@dataclass(frozen=True)
class OpenedSession:
    cookie_value: str  # give to the browser, never store
    csrf_token: str
    expires_at: datetime


def hash_id(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


async def open_session(
    session: AsyncSession, user: User, *, now: datetime, ip: str | None
) -> OpenedSession:
    cookie_value = secrets.token_urlsafe(32)
    row = StaffSession(
        id_hash=hash_id(cookie_value),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + LIFETIME,
        ip=(ip or "")[:64] or None,
    )
    session.add(row)
    await session.flush()
    return OpenedSession(cookie_value, row.csrf_token, row.expires_at)


async def find(
    session: AsyncSession, cookie_value: str, *, now: datetime
) -> tuple[StaffSession, User] | None:
    """The live session and its active user, extending the session's idle lifetime."""
    if not cookie_value or len(cookie_value) > 100:
        return None
    found = (
        await session.execute(
            select(StaffSession, User)
            .join(User, User.id == StaffSession.user_id)
            .where(StaffSession.id_hash == hash_id(cookie_value))
        )
    ).one_or_none()
    if found is None:
        return None
    row, user = found
    if row.expires_at <= now or not user.is_active:
        return None
    if row.expires_at - now < LIFETIME - EXTEND_AFTER:
        row.expires_at = now + LIFETIME
        await session.flush()
    return row, user


async def close(session: AsyncSession, cookie_value: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.id_hash == hash_id(cookie_value)))


async def close_all_of(session: AsyncSession, user_id: int) -> None:
    """Sign a user out everywhere (deactivated, password reset)."""
    await session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
