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
