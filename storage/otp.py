"""One-time codes: 6 digits, stored only as a keyed hash (HMAC-SHA256 with the secret key),
compared in constant time, never logged.

Rules (the seed's): valid 5 minutes for registration (10 for a portal login or a new number), 3 wrong
attempts burn the code (a reply without a single digit is no attempt), a new code only 60 s after the last one, at most 5 codes per
number per hour, each counted per purpose (codes requested for a registration through the
public API cannot use up a customer's portal logins).

They hold under concurrent requests: on PostgreSQL a guess locks the code's row, and a
request for a code takes a per-number advisory lock first, so parallel guesses or requests
are counted one after another (30 at once got about 25 tries, and 20 codes, without them).
SQLite's writers already take turns (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import OtpCode

MAX_ATTEMPTS = 3
RESEND_AFTER = timedelta(seconds=60)
PER_HOUR = 5
VALIDITY = {"registration": timedelta(minutes=5), "portal": timedelta(minutes=10), "phone_change": timedelta(minutes=10)}


class OtpRefused(StrEnum):
    TOO_SOON = "too_soon"  # wait before a new code
    TOO_MANY = "too_many"  # hourly limit reached


class OtpResult(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # attempts left
    BURNED = "burned"  # too many wrong attempts: request a new code
    EXPIRED = "expired"
    NONE = "none"  # no code was requested
    NOT_A_CODE = "not_a_code"  # no digits at all ("belum masuk"): not an attempt


@dataclass(frozen=True)
class IssuedCode:
    code: str  # to be sent to the customer, never stored or logged
    expires_at: datetime


@dataclass(frozen=True)
class Refusal:
    reason: OtpRefused
    retry_after: timedelta


@dataclass(frozen=True)
class Check:
    result: OtpResult
    attempts_left: int = 0


def _hash(secret_key: str, phone: str, purpose: str, code: str) -> str:
    message = f"{purpose}:{phone}:{code}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


async def _one_at_a_time(session: AsyncSession, phone: str, purpose: str) -> None:
    """PostgreSQL: hold this number's code requests until the transaction ends."""
    if session.bind.dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"otp:{purpose}:{phone}".encode(), digest_size=8).digest()
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": int.from_bytes(digest, "big", signed=True)})


async def issue(
    session: AsyncSession, *, phone: str, purpose: str, now: datetime, secret_key: str
) -> IssuedCode | Refusal:
    await _one_at_a_time(session, phone, purpose)
    last = (
        await session.execute(
            select(OtpCode.created_at)
            .where(OtpCode.phone == phone, OtpCode.purpose == purpose)
            .order_by(OtpCode.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if last is not None and now - last < RESEND_AFTER:
        return Refusal(OtpRefused.TOO_SOON, RESEND_AFTER - (now - last))
    hour_ago = now - timedelta(hours=1)
    recent = (
        await session.execute(
            select(func.count(), func.min(OtpCode.created_at)).where(
                OtpCode.phone == phone, OtpCode.purpose == purpose, OtpCode.created_at > hour_ago
            )
        )
    ).one()
    if recent[0] >= PER_HOUR:
        return Refusal(OtpRefused.TOO_MANY, recent[1] + timedelta(hours=1) - now)
    # A new code replaces any earlier one of the same purpose.
    await session.execute(
        update(OtpCode)
        .where(OtpCode.phone == phone, OtpCode.purpose == purpose, OtpCode.used_at.is_(None))
        .values(burned=True)
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    expires_at = now + VALIDITY.get(purpose, timedelta(minutes=5))
    session.add(
        OtpCode(
            phone=phone,
            purpose=purpose,
            code_hash=_hash(secret_key, phone, purpose, code),
            attempts=0,
            created_at=now,
            expires_at=expires_at,
            burned=False,
        )
    )
    await session.flush()
    return IssuedCode(code, expires_at)


async def verify(
    session: AsyncSession, *, phone: str, purpose: str, code: str, now: datetime, secret_key: str
) -> Check:
    row = (
        await session.execute(
            select(OtpCode)
            .where(OtpCode.phone == phone, OtpCode.purpose == purpose, OtpCode.used_at.is_(None))
            .order_by(OtpCode.created_at.desc())
            .limit(1)
            .with_for_update()  # a parallel guess waits, then sees this one's count
        )
    ).scalar_one_or_none()
    if row is None:
        return Check(OtpResult.NONE)
    if row.burned:
        return Check(OtpResult.BURNED)
    if now >= row.expires_at:
        return Check(OtpResult.EXPIRED)
    given = "".join(ch for ch in code if ch.isdigit())
    if not given:
        return Check(OtpResult.NOT_A_CODE, attempts_left=MAX_ATTEMPTS - row.attempts)
    expected = row.code_hash
    if len(given) == 6 and hmac.compare_digest(_hash(secret_key, phone, purpose, given), expected):
        row.used_at = now
        await session.flush()
        return Check(OtpResult.OK)
    row.attempts += 1
    if row.attempts >= MAX_ATTEMPTS:
        row.burned = True
        await session.flush()
        return Check(OtpResult.BURNED)
    await session.flush()
    return Check(OtpResult.WRONG, attempts_left=MAX_ATTEMPTS - row.attempts)


async def live_until(session: AsyncSession, *, phone: str, purpose: str, now: datetime) -> datetime | None:
    """When the code last sent to `phone` for `purpose` stops working; None when none works
    now (used, burned, expired or never sent). The code `verify` would check."""
    row = (
        await session.execute(
            select(OtpCode.expires_at, OtpCode.burned)
            .where(OtpCode.phone == phone, OtpCode.purpose == purpose, OtpCode.used_at.is_(None))
            .order_by(OtpCode.created_at.desc())
            .limit(1)
        )
    ).one_or_none()
    if row is None or row.burned or now >= row.expires_at:
        return None
    return row.expires_at


async def purge_expired(session: AsyncSession, now: datetime, keep: timedelta = timedelta(days=1)) -> int:
    from sqlalchemy import delete

    result = await session.execute(delete(OtpCode).where(OtpCode.expires_at < now - keep))
    return int(result.rowcount or 0)
