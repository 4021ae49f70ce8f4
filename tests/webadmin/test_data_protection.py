"""The admin side of daily operations: overdue registrations highlighted, staff phone
numbers for the digest, customers' data deletion requests."""

from __future__ import annotations

from typing import Any

from tests.conftest import Harness
from tests.webadmin.support import make_registration


async def test_the_admin_highlights_overdue_registrations(h: Harness, browser_factory: Any) -> None:
    late = await make_registration(h, phone="6281200000101", email="a@example.com")
    h.clock.advance(hours=23)
    fresh = await make_registration(h, phone="6281200000102", email="b@example.com")
    h.clock.advance(hours=2)
    cs = await browser_factory("cs")
    page = await cs.page("/admin/registrations")
    assert page.count('class="overdue"') == 1
    assert f'data-id="{late.id}" class="overdue"' in page and f'data-id="{fresh.id}">' in page
    assert "Lewat SLA" in await cs.page(f"/admin/registrations/{late.id}")
    assert "Lewat SLA" not in await cs.page(f"/admin/registrations/{fresh.id}")


async def test_a_customer_asks_by_chat_and_staff_carry_out_the_deletion(h: Harness, browser_factory: Any) -> None:
    from sqlalchemy import func, select

    from ispbot.ktp_encryption import PhotoCipher, write_photo
    from ispbot.storage import tickets
    from ispbot.storage.models import (
        AuditEntry,
        Conversation,
        DataDeletionRequest,
        InboxMessage,
        Registration,
        Ticket,
        User,
    )
    from tests.flows.chat import Chat

    folder = h.services.settings.data_dir / "ktp"
    write_photo(folder, "k1.jpg", b"\xff\xd8\xffphoto", PhotoCipher.of(h.services.settings))
    ticket_photos = h.services.settings.data_dir / "tickets"
    write_photo(ticket_photos, "t1.jpg", b"\xff\xd8\xffmodem", PhotoCipher.of(h.services.settings))
    pending = await make_registration(h, id_card_photo="k1.jpg", full_name="Siti Aminah")
    other = await make_registration(h, phone="6281200000555", email="other@example.com")
    cs = await browser_factory("cs")
    await cs.post(f"/admin/registrations/{pending.id}/actions/verify")
    await cs.post(f"/admin/registrations/{pending.id}/actions/schedule_survey", {"survey_date": "2026-11-25T09:00"})
    async with h.services.db.transaction() as session:
        tech = (await session.execute(select(User).where(User.username == "tech"))).scalar_one()
        tech.phone = "6281200000556"
        survey = (await session.execute(select(Ticket).where(Ticket.registration_id == pending.id))).scalar_one()
    await cs.post(f"/admin/tickets/{survey.id}/assign", {"user_id": str(tech.id)})
    async with h.services.db.transaction() as session:
        await tickets.open_ticket(session, kind="support", now=h.clock.now(), timezone=h.services.settings.tz,
                                  subject="Internet mati", description="Siti, Jl. Sukajadi 10: modem merah",
                                  contact_phone="6281200000101", photo="t1.jpg")
    await h.settle()
    chat = Chat(h)
    chat.replies()  # the survey's messages: already read
    [confirm] = await chat.send("hapus data")
    assert "Hapus data pribadi" in confirm and "Tidak jadi" in confirm
    [kept] = await chat.send("2")
    assert "tidak dihapus" in kept
    await chat.send("hapus data")
    [done] = await chat.send("1")
    assert "HD-1" in done
    [again] = await chat.send("hapus data")
    assert "sedang diproses" in again

    assert (await cs.get("/admin/data-requests")).status == 403
    supervisor = await browser_factory("supervisor")
    listing = await supervisor.page("/admin/data-requests")
    assert "HD-1" in listing and "Menunggu" in listing
    detail = await supervisor.page("/admin/data-requests/1")
    assert pending.registration_number in detail and other.registration_number not in detail
    page = await supervisor.follow(await supervisor.post("/admin/data-requests/1/complete"))
    assert "selesai" in page

    async with h.services.db.sessions() as session:
        erased = await session.get(Registration, pending.id)
        untouched = await session.get(Registration, other.id)
        request = await session.get(DataDeletionRequest, 1)
        messages = (await session.execute(select(func.count()).select_from(InboxMessage))).scalar_one()
        convo = (await session.execute(select(Conversation))).scalars().all()
        audited = (await session.execute(select(AuditEntry).where(AuditEntry.action == "data_request.complete"))).scalar_one()
    assert erased is not None and untouched is not None and request is not None
    assert erased.status == "cancelled" and erased.full_name == "(dihapus)" and erased.phone == ""
    assert erased.id_card_number is None and erased.id_card_photo is None and erased.city == "Kota Bandung"
    assert untouched.full_name == "Budi Santoso" and untouched.id_card_number == "3273010101900001"
    assert not (folder / "k1.jpg").exists() and not (ticket_photos / "t1.jpg").exists()
    assert messages == 0 and convo == []
    assert request.status == "done" and request.outcome["registrations_cancelled"] == [pending.registration_number]
    async with h.services.db.sessions() as session:
        left = list((await session.execute(select(Ticket).order_by(Ticket.id))).scalars())
    # the survey and the support ticket: closed (no technician goes there), nothing personal left
    assert [(t.kind, t.status, t.description, t.contact_phone) for t in left] == [
        ("survey", "closed", "(dihapus)", None), ("support", "closed", "(dihapus)", None)]
    assert len(request.outcome["tickets_scrubbed"]) == 2
    page = await cs.page(f"/admin/registrations/{pending.id}")
    assert "Kirim ulang notifikasi terakhir" not in page and "Kirim pesan" not in page
    refused = await cs.follow(await cs.post(f"/admin/registrations/{pending.id}/resend"))
    assert "tidak ada nomor WhatsApp" in refused
    await cs.post(f"/admin/tickets/{left[1].id}/status", {"status": "open"})  # reopened by mistake: no message
    assert audited.target_id == "HD-1" and audited.actor_label == "supervisor"
    await h.settle()
    told = chat.replies()[-1]
    assert "HD-1 selesai" in told and pending.registration_number in told
    # the technician sent to the survey hears it is off, without the name that was erased
    off = h.gateway.texts_to("6281200000556")[-1]
    assert "Kunjungan dibatalkan" in off and "Pendaftarannya dibatalkan" in off and "Siti" not in off
    again_page = await supervisor.follow(await supervisor.post("/admin/data-requests/1/complete"))
    assert "sudah diproses" in again_page


async def test_staff_phone_numbers_are_normalised_and_checked(h: Harness, browser_factory: Any) -> None:
    from sqlalchemy import select

    from ispbot.storage.models import User

    admin = await browser_factory("admin")
    async with h.services.db.sessions() as session:
        supervisor = (await session.execute(select(User).where(User.username == "supervisor"))).scalar_one()
    form = {"full_name": "Sari", "role": "supervisor", "is_active": "1", "phone": "0812-0000-0901"}
    assert "Perubahan disimpan" in await admin.follow(await admin.post(f"/admin/users/{supervisor.id}", form))
    page = await admin.page(f"/admin/users/{supervisor.id}")
    assert 'value="081200000901"' in page
    bad = await admin.post(f"/admin/users/{supervisor.id}", {**form, "phone": "12345"})
    assert bad.status == 422 and "tidak valid" in await bad.text()
    async with h.services.db.sessions() as session:
        assert (await session.get(User, supervisor.id)).phone == "6281200000901"  # type: ignore[union-attr]


async def test_a_chat_erased_from_the_chat_shows_as_done_in_the_admin(h: Harness, browser_factory: Any) -> None:
    """A number with only its chat: erased at its "ya", no staff step; supervisors see it done."""
    from tests.flows.chat import Chat

    chat = Chat(h)
    await chat.send("hapus data")
    [done] = await chat.send("ya")
    assert "Riwayat chat Anda sudah kami hapus" in done
    supervisor = await browser_factory("supervisor")
    listing = await supervisor.page("/admin/data-requests")
    assert "HD-1" in listing and "badge-yellow\">Menunggu" not in listing
    detail = await supervisor.page("/admin/data-requests/1")
    assert "langsung lewat chat" in detail and "Proses penghapusan" not in detail
