"""A photo a customer sent by chat, until the photo job has fetched it through the gateway
(bot/chat_photos.py): its column (a KTP's, a ticket's; 200 characters) holds
`pending:<gateway>:<media id or URL>`. A reference too long for the column (a signed S3
URL from Evolution runs to several hundred characters) is kept in pending_photos, and the
column holds `pending:<gateway>:#<row id>`. Whoever replaces or clears a pending value
forgets its kept reference (`forget`).

A fetch that fails is counted (`failed`): the reference is kept aside then if it was not
already (the column names its row from then on), with its attempts and the time it is
tried again, a few minutes later and longer each time (`RETRY_AFTER`). After the last
attempt, or on an answer that will never change (the media is gone), the photo is given
up: the caller clears the column and tells the customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import PendingPhoto

PENDING = "pending:"
COLUMN_LENGTH = 200
# The wait after each failed fetch: six attempts over some two and a half hours.
RETRY_AFTER = tuple(timedelta(minutes=m) for m in (5, 10, 20, 40, 80))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1


@dataclass(frozen=True)
class Pending:
    """What a pending value names: the gateway, its media reference, the fetches that
    failed so far and when the next may be made (None: at once)."""

    provider: str
    reference: str
    attempts: int = 0
    next_attempt_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        return self.next_attempt_at is None or self.next_attempt_at <= now


def is_pending(value: str | None) -> bool:
    return bool(value) and str(value).startswith(PENDING)


async def marker(session: AsyncSession, provider: str, reference: str, now: datetime) -> str:
    """The column's value for a photo still at the gateway."""
    value = f"{PENDING}{provider}:{reference}"
    if len(value) <= COLUMN_LENGTH and not reference.startswith("#"):
        return value
    kept = PendingPhoto(provider=provider, reference=reference, created_at=now)
    session.add(kept)
    await session.flush()
    return f"{PENDING}{provider}:#{kept.id}"


def _kept_id(value: str) -> int | None:
    ref = value.split(":", 2)[2] if value.count(":") >= 2 else ""
    return int(ref[1:]) if ref.startswith("#") and ref[1:].isdigit() else None


async def look_up(session: AsyncSession, value: str) -> Pending | None:
    """The gateway, media reference and attempts that a pending value names; None when it
    names a kept reference that is gone."""
    _, provider, ref = value.split(":", 2)
    if (kept_id := _kept_id(value)) is None:
        return Pending(provider, ref)
    kept = await session.get(PendingPhoto, kept_id)
    if kept is None:
        return None
    return Pending(kept.provider, kept.reference, kept.attempts, kept.next_attempt_at)


async def failed(session: AsyncSession, value: str, pending: Pending, now: datetime) -> str | None:
    """Count a failed fetch of the photo a pending value names. Returns the value its
    column holds from now on (naming the kept reference, which counts the attempts), or
    None when that was the last attempt: the kept reference is forgotten, the photo given
    up."""
    attempts = pending.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        await forget(session, value)
        return None
    retry_at = now + RETRY_AFTER[attempts - 1]
    kept = await session.get(PendingPhoto, kept_id) if (kept_id := _kept_id(value)) is not None else None
    if kept is None:
        kept = PendingPhoto(provider=pending.provider, reference=pending.reference, created_at=now)
        session.add(kept)
    kept.attempts, kept.next_attempt_at = attempts, retry_at
    await session.flush()
    return f"{PENDING}{kept.provider}:#{kept.id}"


async def forget(session: AsyncSession, value: str | None) -> None:
    """Delete the kept reference of a pending value (fetched, refused, erased); nothing for
    any other value."""
    if value and is_pending(value) and (kept_id := _kept_id(value)) is not None:
        await session.execute(delete(PendingPhoto).where(PendingPhoto.id == kept_id))
