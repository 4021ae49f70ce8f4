"""Customers' requests to delete their personal data (UU 27/2022 PDP): one open request
per contact; staff complete it in the admin (`ispbot.erasure`). Only flushes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import DataDeletionRequest


async def open_of(session: AsyncSession, contact_key: str) -> DataDeletionRequest | None:
    rows = await session.execute(
        select(DataDeletionRequest)
        .where(DataDeletionRequest.contact_key == contact_key, DataDeletionRequest.status == "pending")
        .limit(1)
    )
    return rows.scalar_one_or_none()


async def open_request(
    session: AsyncSession, *, contact_key: str, phone: str | None, now: datetime
) -> DataDeletionRequest:
    request = DataDeletionRequest(contact_key=contact_key, phone=phone, status="pending", created_at=now, outcome={})
    session.add(request)
    await session.flush()
    return request


async def listing(session: AsyncSession, limit: int = 200) -> list[DataDeletionRequest]:
    """Pending requests first (oldest first), then the handled ones (newest first)."""
    pending = await session.execute(
        select(DataDeletionRequest).where(DataDeletionRequest.status == "pending")
        .order_by(DataDeletionRequest.id).limit(limit)
    )
    handled = await session.execute(
        select(DataDeletionRequest).where(DataDeletionRequest.status != "pending")
        .order_by(DataDeletionRequest.id.desc()).limit(limit)
    )
    return [*pending.scalars(), *handled.scalars()]
