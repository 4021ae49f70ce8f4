"""The daily-operations jobs, each run directly with a FakeClock: SLA alerts to CS, the
supervisors' digest, the retention purge, housekeeping, and `ispbot jobs`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from ispbot.job_runs import run_recorded, statuses
from ispbot.jobs import JOBS
from ispbot.ktp_encryption import PhotoCipher, write_photo
from ispbot.providers.messages import (
    Contact,
    InboundKind,
    InboundMessage,
    OutboundKind,
    OutboundMessage,
)
from ispbot.storage import inbox, outbox, tickets
from ispbot.storage.models import (
    AuditEntry,
    DailyDigest,
    InboxMessage,
    OutboxMessage,
    Registration,
    StaffSession,
    Ticket,
    User,
)
from tests.conftest import Harness
from tests.webadmin.support import make_registration, seed_staff

JAKARTA_OFFSET = timedelta(hours=7)


@pytest.fixture
async def h(harness_factory: Callable[..., Any], db_url: str) -> Harness:
    harness: Harness = await harness_factory(db_url, provider="fonnte", fonnte_token="tok", public_url="http://isp.example")
    await seed_staff(harness)
    return harness


def local(h: Harness, y: int, m: int, d: int, hour: int, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=h.services.settings.tz).astimezone(UTC)


async def staff_messages(h: Harness, purpose: str) -> list[OutboxMessage]:
    async with h.services.db.sessions() as session:
        return list((await session.execute(
            select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(OutboxMessage.id)
        )).scalars())


async def set_columns(h: Harness, registration_id: int, **values: Any) -> None:
    async with h.services.db.transaction() as session:
        await session.execute(update(Registration).where(Registration.id == registration_id).values(**values))


# -- SLA alerts ------------------------------------------------------------------------------

async def test_overdue_registrations_are_sent_to_cs_once_each(h: Harness) -> None:
    first = await make_registration(h, phone="6281200000101", email="a@example.com", full_name="Ani Lestari")
    h.clock.advance(hours=20)
    second = await make_registration(h, phone="6281200000102", email="b@example.com", full_name="Budi Hartono")
    verified = await make_registration(h, phone="6281200000103", email="c@example.com")
    await set_columns(h, verified.id, status="verified")
    sla = JOBS["sla-alerts"]

    assert await sla.run(h.services) == 0  # nothing is 24 hours old yet
    h.clock.advance(hours=5)  # first: 25 h, second: 5 h
    assert await sla.run(h.services) == 1
    assert await sla.run(h.services) == 0  # once per registration, not every run
    h.clock.advance(hours=20)  # second: 25 h
    assert await sla.run(h.services) == 1

    alerts = await staff_messages(h, "staff:sla_alert")
    assert [a.phone for a in alerts] == ["6281200000800", "6281200000800"]  # ISPBOT_CS_PHONE
    assert first.registration_number in alerts[0].text and "Ani Lestari" in alerts[0].text
    assert "25 jam" in alerts[0].text and f"/admin/registrations/{first.id}" in alerts[0].text
    assert second.registration_number in alerts[1].text and first.registration_number not in alerts[1].text
    assert verified.registration_number not in alerts[0].text + alerts[1].text


async def test_sla_alerts_go_to_the_configured_number_or_group(harness_factory: Callable[..., Any], sqlite_url: str) -> None:
    h: Harness = await harness_factory(sqlite_url, provider="waha", sla_alert_to="120363000000000001@g.us",
                                       sla_pending_hours=2)
    await seed_staff(h)
    await make_registration(h)
    h.clock.advance(hours=3)
    assert await JOBS["sla-alerts"].run(h.services) == 1
    [alert] = await staff_messages(h, "staff:sla_alert")
    assert alert.phone is None and alert.user_id == "120363000000000001@g.us" and "2 jam" in alert.text


# -- the daily digest -------------------------------------------------------------------------

async def test_the_digest_goes_to_supervisors_once_a_day_after_the_hour(h: Harness) -> None:
    async with h.services.db.transaction() as session:
        await session.execute(update(User).where(User.username == "supervisor").values(phone="6281200000901"))
        await session.execute(update(User).where(User.username == "cs").values(phone="6281200000902"))  # not a recipient
    tz = h.services.settings.tz
    h.clock.set(local(h, 2026, 11, 19, 23, 30))  # the day before: not counted
    await make_registration(h, phone="6281200000110", email="x0@example.com")
    h.clock.set(local(h, 2026, 11, 20, 0, 0))
    regs = [await make_registration(h, phone=f"62812000001{i}1", email=f"x{i}@example.com") for i in range(1, 4)]
    h.clock.set(local(h, 2026, 11, 20, 23, 59))
    await set_columns(h, regs[0].id, status="approved", approved_at=h.clock.now())
    await set_columns(h, regs[1].id, status="rejected", rejected_at=h.clock.now(), rejection_reason="x")
    await set_columns(h, regs[2].id, created_at=local(h, 2026, 11, 20, 10, 0))  # 21 h old at 07:05: within the SLA
    async with h.services.db.transaction() as session:
        opened = await tickets.open_ticket(session, kind="support", now=h.clock.now(), timezone=tz, subject="Mati")
        await tickets.open_ticket(session, kind="support", now=h.clock.now(), timezone=tz, subject="Lambat")
        await tickets.change_status(session, opened, "resolved", now=h.clock.now(), actor_user_id=None, note=None)
    digest = JOBS["daily-digest"]

    h.clock.set(local(h, 2026, 11, 21, 6, 59))
    assert await digest.run(h.services) == 0  # before ISPBOT_DIGEST_HOUR (7)
    h.clock.set(local(h, 2026, 11, 21, 7, 5))
    assert await digest.run(h.services) == 1
    assert await digest.run(h.services) == 0  # once per day
    [sent] = await staff_messages(h, "staff:daily_digest")
    assert sent.phone == "6281200000901"
    text = sent.text
    assert "Jumat, 20 November 2026" in text
    assert "Pendaftaran baru: *3*" in text and "Disetujui: *1*" in text and "Ditolak: *1*" in text
    assert "Menunggu verifikasi sekarang: *2*" in text and "(⚠️ 1 lewat batas SLA)" in text
    assert "Tiket dibuka: *2*" in text and "Tiket selesai/ditutup: *1*" in text

    h.clock.set(local(h, 2026, 11, 22, 7, 0))
    assert await digest.run(h.services) == 1  # the next day's
    async with h.services.db.sessions() as session:
        days = [d.day.isoformat() for d in (await session.execute(select(DailyDigest).order_by(DailyDigest.day))).scalars()]
    assert days == ["2026-11-20", "2026-11-21"]


async def test_the_next_digest_time_is_listed(h: Harness) -> None:
    h.clock.set(local(h, 2026, 11, 21, 6, 0))
    by_name = {s.job.name: s for s in await statuses(h.services)}
    assert by_name["daily-digest"].next_run == local(h, 2026, 11, 21, 7, 0)
    h.clock.set(local(h, 2026, 11, 21, 8, 0))
    await run_recorded(h.services, JOBS["daily-digest"])
    by_name = {s.job.name: s for s in await statuses(h.services)}
    assert by_name["daily-digest"].next_run == local(h, 2026, 11, 22, 7, 0)
    assert by_name["daily-digest"].last is not None and by_name["daily-digest"].last.started_at == h.clock.now()
    assert by_name["housekeeping"].next_run is None  # never ran: at the scheduler's start


# -- retention purge --------------------------------------------------------------------------

def snapshot(rows: list[Registration]) -> dict[str, dict[str, Any]]:
    return {r.registration_number: {c.key: getattr(r, c.key) for c in Registration.__table__.columns} for r in rows}


async def all_registrations(h: Harness) -> list[Registration]:
    async with h.services.db.sessions() as session:
        return list((await session.execute(select(Registration).order_by(Registration.id))).scalars())


async def test_the_retention_purge_removes_nik_and_photo_of_ended_registrations_and_nothing_else(h: Harness) -> None:
    folder = h.services.settings.data_dir / "ktp"
    cipher = PhotoCipher.of(h.services.settings)
    start = h.clock.now()

    def photo(name: str) -> str:
        write_photo(folder, name, b"\xff\xd8\xff" + name.encode(), cipher)
        return name

    cases = {
        "old_rejected": ("rejected", 91, photo("a.jpg")),
        "young_rejected": ("rejected", 89, photo("b.jpg")),
        "old_cancelled": ("cancelled", 100, None),
        "old_pending": ("pending_verification", 200, photo("d.jpg")),
        "old_customer": ("customer_created", 300, photo("e.jpg")),
    }
    ids = {}
    for i, (key, (status, days_ago, name)) in enumerate(cases.items()):
        registration = await make_registration(h, phone=f"62812000002{i}0", email=f"{key}@example.com", id_card_photo=name)
        ended = start - timedelta(days=days_ago)
        extra = {"rejected_at": ended, "rejection_reason": "Di luar jangkauan"} if status == "rejected" else {}
        extra |= {"cancelled_at": ended} if status == "cancelled" else {}
        await set_columns(h, registration.id, status=status, **extra)
        ids[key] = registration.registration_number
    before = snapshot(await all_registrations(h))

    assert await JOBS["retention-purge"].run(h.services) == 2
    after = snapshot(await all_registrations(h))
    for key, number in ids.items():
        changed = {c for c in before[number] if before[number][c] != after[number][c]}
        if key in ("old_rejected", "old_cancelled"):
            assert changed == {"id_card_number", "id_card_photo", "personal_data_purged_at"} - (
                {"id_card_photo"} if key == "old_cancelled" else set())
            assert after[number]["id_card_number"] is None and after[number]["id_card_photo"] is None
            assert after[number]["personal_data_purged_at"] == h.clock.now()
        else:
            assert changed == set(), key
    assert sorted(p.name for p in folder.iterdir()) == ["b.jpg", "d.jpg", "e.jpg"]  # a.jpg deleted

    async with h.services.db.sessions() as session:
        audited = list((await session.execute(
            select(AuditEntry).where(AuditEntry.action == "registration.personal_data_purged").order_by(AuditEntry.id)
        )).scalars())
    assert [(a.target_id, a.detail["removed"]) for a in audited] == [
        (ids["old_rejected"], ["id_card_number", "id_card_photo"]), (ids["old_cancelled"], ["id_card_number"]),
    ]
    assert all(a.actor_label == "retention" for a in audited)

    assert await JOBS["retention-purge"].run(h.services) == 0  # idempotent
    assert snapshot(await all_registrations(h)) == after
    h.clock.advance(days=2)  # young_rejected is now 91 days past
    assert await JOBS["retention-purge"].run(h.services) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["d.jpg", "e.jpg"]


async def test_the_retention_purge_removes_fault_photos_of_tickets_ended_long_ago(h: Harness) -> None:
    folder = h.services.settings.data_dir / "tickets"
    cipher = PhotoCipher.of(h.services.settings)
    tz = h.services.settings.tz
    start = h.clock.now()
    numbers = {}
    async with h.services.db.transaction() as session:
        for name, ends_as, days_ago in (
            ("old_resolved.jpg", "resolved", 91), ("old_closed.jpg", "closed", 120),
            ("young_resolved.jpg", "resolved", 30), ("old_open.jpg", None, 200),
        ):
            write_photo(folder, name, b"\xff\xd8\xff" + name.encode(), cipher)
            ticket = await tickets.open_ticket(
                session, kind="support", now=start - timedelta(days=days_ago + 1), timezone=tz,
                subject="Internet mati", description="Lampu LOS merah", photo=name,
            )
            if ends_as:
                await tickets.change_status(session, ticket, ends_as, now=start - timedelta(days=days_ago),
                                            actor_user_id=None, note=None)
            numbers[name] = ticket.ticket_number

    assert await JOBS["retention-purge"].run(h.services) == 2
    assert sorted(p.name for p in folder.iterdir()) == ["old_open.jpg", "young_resolved.jpg"]
    async with h.services.db.sessions() as session:
        rows = {t.ticket_number: t for t in (await session.execute(select(Ticket))).scalars()}
        audited = list((await session.execute(
            select(AuditEntry).where(AuditEntry.action == "ticket.photo_purged").order_by(AuditEntry.id)
        )).scalars())
    assert {name: rows[number].photo for name, number in numbers.items()} == {
        "old_resolved.jpg": None, "old_closed.jpg": None,
        "young_resolved.jpg": "young_resolved.jpg", "old_open.jpg": "old_open.jpg",
    }
    assert all(t.description == "Lampu LOS merah" for t in rows.values())  # only the photo goes
    assert sorted(a.target_id for a in audited) == sorted([numbers["old_resolved.jpg"], numbers["old_closed.jpg"]])
    assert await JOBS["retention-purge"].run(h.services) == 0


# -- housekeeping -----------------------------------------------------------------------------

async def test_housekeeping_prunes_old_delivered_and_processed_messages_and_expired_sessions(h: Harness) -> None:
    contact = Contact(phone="6281200000101")

    async def sent(text: str, status: str) -> None:
        async with h.services.db.transaction() as session:
            row = await outbox.enqueue(session, provider="fonnte", now=h.clock.now(),
                                       message=OutboundMessage(to=contact, kind=OutboundKind.TEXT, text=text))
            if status == "sent":
                await outbox.mark_sent(session, row.id, f"id-{text}", h.clock.now())
            elif status == "dead":
                await session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(status="dead"))

    async def received(text: str, status: str) -> None:
        async with h.services.db.transaction() as session:
            inbox_id = await inbox.store(session, InboundMessage(
                provider="fonnte", contact=contact, kind=InboundKind.TEXT, text=text, message_id=f"m-{text}"),
                h.clock.now())
            assert inbox_id is not None
            if status == "done":
                await inbox.mark_done(session, inbox_id, h.clock.now())
            elif status == "failed":
                await inbox.record_failure(session, inbox_id, "boom", h.clock.now(), give_up=True)

    for status in ("sent", "dead", "pending"):
        await sent(f"old-{status}", status)
        await received(f"old-{status}", {"sent": "done", "dead": "failed"}.get(status, "pending"))
    async with h.services.db.transaction() as session:
        user = (await session.execute(select(User).where(User.username == "cs"))).scalar_one()
        for name, hours in (("expired", 1), ("live", 100 * 24)):
            session.add(StaffSession(id_hash=name, user_id=user.id, csrf_token="t", created_at=h.clock.now(),
                                     expires_at=h.clock.now() + timedelta(hours=hours)))
    h.clock.advance(days=30, minutes=1)
    await sent("new-sent", "sent")
    await received("new-done", "done")

    assert await JOBS["housekeeping"].run(h.services) == 3  # old sent outbox, old done inbox, expired session
    async with h.services.db.sessions() as session:
        out = sorted((await session.execute(select(OutboxMessage.text))).scalars())
        into = sorted((await session.execute(select(InboxMessage.text))).scalars())
        kept_sessions = list((await session.execute(select(StaffSession.id_hash))).scalars())
    assert out == ["new-sent", "old-dead", "old-pending"]
    assert into == ["new-done", "old-dead", "old-pending"]
    assert kept_sessions == ["live"]
    assert await JOBS["housekeeping"].run(h.services) == 0


# -- the command line -------------------------------------------------------------------------

def test_ispbot_jobs_lists_and_runs_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from ispbot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ISPBOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("ISPBOT_DATA_DIR", str(tmp_path / "var"))
    assert main(["jobs", "run", "housekeeping"]) == 0
    assert "housekeeping: 0 item(s)" in capsys.readouterr().out
    assert main(["jobs"]) == 0
    listing = capsys.readouterr().out
    for name in JOBS:
        assert name in listing
    line = next(x for x in listing.splitlines() if x.startswith("housekeeping"))
    assert "every 1 h" in line and "never" not in line and "at start" not in line
    assert "daily 07:00" in listing
    assert main(["jobs", "run", "nope"]) == 2
