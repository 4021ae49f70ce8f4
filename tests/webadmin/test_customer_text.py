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
