"""What a customer typed, shown in the admin, is text: escaped and never rendered as a
template, in the registration detail and in the chat transcript."""

from __future__ import annotations

from ispbot.providers.messages import Contact, InboundKind, InboundMessage
from ispbot.storage import inbox
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
