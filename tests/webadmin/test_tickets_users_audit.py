"""Tickets (assign, status, WhatsApp), users and API tokens, the audit log, exports and
the live event stream."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from aiohttp import web
from openpyxl import load_workbook
from sqlalchemy import select

from ispbot.app import create_app
from ispbot.storage.models import AuditEntry, Registration, Ticket, User
from ispbot.webadmin.events import POLL_SECONDS
from tests.conftest import Harness
from tests.fakes import FakeGateway
from tests.webadmin.support import (
    PASSWORD,
    Browser,
    make_registration,
    refused,
    status_of,
    to_customer,
)


async def survey_ticket(h: Harness, browser: Browser) -> Ticket:
    registration = await make_registration(h)
    await browser.post(f"/admin/registrations/{registration.id}/actions/verify")
    await browser.post(f"/admin/registrations/{registration.id}/actions/schedule_survey",
                       {"survey_date": "2026-11-25T09:00"})
    async with h.services.db.sessions() as session:
        return (await session.execute(select(Ticket))).scalar_one()


async def test_ticket_list_filters_and_detail(h: Harness, cs: Browser) -> None:
    ticket = await survey_ticket(h, cs)
    page = await cs.page("/admin/tickets?kind=survey&status=open")
    assert ticket.ticket_number in page and "Survey lokasi" in page
    assert ticket.ticket_number not in await cs.page("/admin/tickets?kind=installation")
    assert ticket.ticket_number in await cs.page("/admin/tickets?assigned=none")
    detail = await cs.page(f"/admin/tickets/{ticket.id}")
    assert "Budi Santoso" in detail and "Teknisi Budi (teknisi)" in detail
    assert (await cs.get("/admin/tickets/999")).status == 404


async def test_assign_and_status_changes_tell_the_customer(h: Harness, cs: Browser) -> None:
    ticket = await survey_ticket(h, cs)
    async with h.services.db.sessions() as session:
        tech = (await session.execute(select(User).where(User.username == "tech"))).scalar_one()
    base = f"/admin/tickets/{ticket.id}"
    assert "ditugaskan ke Teknisi Budi" in await cs.follow(await cs.post(f"{base}/assign", {"user_id": str(tech.id)}))
    assert ticket.ticket_number in await cs.page(f"/admin/tickets?assigned={tech.id}")
    page = await cs.follow(await cs.post(f"{base}/status", {"status": "in_progress", "note": "Teknisi berangkat"}))
    assert "Dikerjakan" in page and "Teknisi berangkat" in page
    refused = await cs.follow(await cs.post(f"{base}/status", {"status": "flying"}))
    assert "tidak dapat diubah" in refused
    h.clock.advance(days=4)  # the survey's day
    await cs.login("cs")
    page = await cs.follow(await cs.post(f"{base}/status", {"status": "resolved", "note": "Lokasi terjangkau"}))
    assert "ditandai selesai" in page
    await h.settle()
    texts = h.gateway.texts_to("6281200000101")
    assert "Teknisi *Teknisi Budi* telah ditugaskan" in texts[-3]
    assert "kini berstatus: *Dikerjakan*" in texts[-2] and "Teknisi berangkat" in texts[-2]
    # the technician's survey done is the registration's: the seed's message, not "ticket resolved"
    assert "Survey lokasi telah selesai" in texts[-1]
    async with h.services.db.sessions() as session:
        actions = list((await session.execute(select(AuditEntry.action))).scalars())
        registration = (await session.execute(select(Registration))).scalar_one()
    assert registration.status == "survey_completed"
    assert actions.count("ticket.status") == 2 and "ticket.assign" in actions
    assert "registration.complete_survey" in actions


async def test_the_survey_ticket_follows_its_registration(h: Harness, cs: Browser) -> None:
    """No technician is sent to a registration that was rejected, and the survey marked done
    on the registration resolves its ticket."""
    rejected = await survey_ticket(h, cs)
    await cs.post(f"/admin/registrations/{rejected.registration_id}/actions/reject", {"reason": "Di luar area"})
    other = await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102")
    base = f"/admin/registrations/{other.id}"
    await cs.post(f"{base}/actions/verify")
    await cs.post(f"{base}/actions/schedule_survey", {"survey_date": "2026-11-21T15:00"})  # later today
    page = await cs.follow(await cs.post(f"{base}/actions/complete_survey"))
    assert "Persetujuan dilakukan oleh supervisor" in page  # CS may not approve: they are told who does
    async with h.services.db.sessions() as session:
        states = dict((await session.execute(select(Ticket.registration_id, Ticket.status))).all())
    assert states == {rejected.registration_id: "closed", other.id: "resolved"}
    assert rejected.ticket_number not in await cs.page("/admin/tickets?status=open")


async def test_a_survey_is_done_on_its_day_whichever_page_marks_it(h: Harness, cs: Browser) -> None:
    """The registration's button refused a survey on a later day while its ticket, resolved,
    marked it done and moved the survey date to that moment (the /track page then showed a
    survey date the customer was never given)."""
    ticket = await survey_ticket(h, cs)  # planned for Wednesday 25 November 09.00; today is Saturday
    page = await cs.page(f"/admin/registrations/{ticket.registration_id}")
    assert 'data-not-now="complete_survey"' in page and "actions/complete_survey" not in page
    assert "tandai selesai pada hari survey dilakukan. Jadwalnya 25 Nov 2026, 09.00" in page
    assert "tandai selesai pada hari survey" in await cs.page(f"/admin/tickets/{ticket.id}")
    refused = await cs.follow(await cs.post(f"/admin/tickets/{ticket.id}/status", {"status": "resolved"}))
    assert "tandai selesai pada hari survey" in refused
    async with h.services.db.sessions() as session:
        assert (await session.get(Ticket, ticket.id)).status == "open"  # type: ignore[union-attr]
    assert await status_of(h, ticket.registration_id) == "survey_scheduled"  # type: ignore[arg-type]

    h.clock.advance(days=4, hours=-2)  # Wednesday, 08.00: the technician is early, on the right day
    await cs.login("cs")
    assert "actions/complete_survey" in await cs.page(f"/admin/registrations/{ticket.registration_id}")
    done = await cs.follow(await cs.post(f"/admin/tickets/{ticket.id}/status", {"status": "resolved"}))
    assert "ditandai selesai" in done
    async with h.services.db.sessions() as session:
        registration = (await session.execute(select(Registration))).scalar_one()
    assert registration.status == "survey_completed" and registration.survey_completed_at == h.clock.now()
    track = await (await h.client.get(f"/track/{registration.registration_number}")).text()
    assert "Survey: <strong>25 Nov 2026, 09.00</strong>" in track  # the date the customer was given


async def test_admin_manages_users(h: Harness, admin: Browser, browser_factory: Callable[..., Any]) -> None:
    response = await admin.post("/admin/users", {"username": "Rina", "full_name": "Rina CS", "role": "cs",
                                                 "password": "rina-password-1"})
    page = await admin.follow(response)
    assert "Pengguna rina dibuat" in page
    user_path = response.headers["Location"]
    duplicate = await refused(await admin.post("/admin/users", {"username": "rina", "role": "cs",
                                                                "password": "rina-password-1"}))
    assert "sudah dipakai" in duplicate
    short = await refused(await admin.post("/admin/users", {"username": "xy", "role": "cs", "password": "short"}))
    assert "minimal 10 karakter" in short
    blank = await refused(await admin.post("/admin/users", {"username": "xy", "role": "cs", "password": " " * 12}))
    assert "spasi tidak dihitung" in blank
    look_alike = await refused(await admin.post("/admin/users", {"username": "rinа", "role": "cs",  # Cyrillic а
                                                                 "password": "rina-password-1"}))
    assert "huruf a–z" in look_alike
    async with h.services.db.sessions() as session:
        assert (await session.execute(select(User.username).where(User.username.in_(("xy", "rinа"))))).first() is None
    rina: Browser = await browser_factory()
    assert (await rina.login("rina", "rina-password-1")).status == 303
    await admin.post(user_path, {"full_name": "Rina CS", "role": "supervisor", "is_active": "1"})
    async with h.services.db.sessions() as session:
        assert (await session.execute(select(User.role).where(User.username == "rina"))).scalar_one() == "supervisor"
    await admin.post(user_path, {"full_name": "Rina CS", "role": "supervisor"})  # unticked: deactivated
    assert (await rina.get("/admin/registrations")).status == 303  # signed out at once


async def test_admin_cannot_lock_themself_out(h: Harness, admin: Browser) -> None:
    async with h.services.db.sessions() as session:
        me = (await session.execute(select(User).where(User.username == "admin"))).scalar_one()
    page = await refused(await admin.post(f"/admin/users/{me.id}", {"role": "cs", "is_active": "1"}))
    assert "tidak dapat menurunkan peran" in page


def form_of(page: str, action: str) -> str:
    start = page.index(f'action="{action}"')
    return page[start:page.index("</form>", start)]


async def test_a_refused_new_user_comes_back_as_typed_but_the_password(h: Harness, admin: Browser) -> None:
    """A mistyped username wiped the full name, the phone and the role."""
    sent = {"username": "rina cs", "full_name": "Rina Kartika", "phone": "0812-3456-7890", "role": "supervisor",
            "is_technician": "1", "password": "rina-password-1"}
    form = form_of(await refused(await admin.post("/admin/users", sent)), "/admin/users")
    assert "huruf a–z" in form
    assert 'value="rina cs"' in form and 'value="Rina Kartika"' in form and 'value="0812-3456-7890"' in form
    assert '<option value="supervisor" selected>' in form and 'name="is_technician" value="1" checked' in form
    assert "rina-password-1" not in form and 'name="csrf_token"' in form
    page = form_of(await refused(await admin.post("/admin/users", {**sent, "username": "rina", "phone": "12345"})),
                   "/admin/users")
    assert "Nomor WhatsApp tidak valid" in page and 'value="Rina Kartika"' in page and 'value="12345"' in page
    assert "Rina Kartika" not in await admin.page("/admin/users")  # not made, and a fresh form is blank
    assert "Pengguna rina dibuat" in await admin.follow(await admin.post("/admin/users", {**sent, "username": "rina"}))


async def test_a_refused_user_edit_keeps_what_was_changed(h: Harness, admin: Browser) -> None:
    """A mistyped phone reverted the edited name."""
    async with h.services.db.sessions() as session:
        cs_user = (await session.execute(select(User).where(User.username == "cs"))).scalar_one()
    path = f"/admin/users/{cs_user.id}"
    sent = {"full_name": "Dewi Lestari", "phone": "12345", "role": "supervisor", "is_technician": "1"}
    form = form_of(await refused(await admin.post(path, sent)), path)
    assert "Nomor WhatsApp tidak valid" in form
    assert 'value="Dewi Lestari"' in form and 'value="12345"' in form
    assert '<option value="supervisor" selected>' in form
    assert 'name="is_active" value="1" checked' not in form  # unticked as sent, not re-ticked from the saved user
    async with h.services.db.sessions() as session:
        unchanged = await session.get(User, cs_user.id)
    assert unchanged is not None and unchanged.full_name == "Staf Cs" and unchanged.role == "cs" and unchanged.is_active


async def test_api_token_is_shown_once_and_works(h: Harness, admin: Browser) -> None:
    async with h.services.db.sessions() as session:
        cs_user = (await session.execute(select(User).where(User.username == "cs"))).scalar_one()
    form = await admin.page(f"/admin/users/{cs_user.id}")
    seen = re.search(r'name="replaces" value="([0-9a-f]+)"', form)
    assert seen
    response = await admin.post(f"/admin/users/{cs_user.id}/token", {"replaces": seen[1]})
    page = await response.text()
    token = re.search(r"data-token>(isp_[^<]+)<", page)
    assert response.status == 200 and token and response.headers["Cache-Control"] == "no-store"
    assert token[1] not in await admin.page(f"/admin/users/{cs_user.id}")
    # The page that showed it, reloaded (the browser sends the form again): the token just
    # handed out stays the user's, and the page says why no new one is shown.
    again = await admin.follow(await admin.post(f"/admin/users/{cs_user.id}/token", {"replaces": seen[1]}))
    assert "hanya ditampilkan sekali; token itu tetap berlaku" in again and "data-token>" not in again
    api = await h.client.get("/api/registrations", headers={"Authorization": f"Bearer {token[1]}"})
    assert api.status == 200
    await admin.post(f"/admin/users/{cs_user.id}/token/revoke")
    assert (await h.client.get("/api/registrations", headers={"Authorization": f"Bearer {token[1]}"})).status == 401


async def test_password_reset_and_unlock(h: Harness, admin: Browser, browser_factory: Callable[..., Any]) -> None:
    async with h.services.db.sessions() as session:
        cs_user = (await session.execute(select(User).where(User.username == "cs"))).scalar_one()
    locked: Browser = await browser_factory()
    for _ in range(5):
        await locked.login("cs", "wrong-password")
    assert "Terkunci" in await admin.page("/admin/users")
    await admin.post(f"/admin/users/{cs_user.id}", {"unlock": "1"})
    assert (await locked.login("cs", PASSWORD)).status == 303
    await admin.post(f"/admin/users/{cs_user.id}/password", {"password": "brand-new-password"})
    assert (await locked.get("/admin/registrations")).status == 303
    assert (await locked.login("cs", "brand-new-password")).status == 303


async def api_token_of(admin: Browser, user_id: int) -> str:
    """A new API token for the user, made on their page as an admin makes one."""
    seen = re.search(r'name="replaces" value="([0-9a-f]+)"', await admin.page(f"/admin/users/{user_id}"))
    assert seen
    token = re.search(r"data-token>(isp_[^<]+)<", await (await admin.post(f"/admin/users/{user_id}/token",
                                                                          {"replaces": seen[1]})).text())
    assert token
    return token[1]


async def test_a_password_reset_revokes_the_api_token_too(h: Harness, admin: Browser) -> None:
    """An admin resets a password when the account may be someone else's: whoever had it
    keeps no way in, neither a session nor the API token."""
    async with h.services.db.sessions() as session:
        cs_user = (await session.execute(select(User).where(User.username == "cs"))).scalar_one()
    bearer = {"Authorization": f"Bearer {await api_token_of(admin, cs_user.id)}"}
    assert (await h.client.get("/api/registrations", headers=bearer)).status == 200
    assert "token API-nya dicabut" in await admin.page(f"/admin/users/{cs_user.id}")
    page = await admin.follow(await admin.post(f"/admin/users/{cs_user.id}/password", {"password": "brand-new-password"}))
    assert "Kata sandi diganti" in page and "Token API juga dicabut" in page
    assert (await h.client.get("/api/registrations", headers=bearer)).status == 401
    assert "Belum ada token." in page
    again = await admin.follow(await admin.post(f"/admin/users/{cs_user.id}/password", {"password": "another-new-password"}))
    assert "Kata sandi diganti" in again and "Token API juga dicabut" not in again  # none to revoke
    async with h.services.db.sessions() as session:
        details = list((await session.execute(
            select(AuditEntry.detail).where(AuditEntry.action == "user.password").order_by(AuditEntry.id))).scalars())
    assert [d.get("token_revoked") for d in details] == [True, False]


async def test_changing_ones_own_password_keeps_the_api_token_and_says_so(
    h: Harness, admin: Browser, cs: Browser
) -> None:
    async with h.services.db.sessions() as session:
        cs_user = (await session.execute(select(User).where(User.username == "cs"))).scalar_one()
    bearer = {"Authorization": f"Bearer {await api_token_of(admin, cs_user.id)}"}
    assert "Token API Anda tetap berlaku" in await cs.page("/admin/account")
    form = {"current": PASSWORD, "password": "my-own-password-1", "password_again": "my-own-password-1"}
    done = await cs.follow(await cs.post("/admin/account/password", form))
    assert "Kata sandi diganti" in done and "Token API Anda tetap berlaku" in done
    assert (await h.client.get("/api/registrations", headers=bearer)).status == 200


async def test_audit_log_lists_and_filters(h: Harness, admin: Browser) -> None:
    registration = await make_registration(h)
    await admin.post(f"/admin/registrations/{registration.id}/actions/verify", {"note": "ok <b>"})
    page = await admin.page("/admin/audit")
    assert "registration.verify" in page and "login" in page and "ok &lt;b&gt;" in page
    filtered = await admin.page(f"/admin/audit?who={registration.registration_number}")
    assert "registration.verify" in filtered and ">login<" not in filtered


async def test_exports_mask_the_nik_and_defuse_formulas(h: Harness, cs: Browser) -> None:
    await make_registration(h, full_name="Budi Santoso", notes="x")
    await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102",
                            address="=HYPERLINK(\"http://evil\")")
    response = await cs.get("/admin/registrations/export.csv?q=siti")
    assert response.status == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][3] == "Siti Aminah"
    assert rows[1][7] == "3273********0001" and rows[1][8].startswith("'=")
    xlsx = await cs.get("/admin/registrations/export.xlsx")
    sheet = load_workbook(io.BytesIO(await xlsx.read()), read_only=True).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "No. Registrasi" and len(values) == 3
    assert all(not str(v).startswith("=") for r in values for v in r if v is not None)
    async with h.services.db.sessions() as session:
        exports = list((await session.execute(select(AuditEntry).where(AuditEntry.action == "registration.export"))).scalars())
    assert [e.detail["rows"] for e in exports] == [1, 2]


async def test_live_events_announce_new_registrations_and_changes(h: Harness, cs: Browser) -> None:
    response = await cs.http.get(cs.url("/admin/events"), headers={"Accept": "text/event-stream"})
    assert response.status == 200 and response.headers["Content-Type"] == "text/event-stream"

    async def next_event(name: str) -> str:
        while True:
            line = (await asyncio.wait_for(response.content.readline(), timeout=10)).decode()
            if line.strip() == f"event: {name}":
                return (await response.content.readline()).decode()

    await next_event("ready")
    registration = await make_registration(h)
    created = await next_event("registration")
    assert '"kind": "created"' in created and registration.registration_number in created
    await cs.post(f"/admin/registrations/{registration.id}/actions/verify")
    changed = await next_event("registration")
    assert '"status": "verified"' in changed
    response.close()
    anonymous = await h.client.get("/admin/events", headers={"Accept": "text/event-stream"})
    assert anonymous.status == 401


async def test_a_note_in_a_registrations_history_is_announced_as_a_note_not_a_status_change(
    h: Harness, cs: Browser
) -> None:
    """A note (the KTP photo that never came) is a history row whose status stays: it was
    announced like a change, "REG-…: Menunggu Verifikasi", as if the status had moved. A
    survey moved to another day keeps the status too, and is still a status event."""
    from datetime import timedelta

    from ispbot.storage import registrations

    response = await cs.http.get(cs.url("/admin/events"), headers={"Accept": "text/event-stream"})

    async def next_event(name: str) -> dict[str, Any]:
        while True:
            line = (await asyncio.wait_for(response.content.readline(), timeout=10)).decode()
            if line.strip() == f"event: {name}":
                data = (await response.content.readline()).decode().removeprefix("data: ")
                return json.loads(data)  # type: ignore[no-any-return]

    await next_event("ready")
    registration = await make_registration(h)
    await next_event("registration")  # created
    async with h.services.db.transaction() as session:
        await registrations.add_note(session, await session.get_one(Registration, registration.id),
                                     "Foto KTP tidak bisa diambil", now=h.clock.now())
    note = await next_event("registration")
    assert note["kind"] == "note" and note["registration_number"] == registration.registration_number
    assert "status_label" not in note and "Foto KTP" not in json.dumps(note)  # the note stays on its page
    base = f"/admin/registrations/{registration.id}"
    await cs.post(f"{base}/actions/verify")
    assert (await next_event("registration"))["kind"] == "status"
    survey = (h.clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT09:00")
    later = (h.clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT09:00")
    await cs.post(f"{base}/actions/schedule_survey", {"survey_date": survey})
    await next_event("registration")
    await cs.post(f"{base}/actions/schedule_survey", {"survey_date": later})
    moved = await next_event("registration")
    assert moved["kind"] == "status" and moved["status_label"] == "Survey Dijadwalkan"
    response.close()


class StreamEnded(logging.Handler):
    """Set once the events stream (or aiohttp on its behalf) has logged how it ended."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.ended = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.name in ("ispbot.webadmin.events", "aiohttp.server"):
            self.ended.set()


@contextlib.asynccontextmanager
async def served_as_in_production(h: Harness) -> AsyncIterator[tuple[int, StreamEnded]]:
    """A second instance of the app on the same database, run as `ispbot serve` runs it:
    aiohttp's test server cancels a handler whose client left, which hides what a closed
    tab does to a handler that keeps running."""
    app = create_app(h.services.settings, clock=h.clock, transport=FakeGateway().transport(), background=False)
    app[POLL_SECONDS] = 0.01
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    watcher = StreamEnded()
    logging.getLogger().addHandler(watcher)
    try:
        yield runner.addresses[0][1], watcher
    finally:
        logging.getLogger().removeHandler(watcher)
        await runner.cleanup()


async def open_stream(port: int, cs: Browser) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    cookies = "; ".join(f"{c.key}={c.value}" for c in cs.http.cookie_jar)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /admin/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                 f"Cookie: {cookies}\r\n\r\n".encode())
    return reader, writer


@pytest.mark.parametrize("when", ["while it opens", "while it streams"])
async def test_a_closed_tab_ends_its_live_stream_quietly(
    h: Harness, cs: Browser, caplog: pytest.LogCaptureFixture, when: str
) -> None:
    """Every closed tab logged a full ERROR traceback ("Cannot write to closing transport")."""
    caplog.set_level(logging.DEBUG, logger="ispbot.webadmin.events")
    async with served_as_in_production(h) as (port, watcher):
        reader, writer = await open_stream(port, cs)
        if when == "while it opens":
            writer.write_eof()  # gone before the stream's first byte
        else:
            assert b"200 OK" in await asyncio.wait_for(reader.readline(), timeout=10)
            writer.close()
        await make_registration(h)  # an event for a stream that is no longer read
        await asyncio.wait_for(watcher.ended.wait(), timeout=10)
        writer.close()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert "the browser closed the stream" in caplog.text


async def test_a_support_ticket_shows_its_category_and_channel_in_words(h: Harness, cs: Browser) -> None:
    from ispbot.storage import tickets

    async with h.services.db.transaction() as session:
        ticket = await tickets.open_ticket(
            session, kind="support", now=h.clock.now(), timezone=h.services.settings.tz,
            subject="Internet mati: sejak pagi", description="sejak pagi, lampu LOS merah", category="no_internet",
            contact_phone="6281200000101", created_via="whatsapp")
    detail = await cs.page(f"/admin/tickets/{ticket.id}")
    assert "Internet mati" in detail and "no_internet" not in detail
    assert "lewat WhatsApp" in detail


async def test_numbers_too_large_for_the_database_are_refused_not_a_500(h: Harness, admin: Browser) -> None:
    huge = "99999999999999999999"
    for path in ("tickets", "invoices", "customers", "audit"):
        response = await admin.get(f"/admin/{path}?after={huge}")
        assert response.status == 200, path
    assert (await admin.get(f"/admin/tickets?assigned={huge}")).status == 200
    ticket = await survey_ticket(h, admin)
    refused = await admin.follow(await admin.post(f"/admin/tickets/{ticket.id}/assign", {"user_id": huge}))
    assert "Petugas tidak ditemukan" in refused
    response = await admin.post("/admin/registrations/bulk-verify", [("ids", huge), ("back", "/admin/registrations")])
    assert response.status == 303
    form = {"category": "Umum", "question": "Jam buka?", "answer": "08.00", "keywords": "", "sort_order": huge}
    page = await (await admin.post("/admin/faq", form)).text()
    assert "Urutan antara" in page and "Jam buka?" in page  # the draft is kept


async def test_staff_change_their_own_password(h: Harness, cs: Browser, browser_factory: Callable[..., Any]) -> None:
    """CS and supervisors got a first password from an admin and had no way to change it."""
    page = await cs.page("/admin/account")
    assert 'href="/admin/account"' in page and "Kata sandi saat ini" in page
    form = {"current": PASSWORD, "password": "my-own-password-1", "password_again": "my-own-password-2"}
    assert "tidak sama" in await cs.follow(await cs.post("/admin/account/password", form))
    form["password_again"] = form["password"]
    wrong = await cs.follow(await cs.post("/admin/account/password", {**form, "current": "not-my-password"}))
    assert "Kata sandi saat ini salah" in wrong
    other_device: Browser = await browser_factory("cs")
    done = await cs.follow(await cs.post("/admin/account/password", form))
    assert "Silakan masuk lagi" in done
    assert (await other_device.get("/admin/registrations")).status == 303  # every session ended
    assert (await cs.login("cs", PASSWORD)).status != 303
    assert (await cs.login("cs", "my-own-password-1")).status == 303
    async with h.services.db.sessions() as session:
        actions = list((await session.execute(select(AuditEntry.action))).scalars())
    assert "user.own_password" in actions


async def test_an_installation_is_scheduled_on_its_ticket_and_the_customer_is_told(h: Harness, admin: Browser) -> None:
    """The installation ticket had no way to get a date; the customer and the tracking page
    only ever said the technician would call."""
    registration = await make_registration(h)  # asked for Saturday 28 November, 08.00–12.00
    await to_customer(admin, registration)
    async with h.services.db.sessions() as session:
        install = (await session.execute(select(Ticket).where(Ticket.kind == "installation"))).scalar_one()
    page = await admin.page(f"/admin/tickets/{install.id}")
    assert 'name="scheduled_at" value="2026-11-28T08:00"' in page  # the day and slot the customer asked for
    for bad, told in (("2026-11-29T09:00", "hari Minggu"), ("2026-11-20T09:00", "masa depan")):
        assert told in await admin.follow(await admin.post(f"/admin/tickets/{install.id}/schedule", {"scheduled_at": bad}))
    page = await admin.follow(await admin.post(f"/admin/tickets/{install.id}/schedule",
                                               {"scheduled_at": "2026-11-28T08:00"}))
    assert "Jadwal kunjungan disimpan" in page and "Pelanggan diberi tahu" in page
    track = await (await h.client.get(f"/track/{registration.registration_number}")).text()
    assert "Instalasi dijadwalkan Sabtu, 28 November 2026, 08.00 WIB" in track
    await admin.post(f"/admin/tickets/{install.id}/schedule", {"scheduled_at": "2026-11-30T10:00"})
    await h.settle()
    first, moved = [t for t in h.gateway.texts_to("6281200000101") if "Teknisi kami akan datang" in t or "diubah" in t]
    assert "*Jadwal:* Sabtu, 28 November 2026, 08.00 WIB" in first
    assert "*Jadwal baru:* Senin, 30 November 2026, 10.00 WIB" in moved and "~Jadwal lama: Sabtu, 28" in moved
    await admin.post(f"/admin/tickets/{install.id}/status", {"status": "resolved"})
    track = await (await h.client.get(f"/track/{registration.registration_number}")).text()
    assert "sudah terpasang dan aktif" in track


async def test_a_survey_tickets_time_is_set_on_its_registration(h: Harness, cs: Browser) -> None:
    ticket = await survey_ticket(h, cs)
    page = await cs.page(f"/admin/tickets/{ticket.id}")
    assert "Jadwal survey diatur dari" in page and 'name="scheduled_at"' not in page
    refused = await cs.follow(await cs.post(f"/admin/tickets/{ticket.id}/schedule", {"scheduled_at": "2026-11-26T10:00"}))
    assert "dari halaman pendaftarannya" in refused


async def test_the_technician_gets_the_job_on_whatsapp_and_hears_when_it_moves(h: Harness, cs: Browser) -> None:
    ticket = await survey_ticket(h, cs)  # Budi Santoso's survey, Wednesday 25 November 09.00
    async with h.services.db.transaction() as session:
        tech = (await session.execute(select(User).where(User.username == "tech"))).scalar_one()
        tech.phone = "6281200000555"
    page = await cs.follow(await cs.post(f"/admin/tickets/{ticket.id}/assign", {"user_id": str(tech.id)}))
    assert "Rinciannya dikirim ke WhatsApp-nya" in page
    await cs.post(f"/admin/registrations/{ticket.registration_id}/actions/schedule_survey",
                  {"survey_date": "2026-11-26T13:00"})
    await h.settle()
    job, moved = h.gateway.texts_to("6281200000555")
    assert ticket.ticket_number in job and "Rabu, 25 November 2026, 09.00 WIB" in job
    assert "Budi Santoso, Jl. Sukajadi No. 10" in job and "081200000101" in job
    assert f"/admin/tickets/{ticket.id}" in job
    assert "Jadwal tiket diubah" in moved and "Kamis, 26 November 2026, 13.00 WIB" in moved
    assert "sebelumnya Rabu, 25 November 2026, 09.00 WIB" in moved


async def technician_with_whatsapp(h: Harness, username: str = "tech", phone: str = "6281200000555") -> User:
    async with h.services.db.transaction() as session:
        tech = (await session.execute(select(User).where(User.username == username))).scalar_one()
        tech.phone = phone
    return tech


async def test_the_technician_hears_when_the_survey_is_called_off(h: Harness, cs: Browser) -> None:
    """The registration rejected closed its survey ticket silently: the technician, told of
    the job and of its new time, still went."""
    ticket = await survey_ticket(h, cs)
    tech = await technician_with_whatsapp(h)
    await cs.post(f"/admin/tickets/{ticket.id}/assign", {"user_id": str(tech.id)})
    await cs.post(f"/admin/registrations/{ticket.registration_id}/actions/schedule_survey",
                  {"survey_date": "2026-11-26T13:00"})
    await cs.post(f"/admin/registrations/{ticket.registration_id}/actions/reject", {"reason": "Di luar area"})
    await h.settle()
    _job, _moved, off = h.gateway.texts_to("6281200000555")
    assert f"Kunjungan dibatalkan: {ticket.ticket_number}" in off and "Budi Santoso" in off
    assert "~Kamis, 26 November 2026, 13.00 WIB~ batal" in off and "Pendaftarannya ditolak; tidak perlu datang" in off
    assert "Di luar area" not in off and "3273010101900001" not in off  # nothing the job did not already say


async def test_a_technician_taken_off_a_ticket_is_told_it_is_no_longer_his(h: Harness, cs: Browser) -> None:
    ticket = await survey_ticket(h, cs)
    budi = await technician_with_whatsapp(h)
    rudi = await technician_with_whatsapp(h, "supervisor", "6281200000556")
    await cs.post(f"/admin/tickets/{ticket.id}/assign", {"user_id": str(budi.id)})
    moved = await cs.follow(await cs.post(f"/admin/tickets/{ticket.id}/assign", {"user_id": str(rudi.id)}))
    assert "Petugas sebelumnya diberi tahu" in moved
    released = await cs.follow(await cs.post(f"/admin/tickets/{ticket.id}/assign", {"user_id": ""}))
    assert "Penugasan tiket dilepas. Petugas sebelumnya diberi tahu" in released
    await h.settle()
    _job, off = h.gateway.texts_to("6281200000555")
    assert f"Tiket tidak lagi untuk Anda: {ticket.ticket_number}" in off and "~Rabu, 25 November 2026, 09.00 WIB~" in off
    assert "sudah tidak ditugaskan kepada Anda; tidak perlu datang" in off
    job, dropped = h.gateway.texts_to("6281200000556")
    assert "Tiket untuk Anda" in job and "Tiket tidak lagi untuk Anda" in dropped


async def test_saving_the_same_assignment_again_sends_nothing(h: Harness, cs: Browser) -> None:
    """The form saved twice (a second click, a page reloaded) told the customer and the
    technician twice that the technician was assigned."""
    ticket = await survey_ticket(h, cs)
    tech = await technician_with_whatsapp(h)
    await cs.post(f"/admin/tickets/{ticket.id}/assign", {"user_id": str(tech.id)})
    again = await cs.follow(await cs.post(f"/admin/tickets/{ticket.id}/assign", {"user_id": str(tech.id)}))
    assert "Penugasan tidak berubah" in again
    await h.settle()
    assert len(h.gateway.texts_to("6281200000555")) == 1
    assert sum("telah ditugaskan" in t for t in h.gateway.texts_to("6281200000101")) == 1
    async with h.services.db.sessions() as session:
        actions = list((await session.execute(select(AuditEntry.action))).scalars())
    assert actions.count("ticket.assign") == 1


async def test_guessing_the_current_password_in_an_open_session_locks_the_account(h: Harness, cs: Browser) -> None:
    form = {"current": "guess", "password": "my-own-password-1", "password_again": "my-own-password-1"}
    for _ in range(4):
        assert "Kata sandi saat ini salah" in await cs.follow(await cs.post("/admin/account/password", form))
    locked = await cs.follow(await cs.post("/admin/account/password", form))
    assert "akun dikunci sementara" in locked
    assert (await cs.get("/admin/registrations")).status == 303  # signed out
    assert (await cs.login("cs", PASSWORD)).status != 303  # locked, as after five wrong logins


async def test_a_customer_waiting_for_installation_follows_it_by_chat(h: Harness, admin: Browser) -> None:
    """`tiket` went straight to "Lapor gangguan" and the question about the installation
    was saved as a fault report; `akun` counted no active ticket and showed a green light."""
    from tests.flows.chat import Chat

    registration = await make_registration(h, phone="6281900000020", email="menunggu@example.com")
    await to_customer(admin, registration)
    async with h.services.db.sessions() as session:
        install = (await session.execute(select(Ticket).where(Ticket.kind == "installation"))).scalar_one()
    await admin.post(f"/admin/tickets/{install.id}/schedule", {"scheduled_at": "2026-11-28T08:00"})
    await h.settle()
    chat = Chat(h, phone="6281900000020")
    chat.replies()  # the registration's news so far

    [summary] = await chat.send("akun")
    assert "⏳ *Status akun:* Menunggu instalasi" in summary and "🟢" not in summary
    assert "Tiket aktif: *1* · selesai: *1*" in summary  # the installation; the survey, done
    [listed] = await chat.send("tiket")
    assert "Tiket Anda" in listed and "Survey lokasi" in listed
    assert f"{install.ticket_number} — Dibuka · Kunjungan Sabtu, 28 Nov · Instalasi" in listed
    [detail] = await chat.send("status instalasi saya gimana?")
    assert install.ticket_number in detail and "Kunjungan teknisi: *Sabtu, 28 November 2026, 08.00 WIB*" in detail
    async with h.services.db.sessions() as session:
        kinds = list((await session.execute(select(Ticket.kind).order_by(Ticket.id))).scalars())
    assert kinds == ["survey", "installation"]  # the question opened no fault report


async def test_a_ticket_message_says_how_to_reach_cs_and_that_works(h: Harness, admin: Browser) -> None:
    """"Balas pesan ini bila waktunya tidak cocok": the reply went to the FAQ, which
    answered a question about moving the installation address."""
    from tests.flows.chat import Chat

    registration = await make_registration(h)
    await to_customer(admin, registration)
    async with h.services.db.sessions() as session:
        install = (await session.execute(select(Ticket).where(Ticket.kind == "installation"))).scalar_one()
    await admin.post(f"/admin/tickets/{install.id}/schedule", {"scheduled_at": "2026-11-28T08:00"})
    await h.settle()
    chat = Chat(h)
    scheduled = chat.replies()[-1]
    assert "Bila waktunya tidak cocok, ketik *cs*" in scheduled and "Balas pesan ini" not in scheduled
    [handed_over] = await chat.send("cs")
    assert "sambungkan dengan *CS" in handed_over
    assert await chat.send("Sabtu saya tidak di rumah, bisa hari Senin?") == []  # for CS: the bot stays quiet
    assert "Sabtu saya tidak di rumah" in await admin.page("/admin/inbox")


JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
SIGNED_URL = "https://files.example/modem.jpg?X-Amz-Credential=AKIA&X-Amz-Signature=" + "ab" * 200


async def report_with_photo(h: Harness, admin: Browser, url: str) -> tuple[Any, Ticket]:
    """A customer (made from a registration) reports a fault by chat with a photo."""
    from tests.flows.chat import Chat
    from tests.flows.test_self_service import opened_ticket

    await to_customer(admin, await make_registration(h))
    await h.settle()
    chat = Chat(h)
    chat.replies()  # the registration's news
    for text in ("lapor", "1", "1", "Sejak pagi internet mati, lampu LOS merah"):  # new report, Internet mati
        await chat.send(text)
    [opened] = await chat.send(image_url=url)
    assert "dengan foto" in opened
    return chat, await opened_ticket(h, opened)


async def test_the_photo_sent_with_a_report_is_shown_to_staff_on_the_ticket(
    h: Harness, admin: Browser, cs: Browser, browser_factory: Callable[..., Any]
) -> None:
    """Only the gateway's temporary reference was saved (a long one not even that): staff
    never saw the photo."""
    from ispbot.ktp_encryption import TICKET_PHOTOS
    from ispbot.ticket_photos import fetch_pending_photos
    from tests.bot.test_ktp_photos import serve_photo

    _chat, ticket = await report_with_photo(h, admin, SIGNED_URL)
    page = await cs.page(f"/admin/tickets/{ticket.id}")
    assert "foto sedang diambil" in page and f"/admin/tickets/{ticket.id}/photo" not in page
    serve_photo(h, httpx.Response(200, content=JPEG))
    assert await fetch_pending_photos(h.services) == 1

    page = await cs.page(f"/admin/tickets/{ticket.id}")
    assert f'<img src="/admin/tickets/{ticket.id}/photo"' in page and "foto sedang diambil" not in page
    photo = await cs.get(f"/admin/tickets/{ticket.id}/photo")
    assert photo.status == 200 and photo.content_type == "image/jpeg" and await photo.read() == JPEG
    assert "no-store" in photo.headers["Cache-Control"]
    [stored] = list((h.services.settings.data_dir / TICKET_PHOTOS).iterdir())
    assert JPEG not in stored.read_bytes()  # encrypted at rest
    async with h.services.db.sessions() as session:
        viewed = (await session.execute(select(AuditEntry).where(AuditEntry.action == "ticket.photo_view"))).scalar_one()
    assert (viewed.actor_label, viewed.target_id) == ("cs", ticket.ticket_number)
    stranger = await browser_factory()
    assert (await stranger.get(f"/admin/tickets/{ticket.id}/photo")).headers["Location"].startswith("/admin/login")


async def test_a_report_photo_that_is_no_image_is_not_kept_and_the_customer_is_told(
    h: Harness, admin: Browser, cs: Browser
) -> None:
    from ispbot.ticket_photos import fetch_pending_photos
    from tests.bot.test_ktp_photos import serve_photo

    chat, ticket = await report_with_photo(h, admin, "https://files.example/modem.jpg")
    serve_photo(h, httpx.Response(200, content=b"<?php evil(); ?>"))
    assert await fetch_pending_photos(h.services) == 0
    await h.settle()
    [told] = chat.replies()
    assert f"foto untuk tiket *{ticket.ticket_number}* tidak bisa kami simpan" in told and "bukan foto JPG" in told
    page = await cs.page(f"/admin/tickets/{ticket.id}")
    assert "/photo" not in page and "foto sedang diambil" not in page
    assert (await cs.get(f"/admin/tickets/{ticket.id}/photo")).status == 404


async def test_a_report_photo_the_gateway_never_hands_over_is_given_up_and_noted_on_the_ticket(
    h: Harness, admin: Browser, cs: Browser
) -> None:
    """The ticket's page said "being fetched" for ever and the job asked the gateway again
    every minute."""
    from ispbot.ticket_photos import fetch_pending_photos
    from tests.bot.test_ktp_photos import serve_photo

    chat, ticket = await report_with_photo(h, admin, SIGNED_URL)
    serve_photo(h, httpx.Response(502))
    for _ in range(4 * 60):  # the job's four hours
        await fetch_pending_photos(h.services)
        h.clock.advance(minutes=1)
    await h.settle()
    [told] = chat.replies()
    assert f"foto untuk tiket *{ticket.ticket_number}* tidak berhasil kami terima" in told
    assert "petugas kami akan memintanya lewat chat ini" in told
    page = await cs.page(f"/admin/tickets/{ticket.id}")
    assert "foto sedang diambil" not in page and f"/admin/tickets/{ticket.id}/photo" not in page
    assert "Foto yang dikirim pelanggan dengan laporan ini tidak bisa diambil" in page


async def assigned_fault_report(h: Harness, admin: Browser) -> tuple[Ticket, User]:
    """A customer's fault report by chat (no photo), assigned to the technician, who is on
    his way (in progress)."""
    from tests.flows.chat import Chat
    from tests.flows.test_self_service import opened_ticket

    await to_customer(admin, await make_registration(h))
    await h.settle()
    chat = Chat(h)
    for text in ("lapor", "1", "1", "Sejak pagi internet mati, lampu LOS merah"):
        await chat.send(text)
    [opened] = await chat.send("lewati")
    ticket = await opened_ticket(h, opened)
    tech = await technician_with_whatsapp(h)
    await admin.post(f"/admin/tickets/{ticket.id}/assign", {"user_id": str(tech.id)})
    await admin.post(f"/admin/tickets/{ticket.id}/status", {"status": "in_progress"})
    return ticket, tech


@pytest.mark.parametrize(("status", "heading", "why"), [
    ("closed", "Kunjungan dibatalkan", "Tiket ini sudah ditutup; tidak perlu datang"),
    ("resolved", "Tiket sudah diselesaikan", "Tiket ini sudah diselesaikan; tidak perlu datang"),
])
async def test_a_ticket_ended_in_the_admin_under_its_technician_tells_him(
    h: Harness, admin: Browser, cs: Browser, status: str, heading: str, why: str
) -> None:
    """CS closed a fault report the customer had called to say was fixed: the technician,
    sent the job on WhatsApp, still drove out."""
    ticket, _tech = await assigned_fault_report(h, admin)
    page = await cs.follow(await cs.post(f"/admin/tickets/{ticket.id}/status",
                                         {"status": status, "note": "Sudah normal kata pelanggan"}))
    assert "Teknisi yang ditugaskan diberi tahu lewat WhatsApp" in page
    await h.settle()
    job, off = h.gateway.texts_to("6281200000555")
    assert "Tiket untuk Anda" in job
    assert f"{heading}: {ticket.ticket_number}" in off and why in off
    assert "Sudah normal" not in off  # the note is the customer's; nothing the job did not already say
    # saved again (closed → opened → …) a ticket no longer active tells him nothing more
    await cs.post(f"/admin/tickets/{ticket.id}/status", {"status": "closed"})
    await h.settle()
    assert len(h.gateway.texts_to("6281200000555")) == 2


async def test_the_technician_resolving_his_own_ticket_is_not_told_to_stay_home(
    h: Harness, admin: Browser, browser_factory: Callable[..., Any]
) -> None:
    ticket, _tech = await assigned_fault_report(h, admin)
    technician: Browser = await browser_factory("tech")
    page = await technician.follow(await technician.post(f"/admin/tickets/{ticket.id}/status", {"status": "resolved"}))
    assert "Status tiket kini “Selesai”" in page and "Teknisi yang ditugaskan diberi tahu" not in page
    closed = await admin.follow(await admin.post(f"/admin/tickets/{ticket.id}/status", {"status": "closed"}))
    assert "Teknisi yang ditugaskan diberi tahu" not in closed  # done already: closing it calls nothing off
    await h.settle()
    [job] = h.gateway.texts_to("6281200000555")
    assert "Tiket untuk Anda" in job
