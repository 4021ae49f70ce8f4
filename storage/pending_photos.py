"""A photo a customer sent by chat, until the photo job has fetched it through the gateway
(bot/chat_photos.py): its column (a KTP's, a ticket's; 200 characters) holds
`pending:<gateway>:<media id or URL>`. A reference too long for the column (a signed S3
URL from Evolution runs to several hundred characters) is kept in pending_photos, and the
column holds `pending:<gateway>:#<row id>`. Whoever replaces or clears a pending value
forgets its kept reference (`forget`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import PendingPhoto

PENDING = "pending:"
COLUMN_LENGTH = 200


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


async def reference(session: AsyncSession, value: str) -> tuple[str, str] | None:
    """The gateway and its media reference that a pending value names; None when it names
    a kept reference that is gone."""
    _, provider, ref = value.split(":", 2)
    if (kept_id := _kept_id(value)) is None:
        return provider, ref
    kept = await session.get(PendingPhoto, kept_id)
    return (kept.provider, kept.reference) if kept is not None else None


async def forget(session: AsyncSession, value: str | None) -> None:
    """Delete the kept reference of a pending value (fetched, refused, erased); nothing for
    any other value."""
    if value and is_pending(value) and (kept_id := _kept_id(value)) is not None:
        await session.execute(delete(PendingPhoto).where(PendingPhoto.id == kept_id))
