"""What a customer typed, shown in the admin, is text: escaped and never rendered as a
template, in the registration detail and in the chat transcript."""

from __future__ import annotations

from ispbot.providers.messages import Contact, InboundKind, InboundMessage
from ispbot.storage import conversations, inbox
from tests.conftest import Harness
from tests.webadmin.support import Browser, make_registration

NAME = "Budi {{ 7*1913 }} <script>alert('x')</script>"
SAID = "{% for x in range(3) %}13391{% endfor %} {{ 7*1913 }} <img src=x onerror=alert(1)>"


async def test_a_hostile_name_and_chat_are_shown_as_typed(h: Harness, cs: Browser) -> None:
    registration = await make_registration(h, full_name=NAME, notes=SAID)
    async with h.services.db.transaction() as session:
        await inbox.store(session, InboundMessage(provider="fonnte", contact=Contact(phone=registration.phone),
                                                  kind=InboundKind.TEXT, message_id="evil-1", text=SAID), h.clock.now())
    for path in (f"/admin/registrations/{registration.id}", "/admin/registrations"):
        page = await cs.page(path)
        assert "13391" not in page.replace("13391{% endfor %}", ""), path  # no template ran
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "{{ 7*1913 }}" in page, path  # shown as typed
    detail = await cs.page(f"/admin/registrations/{registration.id}")
    assert "&lt;script&gt;alert(" in detail and "&lt;img src=x onerror=alert(1)&gt;" in detail


async def test_staff_see_neither_a_live_code_nor_a_typed_nik_in_the_transcript(h: Harness, cs: Browser) -> None:
    """The outbox keeps a code's text until it is sent; the transcript shows it masked, and
    a NIK typed in chat as the lists show it."""
    from ispbot.providers.messages import OutboundKind, OutboundMessage
    from ispbot.storage import outbox

    registration = await make_registration(h)
    contact = Contact(phone=registration.phone)
    async with h.services.db.transaction() as session:
        await inbox.store(session, InboundMessage(provider="fonnte", contact=contact, kind=InboundKind.TEXT,
                                                  message_id="nik-1", text="nik sy 3273 0155 0895 0002 kak"),
                          h.clock.now())
        await outbox.enqueue_many(session, provider="fonnte", now=h.clock.now(), messages=[
            OutboundMessage(to=contact, kind=OutboundKind.TEXT, text="Kode OTP Anda: *482913*", sensitive=True),
            OutboundMessage(to=contact, kind=OutboundKind.TEXT, text="Paket 100000 Mbps"),  # not a code
        ])
    page = await cs.page(f"/admin/registrations/{registration.id}")
    assert "482913" not in page and "Kode OTP Anda: <strong>••••••</strong>" in page
    assert "0155" not in page and "3273********0002" in page
    assert "100000" in page


NIK_LAYOUTS = ("327301 550895 0002", "3273-0155-0895-0002", "3273.0155.0895.0002", "3273015508950002")


async def test_a_nik_typed_in_any_layout_is_masked_on_every_page_showing_customer_text(
    h: Harness, cs: Browser
) -> None:
    """The transcript (registration page and chat inbox), the inbox's last-message preview,
    a registration's notes and address, a ticket's description: a NIK written the way the
    chat accepts it is shown as the lists show it."""
    from ispbot.storage import tickets
    from tests.flows.chat import Chat

    registration = await make_registration(
        h, notes=f"NIK istri {NIK_LAYOUTS[0]}", address_notes=f"rumah {NIK_LAYOUTS[1]}",
        address=f"Jl. Sukajadi No. 10 ({NIK_LAYOUTS[2]})",
    )
    chat = Chat(h, phone=registration.phone)
    await chat.send("cs")
    for layout in NIK_LAYOUTS:
        await chat.send(f"nik sy {layout} kak")
    async with h.services.db.transaction() as session:
        ticket = await tickets.open_ticket(
            session, kind="support", now=h.clock.now(), timezone=h.services.settings.tz, subject="Internet mati",
            description=f"atas nama NIK {NIK_LAYOUTS[3]}", contact_phone=registration.phone, created_via="whatsapp")
        convo = await conversations.get(session, registration.phone)
        assert convo is not None
    pages = {
        "registration": await cs.page(f"/admin/registrations/{registration.id}"),
        "inbox list": await cs.page("/admin/inbox"),
        "inbox conversation": await cs.page(f"/admin/inbox/{convo.id}"),
        "ticket": await cs.page(f"/admin/tickets/{ticket.id}"),
    }
    for name, page in pages.items():
        assert "3273********0002" in page, name
        assert "0895" not in page, name
    assert pages["registration"].count("3273********0002") >= 4 + 3  # the four messages, notes, landmark, address
    assert pages["inbox conversation"].count("3273********0002") >= 4


async def test_a_nik_typed_into_free_text_is_masked_in_exports_the_staff_api_and_lists(
    h: Harness, admin: Browser
) -> None:
    """A NIK the customer typed into the address (or the landmark, the notes) and one staff
    wrote into a note or a reason: masked in the CSV and Excel exports, in the staff API's
    list and a registration's detail (even for a role that sees the NIK field itself), in
    the tickets list, the registration's history and the audit page."""
    import csv
    import io

    from openpyxl import load_workbook
    from sqlalchemy import update

    from ispbot.storage import tickets
    from ispbot.storage.models import User
    from ispbot.webadmin.auth import new_api_token

    registration = await make_registration(
        h, address=f"Jl. Sukajadi No. 10, KTP {NIK_LAYOUTS[0]}", address_notes=f"pagar hijau {NIK_LAYOUTS[1]}",
        notes=f"NIK suami {NIK_LAYOUTS[2]}",
    )
    async with h.services.db.transaction() as session:
        await tickets.open_ticket(
            session, kind="support", now=h.clock.now(), timezone=h.services.settings.tz,
            subject=f"Internet mati: NIK {NIK_LAYOUTS[3]}", description="x", contact_phone=registration.phone,
            created_via="whatsapp")
    base = f"/admin/registrations/{registration.id}"
    assert (await admin.post(f"{base}/actions/verify", {"note": f"cocok dgn NIK {NIK_LAYOUTS[1]}"})).status == 303
    assert (await admin.post(f"{base}/actions/reject", {"reason": f"NIK {NIK_LAYOUTS[3]} sudah terdaftar"})).status == 303

    csv_rows = list(csv.reader(io.StringIO((await (await admin.get("/admin/registrations/export.csv")).read())
                                           .decode("utf-8-sig"))))
    assert csv_rows[1][7] == "3273********0001"  # the NIK field, as before
    assert csv_rows[1][8] == "Jl. Sukajadi No. 10, KTP 3273********0002"
    sheet = load_workbook(io.BytesIO(await (await admin.get("/admin/registrations/export.xlsx")).read()),
                          read_only=True).active
    assert sheet is not None
    assert [list(r) for r in sheet.iter_rows(values_only=True)][1][8] == "Jl. Sukajadi No. 10, KTP 3273********0002"

    token, digest = new_api_token()
    async with h.services.db.transaction() as session:
        await session.execute(update(User).where(User.username == "admin").values(api_token_hash=digest))
    bearer = {"Authorization": f"Bearer {token}"}
    listed = (await (await h.client.get("/api/registrations", headers=bearer)).json())["data"]["registrations"][0]
    one = (await (await h.client.get(f"/api/registrations/{registration.id}", headers=bearer)).json())["data"]
    assert one["id_card_number"] == "3273010101900001"  # an admin sees the NIK field whole, as before
    assert listed["id_card_number"] == "3273********0001"
    for shown in (listed, one):
        assert shown["address"] == "Jl. Sukajadi No. 10, KTP 3273********0002"
        assert shown["address_notes"] == "pagar hijau 3273********0002"
        assert shown["notes"] == "NIK suami 3273********0002"
        assert shown["rejection_reason"] == "NIK 3273********0002 sudah terdaftar"
    reasons = await (await admin.get("/admin/analytics/rejections.csv")).text()
    assert "NIK 3273********0002 sudah terdaftar" in reasons and "0895" not in reasons

    pages = {
        "tickets list": await admin.page("/admin/tickets"),
        "registration history": await admin.page(base),
        "audit": await admin.page("/admin/audit"),
    }
    for name, page in pages.items():
        assert "3273********0002" in page, name
        assert "0895" not in page, name


async def test_a_nik_split_over_lines_in_an_audited_value_is_masked_on_the_audit_page(
    h: Harness, admin: Browser
) -> None:
    """The audit page shows each entry's detail as JSON, where a line break is written `\\n`:
    a NIK typed over several lines of a note (or a custom message) was shown whole there,
    though the registration's history masked it. Other numbers in the same note stay as
    typed."""
    registration = await make_registration(h)
    base = f"/admin/registrations/{registration.id}"
    note = ("NIK istri:\n3273 0155\n0895 0002\r\nNIK anak\t3273\n0155 0895\n0003\n"
            f"lihat {registration.registration_number}, biaya 1500000, telp 0812 3456 7890")
    assert (await admin.post(f"{base}/actions/verify", {"note": note})).status == 303
    page = await admin.page("/admin/audit")
    assert "3273********0002" in page and "3273********0003" in page
    assert "0895" not in page
    assert registration.registration_number in page and "1500000" in page and "0812 3456 7890" in page
    assert "3273********0002" in await admin.page(base)  # the history masks it, as before
