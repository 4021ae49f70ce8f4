"""`/admin/audit`: the audit log, newest first, filtered by action and by who or what,
a keyset page at a time (admins and supervisors)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from sqlalchemy import or_, select

from ispbot.storage.identity import mask_niks_in
from ispbot.storage.models import AuditEntry
from ispbot.webadmin.auth import staff_view
from ispbot.webadmin.pages import render
from ispbot.webadmin.path_ids import row_id
from ispbot.webadmin.roles import Permission
from ispbot.webhooks import SERVICES

PAGE_SIZE = 100


@staff_view(Permission.VIEW_AUDIT)
async def audit_log(request: web.Request) -> web.StreamResponse:
    action = request.query.get("action", "").strip()[:60]
    who = request.query.get("who", "").strip()[:100]
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    if who:
        stmt = stmt.where(or_(AuditEntry.actor_label == who.lower(), AuditEntry.target_id == who.upper(),
                              AuditEntry.target_id == who))
    if (after := row_id(request.query.get("after", ""))) is not None:
        stmt = stmt.where(AuditEntry.id < after)
    async with request.app[SERVICES].db.reads() as session:
        rows = list((await session.execute(stmt)).scalars())
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render(request, "audit.html", {
        "entries": [(e, shown_detail(e.detail)) for e in rows],
        "action": action, "who": who, "next_after": rows[-1].id if more and rows else None, "nav": "audit",
    })


def shown_detail(detail: dict[str, Any] | None) -> str:
    """An entry's detail as the page shows it: JSON, with every NIK in its values masked
    first, as the registration's history masks it. (Masked after, a NIK typed over several
    lines of a note slipped through: JSON writes a line break as `\\n`, no separator.)"""
    return json.dumps(_masked(detail), ensure_ascii=False) if detail else ""


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_niks_in(value)
    if isinstance(value, dict):
        return {_masked(key): _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


def setup_audit_view(app: web.Application) -> None:
    app.router.add_get("/admin/audit", audit_log)
