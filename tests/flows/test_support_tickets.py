"""Reporting a problem and following tickets, for customers who already have tickets: the
seeded demo customer (081200000002, one resolved ticket)."""

from __future__ import annotations

from sqlalchemy import select

from ispbot.storage.models import Conversation
from tests.conftest import Harness
from tests.flows.test_self_service import customer_chat, opened_ticket, portal  # noqa: F401 (fixture)


async def test_a_story_typed_at_the_ticket_list_opens_a_new_ticket(portal: Harness) -> None:  # noqa: F811
    """The list refused it ("Mohon pilih salah satu pilihan"), then handed the chat to CS."""
    chat = customer_chat(portal)
    [listed] = await chat.send("lapor")
    assert "Tiket Anda" in listed
    [ask_photo] = await chat.send("internet mati sejak pagi, lampu LOS merah")
    assert "foto" in ask_photo
    [opened] = await chat.send("lewati")
    assert "sudah dibuat (Internet mati)" in opened
    ticket = await opened_ticket(portal, opened)
    assert (ticket.kind, ticket.category) == ("support", "no_internet")
    assert ticket.description == "internet mati sejak pagi, lampu LOS merah"


async def test_a_story_at_the_list_without_a_category_word_asks_only_the_category(
    portal: Harness,  # noqa: F811
) -> None:
    chat = customer_chat(portal)
    await chat.send("lapor")
    kept, ask = await chat.send("lampu modem berkedip oranye terus dari tadi")
    assert "sudah kami catat" in kept and "Apa masalahnya?" in ask
    [ask_photo] = await chat.tap("Lainnya")
    assert "foto" in ask_photo  # the story is not asked for again
    ticket = await opened_ticket(portal, (await chat.send("lewati"))[0])
    assert ticket.category == "other" and ticket.description == "lampu modem berkedip oranye terus dari tadi"
    async with portal.services.db.sessions() as s:
        convo = (await s.execute(select(Conversation))).scalars().first()
    assert convo is not None and convo.mode == "bot"  # nothing "unreadable": no handoff to CS


async def test_the_new_report_choice_typed_with_the_story_keeps_the_story(portal: Harness) -> None:  # noqa: F811
    chat = customer_chat(portal)
    await chat.send("tiket")
    [ask_photo] = await chat.send("lapor gangguan baru, internet mati sejak pagi")
    assert "foto" in ask_photo
    ticket = await opened_ticket(portal, (await chat.send("lewati"))[0])
    assert ticket.category == "no_internet" and ticket.description == "lapor gangguan baru, internet mati sejak pagi"
