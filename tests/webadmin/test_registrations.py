"""The registrations list and detail pages, and every staff action on a registration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from ispbot.storage.models import AuditEntry, Customer, OutboxMessage, Registration, Ticket
from tests.conftest import Harness
from tests.webadmin.support import Browser, make_registration, refused, status_of, to_customer


async def test_list_shows_kpis_and_masks_the_nik(h: Harness, cs: Browser) -> None:
    await make_registration(h)
    await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102")
    page = await cs.page("/admin/registrations")
    assert 'data-kpi="total">2<' in page and 'data-kpi="pending">2<' in page and 'data-kpi="today">2<' in page
    assert "Budi Santoso" in page and "Siti Aminah" in page
    assert "3273********0001" in page and "3273010101900001" not in page
    assert "Menunggu Verifikasi" in page


async def test_the_approved_card_counts_what_its_link_lists(h: Harness, admin: Browser) -> None:
    """It counted customers created too (74) while its link listed 37."""
    for n, status in enumerate(("approved", "customer_created", "approved")):
        registration = await make_registration(h, email=f"a{n}@example.com", phone=f"628120000011{n}")
        async with h.services.db.transaction() as session:
            row = await session.get(Registration, registration.id)
            assert row is not None
            row.status = status
    page = await admin.page("/admin/registrations")
    assert 'data-kpi="approved">2<' in page
    listed = await admin.page("/admin/registrations?status=approved")
    assert listed.count("<tr data-id=") == 2


async def test_search_by_name_email_phone_and_number(h: Harness, cs: Browser) -> None:
    budi = await make_registration(h)
    await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102")

    async def found(query: str) -> set[str]:
        page = await cs.page(f"/admin/registrations?q={query}")
        return {name for name in ("Budi Santoso", "Siti Aminah") if name in page}

    assert await found("siti") == {"Siti Aminah"}
    assert await found("budi%40example") == {"Budi Santoso"}
    assert await found("0812-0000-0102") == {"Siti Aminah"}
    assert await found("%2B62812000001") == {"Budi Santoso", "Siti Aminah"}
    assert await found(budi.registration_number) == {"Budi Santoso"}
    assert await found("nobody") == set()


async def test_search_by_what_a_customer_on_the_phone_reads_out(h: Harness, cs: Browser) -> None:
    """The last digits of a WhatsApp number, a KTP number, a registration number without
    its REG-: what a CS agent types while the customer reads it out."""
    budi = await make_registration(h)
    await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102",
                            id_card_number="3273014101900002")

    async def found(query: str) -> set[str]:
        page = await cs.page(f"/admin/registrations?q={query}")
        return {name for name in ("Budi Santoso", "Siti Aminah") if name in page}

    assert await found("0102") == {"Siti Aminah"}
    assert await found("00 0101") == {"Budi Santoso"}
    assert await found("8120000") == {"Budi Santoso", "Siti Aminah"}  # a number's start, as before
    assert await found("3273014101900002") == {"Siti Aminah"}
    assert await found("3273-0141-0190-0002") == {"Siti Aminah"}
    assert await found("3273014101900009") == set()
    number = budi.registration_number.removeprefix("REG-")  # YYYYMMDD-0001
    assert await found(number) == {"Budi Santoso"}
    assert await found(number.replace("-", "")) == {"Budi Santoso"}
    assert await found(number.split("-")[0]) == {"Budi Santoso", "Siti Aminah"}  # that day's
    assert await found("012") == set()  # too short to name anything: nothing, not everyone


async def test_search_by_the_last_digits_of_a_registration_number(h: Harness, cs: Browser) -> None:
    """"0061" (what the customer reads out of REG-20261203-0061) found nothing: it was
    tried as a phone's ending only."""
    budi = await make_registration(h)  # REG-20261121-0001
    h.clock.advance(days=91)
    assert (await cs.login("cs")).status == 303  # signed in again, three months on
    await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102")
    andi = await make_registration(h, full_name="Andi Wijaya", email="andi@example.com", phone="6281200000103")

    async def found(query: str) -> set[str]:
        page = await cs.page(f"/admin/registrations?q={query}")
        return {name for name in ("Budi Santoso", "Siti Aminah", "Andi Wijaya") if name in page}

    assert budi.registration_number.endswith("-0001") and andi.registration_number.endswith("-0002")
    assert await found("0001") == {"Siti Aminah"}  # today's 0001; Budi's is older than 90 days
    assert await found("002") == {"Andi Wijaya"}  # read out without the first zero
    assert await found("0103") == {"Andi Wijaya"}  # still a phone's ending
    assert await found(budi.registration_number.removeprefix("REG-")) == {"Budi Santoso"}  # whole, at any age


async def test_a_nik_on_another_registration_is_flagged_on_the_page(h: Harness, cs: Browser) -> None:
    first = await make_registration(h)
    second = await make_registration(h, full_name="Budi S.", email="budi2@example.com", phone="6281200000102")
    other = await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000103",
                                    id_card_number="3273014101900002")
    page = await cs.page(f"/admin/registrations/{second.id}")
    assert "NIK ini juga dipakai" in page and first.registration_number in page
    assert other.registration_number not in page
    assert "NIK ini juga dipakai" not in await cs.page(f"/admin/registrations/{other.id}")


async def test_the_survey_form_starts_at_the_customers_time_slot(h: Harness, cs: Browser) -> None:
    """Saturday's clock: the next working day is Monday, at the start of the slot chosen."""
    afternoon = await make_registration(h, preferred_time_slot="Sore (15.00–18.00)")
    anytime = await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102",
                                      preferred_time_slot=None)
    for registration in (afternoon, anytime):
        await cs.post(f"/admin/registrations/{registration.id}/actions/verify")
    assert 'value="2026-11-23T15:00"' in await cs.page(f"/admin/registrations/{afternoon.id}")
    assert 'value="2026-11-23T09:00"' in await cs.page(f"/admin/registrations/{anytime.id}")
    await cs.post(f"/admin/registrations/{afternoon.id}/actions/schedule_survey", {"survey_date": "2026-11-25T10:30"})
    await cs.post(f"/admin/registrations/{afternoon.id}/actions/schedule_survey", {"survey_date": "2026-11-25T10:30"})
    page = await cs.page(f"/admin/registrations/{afternoon.id}")
    assert 'value="2026-11-25T10:30"' in page  # a reschedule starts from the time set


async def test_status_filter(h: Harness, cs: Browser) -> None:
    first = await make_registration(h)
    await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102")
    await cs.post(f"/admin/registrations/{first.id}/actions/verify")
    page = await cs.page("/admin/registrations?status=verified")
    assert "Budi Santoso" in page and "Siti Aminah" not in page


async def add_numbered(h: Harness, count: int) -> None:
    """`count` registrations, "Pelanggan Nomor 000" first, one second apart."""
    for n in range(count):
        h.clock.advance(seconds=1)
        await make_registration(h, full_name=f"Pelanggan Nomor {n:03d}", email=f"p{n}@example.com",
                                phone=f"62812000{n:05d}")


def numbered_on(page: str) -> list[str]:
    return [part.split("<")[0] for part in page.split("Pelanggan Nomor ")[1:]]


async def test_keyset_pages_walk_every_row_once(h: Harness, cs: Browser) -> None:
    await add_numbered(h, 120)
    seen: list[str] = []
    path = "/admin/registrations"
    while True:
        page = await cs.page(path)
        seen += numbered_on(page)
        if "Lebih lama" not in page:
            break
        path = "/admin/registrations?" + page.split('href="/admin/registrations?')[-1].split('"')[0].replace("&amp;", "&")
    assert seen == [f"{n:03d}" for n in reversed(range(120))]
    assert "Lebih baru" in await cs.page(path)


async def test_detail_shows_every_field_history_and_transcript(h: Harness, cs: Browser) -> None:
    registration = await make_registration(h, latitude=-6.87, longitude=107.59, address_notes="Dekat masjid")
    page = await cs.page(f"/admin/registrations/{registration.id}")
    for text in ("Budi Santoso", "budi@example.com", "081200000101", "WhatsApp terverifikasi",
                 "3273010101900001", "Jl. Sukajadi No. 10", "001/002", "Sukagalih", "Kota Bandung",
                 "40163", "Dekat masjid", "google.com/maps?q=-6.87,107.59", "Home Silver 40M",
                 "Rp 199.900/bulan", "Riwayat Status", "data:image/svg+xml",
                 f"http://isp.example/track/{registration.registration_number}"):
        assert text in page, text
    assert f'action="/admin/registrations/{registration.id}/actions/verify"' in page
    assert "/actions/approve" not in page  # not allowed yet, and not for cs anyway


async def test_the_transcript_shows_the_options_the_customer_answered(h: Harness, cs: Browser) -> None:
    """"4" in the transcript means nothing without the list it picked from."""
    from tests.flows.chat import Chat

    await Chat(h, phone="6281200000101").send("halo")
    registration = await make_registration(h)
    page = await cs.page(f"/admin/registrations/{registration.id}")
    offered = page[page.index('class="bubble-choices"'):]
    offered = offered[: offered.index("</ol>")]
    assert "<li>Daftar pasang baru</li>" in offered and "<li>Hubungi CS</li>" in offered


async def test_the_whole_lifecycle_from_the_admin(h: Harness, admin: Browser) -> None:
    registration = await make_registration(h)
    base = f"/admin/registrations/{registration.id}"
    page = await admin.follow(await admin.post(f"{base}/actions/verify", {"note": "KTP cocok"}))
    assert "Pendaftaran diverifikasi. Status kini" in page and "KTP cocok" in page
    response = await admin.post(f"{base}/actions/schedule_survey", {"survey_date": "2026-11-25T09:30"})
    assert "Survey Dijadwalkan" in await admin.follow(response)
    early = await refused(await admin.post(f"{base}/actions/complete_survey"))
    assert "tandai selesai pada hari survey" in early and await status_of(h, registration.id) == "survey_scheduled"
    h.clock.advance(days=4)  # Wednesday 25 November, the survey's day
    await admin.login("admin")
    await admin.post(f"{base}/actions/complete_survey")
    await admin.post(f"{base}/actions/approve")
    page = await admin.follow(await admin.post(f"{base}/actions/create_customer"))
    assert await status_of(h, registration.id) == "customer_created"
    async with h.services.db.sessions() as session:
        customer = (await session.execute(select(Customer))).scalar_one()
        kinds = list((await session.execute(select(Ticket.kind).order_by(Ticket.id))).scalars())
        audited = list((await session.execute(select(AuditEntry.action))).scalars())
    assert customer.customer_code == "AGLS202611250001" and customer.portal_active
    assert customer.customer_code in page
    assert kinds == ["survey", "installation"]
    assert {"registration.verify", "registration.approve", "registration.create_customer"} <= set(audited)
    await h.settle()
    texts = h.gateway.texts_to("6281200000101")
    assert len(texts) == 5
    assert "Data Anda telah diverifikasi" in texts[0]
    assert "Rabu, 25 November 2026, 09.30 WIB" in texts[1]
    assert "telah disetujui" in texts[3] and customer.customer_code in texts[4]


async def test_an_action_the_status_does_not_allow_is_refused_clearly(h: Harness, admin: Browser) -> None:
    registration = await make_registration(h)
    page = await admin.follow(await admin.post(f"/admin/registrations/{registration.id}/actions/approve"))
    assert "tidak diizinkan saat status pendaftaran “Menunggu Verifikasi”" in page
    assert await status_of(h, registration.id) == "pending_verification"
    await h.settle()
    assert h.gateway.texts_to("6281200000101") == []


async def test_cs_may_not_approve_or_create_customers(h: Harness, cs: Browser) -> None:
    registration = await make_registration(h)
    await cs.post(f"/admin/registrations/{registration.id}/actions/verify")
    response = await cs.post(f"/admin/registrations/{registration.id}/actions/approve")
    assert response.status == 403 and "Akses ditolak" in await response.text()
    assert await status_of(h, registration.id) == "verified"


async def test_reject_needs_a_reason_and_sends_it(h: Harness, cs: Browser) -> None:
    registration = await make_registration(h)
    base = f"/admin/registrations/{registration.id}"
    page = await refused(await cs.post(f"{base}/actions/reject", {"reason": "  ", "note": "Alamat di luar area"}))
    assert "Alasan penolakan wajib diisi" in page
    assert 'name="note" maxlength="1000" value="Alamat di luar area"' in page  # the note, kept to send again
    await cs.post(f"{base}/actions/reject", {"reason": "Di luar area layanan"})
    assert await status_of(h, registration.id) == "rejected"
    await h.settle()
    [text] = h.gateway.texts_to("6281200000101")
    assert "*Alasan:* Di luar area layanan" in text


async def test_survey_date_must_be_in_the_future(h: Harness, cs: Browser) -> None:
    registration = await make_registration(h)
    base = f"/admin/registrations/{registration.id}"
    await cs.post(f"{base}/actions/verify")
    page = await refused(await cs.post(f"{base}/actions/schedule_survey", {"survey_date": "2020-01-01T09:00"}))
    assert "masa depan" in page and await status_of(h, registration.id) == "verified"


async def test_a_refused_survey_date_comes_back_as_typed_with_its_note(h: Harness, cs: Browser) -> None:
    """A Sunday, an evening, a past date: the form came back with tomorrow's default and
    the note emptied, to be typed again while the customer waited on the phone."""
    registration = await make_registration(h)  # the clock: Saturday 21 November 2026
    base = f"/admin/registrations/{registration.id}"
    await cs.post(f"{base}/actions/verify")
    sent = {"survey_date": "2026-11-29T10:00", "note": "Minta teknisi bawa tangga", "queue": "verified"}
    page = await refused(await cs.post(f"{base}/actions/schedule_survey", sent))
    form = page[page.index(f'action="{base}/actions/schedule_survey"'):]
    form = form[:form.index("</form>")]
    assert "Survey tidak dijadwalkan pada hari Minggu." in form  # said on the form itself
    assert 'name="survey_date" value="2026-11-29T10:00"' in form
    assert 'value="Minta teknisi bawa tangga"' in form
    assert 'name="queue" value="verified"' in form and 'name="csrf_token"' in form
    assert "Minta teknisi bawa tangga" not in page[page.index(f'action="{base}/actions/reject"'):]  # its own form only
    assert await status_of(h, registration.id) == "verified"


async def test_a_survey_sent_twice_tells_the_customer_once_and_a_new_time_moves_its_ticket(
    h: Harness, cs: Browser
) -> None:
    registration = await make_registration(h)  # the clock: Saturday 21 November 2026
    base = f"/admin/registrations/{registration.id}"
    await cs.post(f"{base}/actions/verify")
    for _ in range(3):  # a double submit, a reload
        page = await cs.follow(await cs.post(f"{base}/actions/schedule_survey", {"survey_date": "2026-11-25T09:30"}))
    assert "tidak ada yang diubah" in page
    page = await cs.follow(await cs.post(f"{base}/actions/schedule_survey", {"survey_date": "2026-11-26T13:00"}))
    assert "Survey dijadwalkan. Status kini" in page
    for absurd, told in (("2027-12-31T09:00", "paling lambat 90 hari"), ("2026-11-27T03:00", "antara 07.00 dan 20.00"),
                         ("2026-11-29T10:00", "hari Minggu")):
        page = await refused(await cs.post(f"{base}/actions/schedule_survey", {"survey_date": absurd}))
        assert told in page and f'value="{absurd}"' in page
    async with h.services.db.sessions() as session:
        surveys = list((await session.execute(select(Ticket).where(Ticket.kind == "survey"))).scalars())
    assert len(surveys) == 1 and surveys[0].scheduled_at is not None
    assert surveys[0].scheduled_at.astimezone(h.services.settings.tz).strftime("%d %H:%M") == "26 13:00"
    await h.settle()
    told = [t for t in h.gateway.texts_to("6281200000101") if "survey lokasi" in t.lower()]
    assert len(told) == 2 and "Survey lokasi telah dijadwalkan" in told[0]
    assert "Jadwal survey lokasi Anda *diubah*" in told[1]  # a new time says it is one, and what it replaces
    assert "*Jadwal baru:* Kamis, 26 November 2026, 13.00 WIB" in told[1]
    assert "~Jadwal lama: Rabu, 25 November 2026, 09.30 WIB~" in told[1]


async def test_bulk_verify(h: Harness, cs: Browser) -> None:
    a = await make_registration(h)
    b = await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102")
    c = await make_registration(h, full_name="Andi Wijaya", email="andi@example.com", phone="6281200000103")
    await cs.post(f"/admin/registrations/{c.id}/actions/reject", {"reason": "Data palsu"})
    response = await cs.post("/admin/registrations/bulk-verify", [("ids", str(a.id)), ("ids", str(b.id)), ("ids", str(c.id))])
    page = await cs.follow(response)
    assert "2 pendaftaran diverifikasi. 1 dilewati" in page
    assert [await status_of(h, r.id) for r in (a, b, c)] == ["verified", "verified", "rejected"]
    await h.settle()
    assert "diverifikasi" in h.gateway.texts_to("6281200000102")[0]


async def test_resend_and_custom_message(h: Harness, cs: Browser) -> None:
    registration = await make_registration(h)
    base = f"/admin/registrations/{registration.id}"
    await cs.post(f"{base}/resend")
    await cs.post(f"{base}/message", {"text": "Mohon kirim ulang foto KTP yang lebih jelas."})
    empty = await cs.follow(await cs.post(f"{base}/message", {"text": " "}))
    assert "tidak boleh kosong" in empty
    await h.settle()
    confirmation, custom = h.gateway.texts_to("6281200000101")
    assert registration.registration_number in confirmation and "Rp 199.900/bulan" in confirmation
    assert "Halo Budi Santoso" in custom and "foto KTP yang lebih jelas" in custom
    async with h.services.db.sessions() as session:
        rows = list((await session.execute(select(OutboxMessage.purpose, OutboxMessage.sent_by))).all())
        audited = list((await session.execute(select(AuditEntry.action))).scalars())
    assert [purpose for purpose, _ in rows] == ["resend:registration_confirmation", "custom"]
    assert all(sent_by is not None for _, sent_by in rows)
    assert {"registration.resend", "registration.message"} <= set(audited)


async def test_ktp_photo_is_private_audited_and_not_cached(h: Harness, cs: Browser, browser_factory: Callable[..., Any]) -> None:
    ktp = h.services.settings.data_dir / "ktp"
    ktp.mkdir(parents=True)
    (ktp / "abc123.jpg").write_bytes(b"\xff\xd8\xff fake jpeg")
    registration = await make_registration(h, id_card_photo="abc123.jpg")
    response = await cs.get(f"/admin/registrations/{registration.id}/ktp")
    assert response.status == 200 and response.headers["Content-Type"] == "image/jpeg"
    assert "no-store" in response.headers["Cache-Control"]
    assert await response.read() == b"\xff\xd8\xff fake jpeg"
    anonymous: Browser = await browser_factory()
    assert (await anonymous.get(f"/admin/registrations/{registration.id}/ktp")).status == 303
    async with h.services.db.sessions() as session:
        views = list((await session.execute(select(AuditEntry).where(AuditEntry.action == "ktp.view"))).scalars())
    assert len(views) == 1 and views[0].target_id == registration.registration_number


async def test_a_ktp_photo_still_being_fetched_is_said_so_not_shown_broken(h: Harness, cs: Browser) -> None:
    """Until the photo job had fetched it from the gateway the page showed a broken image
    (its route answers 404 for a pending photo); the ticket's page already said "being
    fetched"."""
    import httpx

    from ispbot.ktp_photos import fetch_pending_photos
    from tests.bot.test_ktp_photos import JPEG, serve_photo

    registration = await make_registration(h, id_card_photo="pending:fonnte:https://files.example/ktp.jpg")
    page = await cs.page(f"/admin/registrations/{registration.id}")
    assert "Pelanggan mengirim foto KTP; foto sedang diambil dari WhatsApp" in page
    assert f"/admin/registrations/{registration.id}/ktp" not in page
    serve_photo(h, httpx.Response(200, content=JPEG))
    assert await fetch_pending_photos(h.services) == 1
    page = await cs.page(f"/admin/registrations/{registration.id}")
    assert f'<img src="/admin/registrations/{registration.id}/ktp"' in page and "sedang diambil" not in page
    gone = await make_registration(h, id_card_photo="lost.jpg", phone="6281200000102", email="siti@example.com",
                                   id_card_number="3273010101900002")
    page = await cs.page(f"/admin/registrations/{gone.id}")
    assert "Berkas foto KTP tidak ditemukan" in page and f"/admin/registrations/{gone.id}/ktp" not in page


async def test_a_ktp_photo_the_gateway_no_longer_has_is_noted_for_staff(h: Harness, cs: Browser) -> None:
    """The page said "being fetched" for ever: the media URL had expired at the gateway."""
    import httpx

    from ispbot.ktp_photos import fetch_pending_photos
    from tests.bot.test_ktp_photos import serve_photo

    registration = await make_registration(h, id_card_photo="pending:fonnte:https://files.example/ktp.jpg")
    serve_photo(h, httpx.Response(410))
    assert await fetch_pending_photos(h.services) == 0
    page = await cs.page(f"/admin/registrations/{registration.id}")
    assert "sedang diambil" not in page and f"/admin/registrations/{registration.id}/ktp" not in page
    assert "Foto KTP yang dikirim pelanggan lewat WhatsApp tidak bisa diambil dari gateway" in page
    await h.settle()
    assert "foto KTP untuk pendaftaran" in h.gateway.texts_to(registration.phone)[-1]
    assert "tidak berhasil kami terima" in page  # what the customer was told, in the chat shown


async def test_only_rejected_registrations_can_be_deleted_and_not_by_cs(
    h: Harness, cs: Browser, browser_factory: Callable[..., Any]
) -> None:
    supervisor: Browser = await browser_factory("supervisor")
    registration = await make_registration(h)
    base = f"/admin/registrations/{registration.id}"
    page = await supervisor.follow(await supervisor.post(f"{base}/delete"))
    assert "Hanya pendaftaran yang ditolak" in page
    await cs.post(f"{base}/actions/reject", {"reason": "Duplikat"})
    assert (await cs.post(f"{base}/delete")).status == 403
    page = await supervisor.follow(await supervisor.post(f"{base}/delete"))
    assert f"Pendaftaran {registration.registration_number} dihapus" in page
    assert (await supervisor.get(base)).status == 404


async def test_customer_text_is_escaped_everywhere(h: Harness, admin: Browser) -> None:
    evil = '<script>alert("x")</script>'
    registration = await make_registration(
        h, full_name=f"Budi {evil}", address=f"Jl. {evil}", notes=evil, address_notes=evil, city=evil,
        kelurahan=evil, preferred_time_slot=evil
    )
    async with h.services.db.transaction() as session:
        from ispbot.providers.messages import Contact, InboundKind, InboundMessage
        from ispbot.storage import inbox

        await inbox.store(session, InboundMessage(provider="fonnte", contact=Contact(phone="6281200000101"),
                                                  kind=InboundKind.TEXT, message_id="m1", text=evil), h.clock.now())
    base = f"/admin/registrations/{registration.id}"
    await admin.post(f"{base}/actions/verify", {"note": evil})
    await admin.post(f"{base}/actions/schedule_survey", {"survey_date": "2026-11-25T09:00", "note": evil})
    await admin.post(f"{base}/message", {"text": evil})
    await admin.post(f"{base}/actions/reject", {"reason": evil, "note": evil})
    async with h.services.db.sessions() as session:
        ticket = (await session.execute(select(Ticket))).scalar_one()
    await admin.post(f"/admin/tickets/{ticket.id}/status", {"status": "in_progress", "note": evil})
    pages = ["/admin/registrations", base, f"/admin/registrations?q={registration.registration_number}",
             "/admin/tickets", f"/admin/tickets/{ticket.id}", "/admin/audit"]
    for path in pages:
        page = await admin.page(path)
        assert "<script>alert" not in page, path
        assert path == "/admin/tickets" or "&lt;script&gt;alert(" in page, path  # the list shows no customer text
    track = await (await h.client.get(f"/track/{registration.registration_number}")).text()
    assert "<script>alert" not in track and "&lt;script&gt;alert(" in track


async def test_a_new_customer_is_billed_from_the_month_after_installation(h: Harness, admin: Browser) -> None:
    """Created from an approved registration, the account waits for installation: the
    billing run made a full month's invoice the same day, weeks before the technician came."""
    from datetime import timedelta

    from ispbot.storage import invoices

    registration = await make_registration(h)  # the clock: Saturday 21 November 2026
    await to_customer(admin, registration)
    tz = h.services.settings.tz

    async def bill() -> list[str]:
        now = h.clock.now()
        async with h.services.db.transaction() as session:
            made = await invoices.issue_monthly(session, today=now.astimezone(tz).date(), now=now, billing_day=1,
                                                due_days=19, timezone=tz)
        return [i.period for i in made]

    assert await bill() == []
    async with h.services.db.sessions() as session:
        customer = (await session.execute(select(Customer))).scalar_one()
        install = (await session.execute(select(Ticket).where(Ticket.kind == "installation"))).scalar_one()
    assert customer.account_status == "pending_installation"
    assert "Menunggu instalasi" in await admin.page(f"/admin/customers/{customer.id}")
    h.clock.advance(days=4)  # installed on 25 November
    await admin.login("admin")  # the session of four days ago has expired
    page = await admin.follow(await admin.post(f"/admin/tickets/{install.id}/status", {"status": "resolved"}))
    assert f"Akun {customer.customer_code} kini aktif" in page
    assert await bill() == []  # November, the month of installation, is not billed
    h.clock.advance(days=6)  # 1 December
    assert await bill() == ["2026-12"]
    h.clock.advance(timedelta(hours=1))
    assert await bill() == []  # once


async def test_an_oldest_first_list_stays_so_when_it_refreshes_and_when_exported(h: Harness, cs: Browser) -> None:
    """The live refresh, its "Muat ulang" link and the exports dropped `sort`: the rows
    turned newest first under a dropdown still saying "Terlama dulu"."""
    await add_numbered(h, 3)
    page = await cs.page("/admin/registrations?q=Pelanggan&status=pending_verification&sort=oldest")
    wanted = "q=Pelanggan&amp;status=pending_verification&amp;sort=oldest"
    assert f'data-live-src="/admin/registrations?partial=1&amp;{wanted}"' in page
    banner = page[page.index('id="live-banner"'):]
    assert f'href="/admin/registrations?{wanted}">Muat ulang' in banner
    assert f'href="/admin/registrations/export.csv?{wanted}"' in page
    assert f'href="/admin/registrations/export.xlsx?{wanted}"' in page

    partial = page.split('data-live-src="')[1].split('"')[0].replace("&amp;", "&")
    refreshed = await cs.page(partial)
    assert numbered_on(refreshed) == ["000", "001", "002"]
    assert '<option value="oldest" selected>' in refreshed
    response = await cs.get("/admin/registrations/export.csv?" + wanted.replace("&amp;", "&"))
    exported = (await response.read()).decode("utf-8-sig").splitlines()[1:]
    assert [line.split(",")[3] for line in exported] == [f"Pelanggan Nomor {n:03d}" for n in range(3)]


async def test_each_registration_leads_to_the_next_one_waiting_oldest_first(h: Harness, cs: Browser) -> None:
    """Fifty to clear: after an action the agent stayed on the page with no way on but
    the list (and back presses)."""
    oldest = await make_registration(h)
    h.clock.advance(minutes=5)
    middle = await make_registration(h, full_name="Siti Aminah", email="siti@example.com", phone="6281200000102")
    h.clock.advance(minutes=5)
    newest = await make_registration(h, full_name="Andi Wijaya", email="andi@example.com", phone="6281200000103")
    pending = "?queue=pending_verification"
    page = await cs.page(f"/admin/registrations/{newest.id}")
    assert f'href="/admin/registrations/{oldest.id}{pending}" data-next-waiting' in page
    page = await cs.follow(await cs.post(f"/admin/registrations/{oldest.id}/actions/verify",
                                         {"queue": "pending_verification"}))
    assert f'href="/admin/registrations/{middle.id}{pending}" data-next-waiting' in page  # still verifying
    for done in (middle, newest):
        await cs.post(f"/admin/registrations/{done.id}/actions/verify")
    assert "data-next-waiting" not in await cs.page(f"/admin/registrations/{newest.id}{pending}")  # all cleared
    # Opened on its own, a verified one leads on to the next waiting for its survey.
    page = await cs.page(f"/admin/registrations/{newest.id}")
    assert f'href="/admin/registrations/{oldest.id}?queue=verified" data-next-waiting' in page
    assert "Berikutnya (Terverifikasi)" in page


async def test_the_timeline_marks_a_rejection_where_the_registration_stopped(h: Harness, cs: Browser) -> None:
    registration = await make_registration(h)
    base = f"/admin/registrations/{registration.id}"
    await cs.post(f"{base}/actions/verify")
    await cs.post(f"{base}/actions/schedule_survey", {"survey_date": "2026-11-25T09:30"})
    await cs.post(f"{base}/actions/reject", {"reason": "Di luar area layanan"})
    page = await cs.page(base)
    steps = page[page.index('<ol class="steps"'):page.index("</ol>", page.index('<ol class="steps"'))]
    classes = [item.split('"')[0].split() for item in steps.split('<li class="')[1:]]
    assert classes == [["done"], ["done"], ["done"], ["rejected"], []]


async def test_the_list_can_show_the_longest_waiting_first_page_by_page(h: Harness, cs: Browser) -> None:
    """Newest first, the registrations past their SLA sat on the last page."""
    await add_numbered(h, 55)
    seen: list[str] = []
    path = "/admin/registrations?status=pending_verification&sort=oldest"
    while True:
        page = await cs.page(path)
        seen += numbered_on(page)
        if "Lebih baru ›" not in page:
            break
        path = "/admin/registrations?" + page.split('href="/admin/registrations?')[-1].split('"')[0].replace("&amp;", "&")
    assert seen == [f"{n:03d}" for n in range(55)]
    link = page[:page.index("‹ Lebih lama")]
    previous = link[link.rindex('href="/admin/registrations?') + 27:].split('"')[0].replace("&amp;", "&")
    assert "before=" in previous and "sort=oldest" in previous  # "‹ Lebih lama": back to the first page
    back = await cs.page("/admin/registrations?" + previous)
    names = numbered_on(back)
    assert names == [f"{n:03d}" for n in range(50)]
