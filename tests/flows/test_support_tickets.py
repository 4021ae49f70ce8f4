"""Reporting a problem and following tickets, for customers who already have tickets: the
seeded demo customer (081200000002, one resolved ticket)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from ispbot.storage.models import Conversation, Ticket, TicketEvent
from tests.conftest import Harness
from tests.flows.test_self_service import customer_chat, opened_ticket, portal  # noqa: F401 (fixture)


async def test_a_story_typed_at_the_ticket_list_opens_a_new_ticket(portal: Harness) -> None:  # noqa: F811
    """The list refused it ("Mohon pilih salah satu pilihan"), then handed the chat to CS."""
    chat = customer_chat(portal)
    [listed] = await chat.send("tiket")
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
    await chat.send("tiket")
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


async def _report(chat: Any, story: str) -> list[str]:
    await chat.send("lapor")
    return await chat.send(story)


async def test_a_report_while_a_ticket_is_open_asks_whether_it_is_the_same_problem(
    portal: Harness,  # noqa: F811
) -> None:
    """"internet mati" again the next day opened TKT-…-0003 beside the open TKT-…-0002."""
    chat = customer_chat(portal)
    await _report(chat, "internet mati sejak pagi, lampu LOS merah")
    first = await opened_ticket(portal, (await chat.send("lewati"))[0])
    [asked] = await _report(chat, "internet mati lagi dari semalam")
    assert f"*{first.ticket_number}* (Internet mati), status *Dibuka*" in asked and "masalah yang sama" in asked
    [added] = await chat.send("1")  # Tambahkan ke tiket
    assert f"sudah kami tambahkan ke tiket *{first.ticket_number}*" in added
    async with portal.services.db.sessions() as s:
        numbers = list((await s.execute(select(Ticket.ticket_number))).scalars())
        notes = list((await s.execute(select(TicketEvent.note).where(TicketEvent.ticket_id == first.id))).scalars())
    assert len(numbers) == 2  # the demo customer's resolved one and the open one: no third
    assert "Info tambahan dari pelanggan: internet mati lagi dari semalam" in notes


async def test_another_problem_while_a_ticket_is_open_gets_its_own_ticket(portal: Harness) -> None:  # noqa: F811
    chat = customer_chat(portal)
    await _report(chat, "internet mati sejak pagi, lampu LOS merah")
    first = await opened_ticket(portal, (await chat.send("lewati"))[0])
    await _report(chat, "tagihan saya ditagih dua kali bulan ini")
    [ask_photo] = await chat.send("2")  # Buat tiket baru
    assert "foto" in ask_photo
    second = await opened_ticket(portal, (await chat.send("lewati"))[0])
    assert second.ticket_number != first.ticket_number and second.category == "billing"


async def test_a_nik_in_the_story_is_not_cut_in_two_by_the_ticket_subject(portal: Harness) -> None:  # noqa: F811
    """The subject (what lists show) is the story's start: a NIK across its 60th character
    would leave a dozen digits that no longer read as a NIK. It is masked before the cut."""
    chat = customer_chat(portal)
    story = "internet mati sejak pagi, lampu LOS merah, NIK 3273 0155 0895 0002 ya kak"
    assert "0155 089" in story[:60]  # what the subject held
    await _report(chat, story)
    ticket = await opened_ticket(portal, (await chat.send("lewati"))[0])
    assert ticket.description == story  # kept as typed; staff pages mask it
    assert ticket.subject.endswith("NIK 3273********0")


async def test_thanks_at_the_problem_question_is_no_description(portal: Harness) -> None:  # noqa: F811
    """"terima kasih" was taken as the fault's description and the ticket asked for a photo."""
    chat = customer_chat(portal)
    await chat.send("lapor")
    [asked] = await chat.send("1")  # Internet mati
    assert "ceritakan masalahnya" in asked
    courtesy, again = await chat.send("terima kasih kak")
    assert "Sama-sama" in courtesy and "ceritakan masalahnya" in again
    [ask_photo] = await chat.send("mati total sejak jam 7 pagi, lampu LOS merah")
    assert "foto" in ask_photo
    ticket = await opened_ticket(portal, (await chat.send("lewati"))[0])
    assert ticket.category == "no_internet" and ticket.description == "mati total sejak jam 7 pagi, lampu LOS merah"


async def test_lapor_gangguan_goes_straight_to_the_new_report(portal: Harness) -> None:  # noqa: F811
    """"lapor gangguan" showed the list of the customer's tickets (the demo's one, resolved
    long ago) and asked to choose *Lapor gangguan baru* in it: the seed's portal keeps
    "Buat Tiket Baru" and "Tiket Saya" apart. No open ticket: nothing else is said."""
    chat = customer_chat(portal)
    [asked] = await chat.send("lapor gangguan")
    assert "Apa masalahnya?" in asked and "Tiket Anda" not in asked and "masih diproses" not in asked
    [ask_photo] = await chat.tap("Internet lambat")
    assert "ceritakan" in ask_photo
    await chat.send("batal")
    [listed] = await chat.send("tiket")  # the list is where it was: "tiket"
    assert "Tiket Anda" in listed


async def test_a_new_report_names_the_tickets_still_open_in_one_line(portal: Harness) -> None:  # noqa: F811
    chat = customer_chat(portal)
    await chat.send("lapor")
    await chat.send("internet mati sejak pagi, lampu LOS merah")
    first = await opened_ticket(portal, (await chat.send("lewati"))[0])
    await chat.send("menu")
    [asked] = await chat.tap("Lapor gangguan")  # the menu's button
    assert "Apa masalahnya?" in asked and "Tiket Anda" not in asked
    [line] = [row for row in asked.splitlines() if first.ticket_number in row]
    assert f"*{first.ticket_number}* (Internet mati, Dibuka)" in line and "ketik *tiket*" in line
    [same] = await chat.send("internet mati lagi dari semalam")  # the same fault: asked before a second ticket
    assert "masalah yang sama" in same


async def test_in_english_a_new_report_names_the_open_ticket(portal: Harness) -> None:  # noqa: F811
    chat = customer_chat(portal)
    await chat.send("english")
    await chat.send("gangguan")
    await chat.send("no internet since this morning, red LOS light")
    first = await opened_ticket(portal, (await chat.send("skip"))[0])
    [asked] = await chat.send("lapor gangguan")
    assert "What is the problem?" in asked
    assert f"*{first.ticket_number}* (No internet, Open)" in asked and "type *tickets*" in asked


async def test_tiket_typed_as_the_description_shows_the_tickets_instead_of_filing_it(
    portal: Harness,  # noqa: F811
) -> None:
    """"tiket" (5 characters) was taken as the fault's description, and a ticket opened."""
    chat = customer_chat(portal)
    await chat.send("lapor")
    [described] = await chat.send("1")  # a category
    assert "ceritakan" in described.lower() or "jelaskan" in described.lower(), described
    [listed] = await chat.send("tiket")
    assert "Tiket Anda" in listed
    async with portal.services.db.sessions() as session:
        descriptions = (await session.execute(select(Ticket.description))).scalars().all()
    assert "tiket" not in descriptions


async def test_tiket_as_the_description_with_no_tickets_yet_asks_for_the_story(portal: Harness) -> None:  # noqa: F811
    async with portal.services.db.transaction() as session:
        await session.execute(delete(TicketEvent))
        await session.execute(delete(Ticket))
    chat = customer_chat(portal)
    await chat.send("lapor")
    await chat.send("1")
    told, again = await chat.send("tiket")
    assert "belum punya tiket" in told and "ceritakan masalahnya" in again
    async with portal.services.db.sessions() as session:
        assert (await session.execute(select(Ticket))).first() is None
