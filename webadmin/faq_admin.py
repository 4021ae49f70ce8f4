"""The FAQ editor: the list (text and category filters, inactive entries shown dimmed) with
a "what would the bot answer?" try-out, create, edit and (de)activate. Every change is
audited. CS staff read; supervisors and admins edit (Permission.EDIT_FAQ)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ispbot.client_address import client_ip
from ispbot.storage import audit, faq, faq_entries
from ispbot.storage.faq_entries import FaqDraft, InvalidFaq
from ispbot.storage.identity import mask_niks_in
from ispbot.storage.models import FaqEntry
from ispbot.webadmin.auth import Refused, current, staff_view
from ispbot.webadmin.pages import redirect, render
from ispbot.webadmin.roles import Permission
from ispbot.webhooks import SERVICES

FIELDS = ("category", "question", "answer", "keywords", "sort_order")


@staff_view(Permission.VIEW_FAQ)
async def faq_list(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    text = request.query.get("q", "").strip()[:100]
    category = request.query.get("category", "").strip()[:40]
    trial = request.query.get("try", "").strip()[:300]
    async with services.db.sessions() as session:
        entries = await faq_entries.listing(session, text=text, category=category)
        categories = await faq_entries.all_categories(session)
        matches = faq.search(await faq.active_entries(session), trial) if trial else []
    return render(request, "faq/list.html", {
        "entries": entries, "categories": categories, "filter": {"q": text, "category": category},
        "trial": trial, "matches": matches, "nav": "faq",
    })


async def _entry(request: web.Request, session: Any) -> FaqEntry:
    found = await faq_entries.by_id(session, int(request.match_info["id"]))
    if found is None:
        raise Refused(404, "Entri FAQ tidak ditemukan")
    return found


def _form_page(
    request: web.Request, entry: FaqEntry | None, values: dict[str, Any], categories: list[str],
    errors: dict[str, str] | None = None,
) -> web.Response:
    return render(request, "faq/form.html", {
        "entry": entry, "values": values, "errors": errors or {}, "categories": categories, "nav": "faq",
        "editable": current(request).can(Permission.EDIT_FAQ),
    }, status=422 if errors else 200)


@staff_view(Permission.EDIT_FAQ)
async def new_form(request: web.Request) -> web.StreamResponse:
    async with request.app[SERVICES].db.sessions() as session:
        categories = await faq_entries.all_categories(session)
    return _form_page(request, None, {"category": request.query.get("category", "")[:40]}, categories)


@staff_view(Permission.EDIT_FAQ)
async def create(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    form = {k: str(v) for k, v in (await request.post()).items() if k in FIELDS}
    async with services.db.transaction() as session:
        try:
            draft = FaqDraft.read(form)
        except InvalidFaq as invalid:
            return _form_page(request, None, form, await faq_entries.all_categories(session), invalid.errors)
        now = services.clock.now()
        entry = await faq_entries.create(session, draft, now)
        audit.record(session, action="faq.create", now=now, actor=current(request).user, ip=client_ip(request),
                     target_type="faq", target_id=entry.id, detail={"category": entry.category,
                                                                     "question": entry.question})
    return redirect(request, f"/admin/faq/{entry.id}", "Entri FAQ ditambahkan.")


@staff_view(Permission.VIEW_FAQ)
async def edit_form(request: web.Request) -> web.StreamResponse:
    async with request.app[SERVICES].db.sessions() as session:
        entry = await _entry(request, session)
        categories = await faq_entries.all_categories(session)
    return _form_page(request, entry, {name: getattr(entry, name) for name in FIELDS}, categories)


@staff_view(Permission.EDIT_FAQ)
async def update(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    form = {k: str(v) for k, v in (await request.post()).items() if k in FIELDS}
    async with services.db.transaction() as session:
        entry = await _entry(request, session)
        try:
            draft = FaqDraft.read(form)
        except InvalidFaq as invalid:
            return _form_page(request, entry, form, await faq_entries.all_categories(session), invalid.errors)
        now = services.clock.now()
        changed = faq_entries.update(entry, draft, now)
        if changed:
            audit.record(session, action="faq.update", now=now, actor=current(request).user, ip=client_ip(request),
                         target_type="faq", target_id=entry.id,
                         detail={name: {"from": _audited(b), "to": _audited(a)} for name, (b, a) in changed.items()})
    return redirect(request, f"/admin/faq/{entry.id}", "Perubahan disimpan." if changed else "Tidak ada perubahan.")


@staff_view(Permission.EDIT_FAQ)
async def set_active(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    active = str((await request.post()).get("active", "")) == "1"
    async with services.db.transaction() as session:
        entry = await _entry(request, session)
        now = services.clock.now()
        if faq_entries.set_active(entry, active, now):
            audit.record(session, action="faq.activate" if active else "faq.deactivate", now=now,
                         actor=current(request).user, ip=client_ip(request), target_type="faq", target_id=entry.id,
                         detail={"question": entry.question})
    message = "Entri diaktifkan lagi; bot menawarkannya kembali." if active else \
        "Entri dinonaktifkan; bot tidak menawarkannya lagi."
    return redirect(request, f"/admin/faq/{entry.id}", message)


def setup_faq_admin(app: web.Application) -> None:
    app.router.add_get("/admin/faq", faq_list)
    app.router.add_post("/admin/faq", create)
    app.router.add_get("/admin/faq/new", new_form)
    app.router.add_get(r"/admin/faq/{id:\d+}", edit_form)
    app.router.add_post(r"/admin/faq/{id:\d+}", update)
    app.router.add_post(r"/admin/faq/{id:\d+}/active", set_active)


def _audited(value: object) -> str:
    """A field's value as the audit log keeps it: NIKs masked before it is cut to 200
    characters (cut first, a NIK across the cut would keep up to 15 digits unmasked)."""
    return mask_niks_in(str(value))[:200]
