"""The audit log: a row for every staff action and every view of a KTP photo."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ispbot.storage.models import AuditEntry, User


def record(
    session: AsyncSession,
    *,
    action: str,
    now: datetime,
    actor: User | None = None,
    actor_label: str | None = None,
    target_type: str | None = None,
    target_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor_user_id=actor.id if actor else None,
            actor_label=actor_label or (actor.username if actor else "system"),
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            detail=detail or {},
            ip=ip,
            created_at=now,
        )
    )
