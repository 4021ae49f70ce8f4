"""The customer portal by chat, end to end through real-format webhooks: the seeded demo
customer (081200000002) and a stranger, who sees nothing of the customer's data."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from ispbot.storage import customers
from ispbot.storage.demo import (
    DEMO_CUSTOMER_CODE,
    DEMO_CUSTOMER_PHONE,
    seed_demo_customer,
    seed_faq,
)
from ispbot.storage.models import AuditEntry, Conversation, Customer, Invoice, Ticket
from tests.conftest import Harness
from tests.flows.chat import Chat

STRANGER = "6281200000199"


@pytest.fixture
async def portal(cloudapi: Harness) -> Harness:
    async with cloudapi.services.db.transaction() as s:
        now = cloudapi.clock.now()
        await seed_demo_customer(s, now, now.date())
        await seed_faq(s, now)
    return cloudapi


def customer_chat(h: Harness) -> Chat:
    return Chat(h, phone=DEMO_CUSTOMER_PHONE, gateway="cloudapi")


def everything_sent_to(h: Harness, phone: str) -> str:
    return "\n".join(r.text + "\n" + r.body.decode("utf-8", "replace") for r in h.gateway.requests if r.recipient == phone)


def document_path(h: Harness, phone: str) -> str:
    [document] = [r.json["document"] for r in h.gateway.requests if r.recipient == phone and r.json.get("type") == "document"]
    assert document["link"].startswith("https://isp.example/d/invoice/")
    return str(document["link"]).removeprefix("https://isp.example")


async def test_the_customer_is_recognised_and_sees_the_account_summary(portal: Harness) -> None:
    chat = customer_chat(portal)
    [summary] = await chat.send("akun")
    assert "Ahmad Test Customer" in summary and DEMO_CUSTOMER_CODE in summary
    assert "Home Silver 40M" in summary or "Silver" in summary
    assert "Tiket aktif: *0* · selesai: *1*" in summary
    assert "Tagihan belum dibayar: *1*" in summary
    async with portal.services.db.sessions() as s:
        unpaid = (await s.execute(select(Invoice).where(Invoice.status == "unpaid"))).scalar_one()
    assert f"Total tunggakan: *Rp {unpaid.amount:,}".replace(",", ".") in summary
    assert "Aktif" in summary


async def test_invoices_are_listed_and_the_chosen_one_arrives_as_a_signed_pdf(portal: Harness) -> None:
    chat = customer_chat(portal)
    [listing] = await chat.send("tagihan")
    assert "Belum dibayar: *1*" in listing
    rows = [c["title"] + " " + c.get("description", "") for c in chat.last_choices]
    assert len(rows) == 3 and "BELUM DIBAYAR" in rows[0] and all("LUNAS" in row for row in rows[1:])
    async with portal.services.db.sessions() as s:
        unpaid = (await s.execute(select(Invoice).where(Invoice.status == "unpaid"))).scalar_one()
    [caption] = await chat.tap(chat.last_choices[0]["title"])  # the newest: the unpaid one
    assert unpaid.invoice_number in caption and "Cara bayar" in caption
    path = document_path(portal, DEMO_CUSTOMER_PHONE)

    response = await portal.client.get(path)
    assert response.status == 200 and response.content_type == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(await response.read())).pages)
    assert "Ahmad Test Customer" in text and unpaid.invoice_number in text
    assert f"Rp {unpaid.amount:,}".replace(",", ".") in text
    assert f"{unpaid.due_date.day} " in text and str(unpaid.due_date.year) in text

    token = path.rsplit("/", 1)[1]
    object_id, expiry, mac = token.split(".")
    other_id = "Mg" if object_id != "Mg" else "Mw"  # base64url of "2" / "3": another invoice
    for tampered in (f"{other_id}.{expiry}.{mac}", f"{object_id}.{int(expiry) + 86400}.{mac}", token[:-2] + "xx", "x"):
        assert (await portal.client.get(f"/d/invoice/{tampered}")).status == 403

    portal.clock.advance(timedelta(days=portal.services.settings.document_link_days, seconds=1))
    expired = await portal.client.get(path)
    assert expired.status == 403
    # What to do, as a browser shows it: no WhatsApp stars around the word to type.
    assert 'Ketik "tagihan" di WhatsApp' in await expired.text()


async def test_a_customer_cannot_ask_for_someone_elses_invoice(portal: Harness) -> None:
    async with portal.services.db.transaction() as s:
        other = Customer(customer_code="AGLS202510150099", full_name="Siti Lain", email="siti@example.com",
                         phone="6281200000098", address="Jl. Lain 1", account_status="active", portal_active=True,
                         created_at=portal.clock.now(), updated_at=portal.clock.now())
        s.add(other)
        await s.flush()
        s.add(Invoice(invoice_number="INV-202510-00099", customer_id=other.id, period="2025-10",
                      issue_date=portal.clock.now().date(), due_date=portal.clock.now().date(), amount=123000,
                      status="unpaid", lines=[], created_at=portal.clock.now()))
    chat = customer_chat(portal)
    await chat.send("tagihan")
    [refused, _again] = await chat.send("INV-202510-00099")
    assert "tidak ditemukan di akun Anda" in refused
    assert not [r for r in portal.gateway.requests if r.json.get("type") == "document"]
    assert "123.000" not in everything_sent_to(portal, DEMO_CUSTOMER_PHONE)


async def test_a_stranger_links_by_customer_id_and_the_code_goes_to_the_number_on_file(portal: Harness) -> None:
    stranger = Chat(portal, phone=STRANGER, gateway="cloudapi")
    [not_linked, ask_id] = await stranger.send("tagihan")
    assert "belum terdaftar" in not_linked and "ID pelanggan" in ask_id
    [ask_code] = await stranger.send(DEMO_CUSTOMER_CODE.lower())
    assert "0812****002" in ask_code
    [code_message] = [r.text for r in portal.gateway.requests if r.recipient == DEMO_CUSTOMER_PHONE]
    code = re.search(r"\*(\d{6})\*", code_message)
    assert code and "KODE LOGIN" in code_message

    [wrong] = await stranger.send("000000" if code.group(1) != "000000" else "111111")
    assert "salah" in wrong.lower()
    seen = everything_sent_to(portal, STRANGER)
    assert "Ahmad" not in seen and "INV-" not in seen and code.group(1) not in seen

    linked, listing = await stranger.send(code.group(1))
    assert "Login berhasil" in linked and "Ahmad Test Customer" in linked
    assert "Tagihan Anda" in listing and len(stranger.last_choices) == 3  # what they asked for before linking

    [summary] = await stranger.send("akun")
    assert DEMO_CUSTOMER_CODE in summary
    [bye] = await stranger.send("keluar")
    assert "tidak terhubung" in bye
    [again, _ask] = await stranger.send("akun")
    assert "belum terdaftar" in again


async def test_a_stranger_asked_for_a_customer_id_can_register_instead(portal: Harness) -> None:
    stranger = Chat(portal, phone=STRANGER, gateway="cloudapi")
    await stranger.send("tagihan")
    [ask_name] = await stranger.send("daftar")  # what the question offers, not a customer id
    assert "nama lengkap" in ask_name


async def test_a_stranger_sees_nothing_and_cannot_guess_customer_ids(portal: Harness) -> None:
    stranger = Chat(portal, phone=STRANGER, gateway="cloudapi")
    for word in ("akun", "menu", "tiket", "profil"):
        await stranger.send("menu")
        await stranger.send(word)
    for guess in ("AGLS202510150002", "AGLS202510150003"):
        [unknown, _ask] = await stranger.send(guess)
        assert "tidak ditemukan" in unknown
    [stop] = await stranger.send("AGLS202510150004")
    assert "Terlalu banyak" in stop
    seen = everything_sent_to(portal, STRANGER)
    assert "Ahmad" not in seen and "INV-" not in seen and "0812****002" not in seen
    assert not [r for r in portal.gateway.requests if r.recipient == DEMO_CUSTOMER_PHONE]


async def test_customer_ids_cannot_be_guessed_by_starting_over(portal: Harness) -> None:
    """Three ids that match nothing, then no more tries for an hour: typing "akun" again
    reset the count, and every hit sent the customer a login code."""
    stranger = Chat(portal, phone=STRANGER, gateway="cloudapi")
    await stranger.send("akun")
    for n in range(2):
        [unknown] = (await stranger.send(f"AGLS20251015{n + 900:04d}"))[:1]
        assert "tidak" in unknown.lower()
    stopped = await stranger.send("AGLS202510150999")
    assert any("Terlalu banyak ID" in r for r in stopped)
    await stranger.send("akun")
    refused = await stranger.send(DEMO_CUSTOMER_CODE)  # the right id, inside the hour: still no
    assert any("Terlalu banyak ID" in r for r in refused)
    assert not [r for r in portal.gateway.requests if r.recipient == DEMO_CUSTOMER_PHONE]
    portal.clock.advance(minutes=61)
    await stranger.send("akun")
    [ask_code] = await stranger.send(DEMO_CUSTOMER_CODE)
    assert "0812****002" in ask_code


async def test_words_at_the_id_question_are_not_counted_as_guessed_ids(portal: Harness) -> None:
    """"paket" or "100mb" typed where the id is asked used up the three tries, and the
    right id was then refused for an hour."""
    chat = Chat(portal, phone=STRANGER, gateway="cloudapi")
    await chat.send("akun")
    for text in ("paket", "100mb", "lupa"):
        told, ask = (await chat.send(text))[:2]
        assert "bukan ID pelanggan" in told and "ID pelanggan" in ask
        await chat.send("akun")  # the second unreadable one may offer CS: start the question again
    [ask_code] = await chat.send(DEMO_CUSTOMER_CODE)
    assert "0812****002" in ask_code


async def test_an_inactive_account_is_not_served(portal: Harness) -> None:
    async with portal.services.db.transaction() as s:
        customer = await customers.by_phone(s, DEMO_CUSTOMER_PHONE)
        assert customer is not None
        customer.portal_active = False
    [refused] = await customer_chat(portal).send("tagihan")
    assert "tidak aktif" in refused and "INV-" not in refused


async def test_a_ticket_is_opened_by_chat_and_followed(portal: Harness) -> None:
    chat = customer_chat(portal)
    [menu] = await chat.send("tiket")
    assert "Tiket Anda" in menu
    demo_ticket = chat.last_choices[1]
    assert "Selesai" in demo_ticket["description"] and "Internet lambat" in demo_ticket["description"]
    await chat.tap("baru")
    [ask] = await chat.tap("Internet mati")
    assert "ceritakan" in ask
    [short, _again] = await chat.send("mati")
    assert "5 sampai" in short
    [ask_photo] = await chat.send("Sejak pagi internet mati, lampu LOS merah")
    assert "foto" in ask_photo
    [opened] = await chat.send(image_url="https://example.invalid/modem.jpg")
    number = re.search(r"TKT-\d{8}-\d{4}", opened)
    assert number and "dengan foto" in opened
    async with portal.services.db.sessions() as s:
        ticket = (await s.execute(select(Ticket).where(Ticket.ticket_number == number.group(0)))).scalar_one()
        demo = await customers.by_phone(s, DEMO_CUSTOMER_PHONE)
    assert demo is not None and ticket.customer_id == demo.id
    assert (ticket.kind, ticket.category, ticket.created_via, ticket.status) == ("support", "no_internet", "whatsapp", "open")
    assert "lampu LOS merah" in ticket.description and ticket.photo and "media-1" in ticket.photo

    await chat.send("tiket")
    [detail] = await chat.tap(number.group(0))
    assert "Dibuka" in detail and "lampu LOS merah" in detail


async def test_a_category_typed_with_the_story_is_not_asked_for_again(portal: Harness) -> None:
    chat = customer_chat(portal)
    await chat.send("lapor gangguan")  # straight to the new report
    [ask_photo] = await chat.send("internet mati sejak pagi, lampu LOS merah")
    assert "foto" in ask_photo  # not "ceritakan masalahnya" a second time
    [opened] = await chat.send("lewati")
    number = re.search(r"TKT-\d{8}-\d{4}", opened)
    assert number
    async with portal.services.db.sessions() as s:
        ticket = (await s.execute(select(Ticket).where(Ticket.ticket_number == number.group(0)))).scalar_one()
    assert ticket.category == "no_internet" and ticket.description == "internet mati sejak pagi, lampu LOS merah"


async def opened_ticket(h: Harness, reply: str) -> Ticket:
    number = re.search(r"TKT-\d{8}-\d{4}", reply)
    assert number, reply
    async with h.services.db.sessions() as s:
        return (await s.execute(select(Ticket).where(Ticket.ticket_number == number.group(0)))).scalar_one()


async def test_a_story_in_the_customers_own_words_gives_the_category(portal: Harness) -> None:
    """Slang ("lemot") is not one of the category names, yet says which one it is."""
    chat = customer_chat(portal)
    await chat.send("lapor gangguan")  # straight to the new report
    [ask_photo] = await chat.send("sudah restart modem tetap lemot dari kemarin")
    assert "foto" in ask_photo
    ticket = await opened_ticket(portal, (await chat.send("lewati"))[0])
    assert ticket.category == "slow" and ticket.description == "sudah restart modem tetap lemot dari kemarin"


async def test_a_story_without_a_category_word_is_kept_while_the_category_is_asked(portal: Harness) -> None:
    chat = customer_chat(portal)
    await chat.send("lapor gangguan")  # straight to the new report
    kept, again = await chat.send("lampu modem berkedip oranye terus dari tadi")
    assert "sudah kami catat" in kept and "Apa masalahnya?" in again
    [ask_photo] = await chat.tap("Lainnya")
    assert "foto" in ask_photo  # the story is not asked for a second time
    ticket = await opened_ticket(portal, (await chat.send("lewati"))[0])
    assert ticket.category == "other" and ticket.description == "lampu modem berkedip oranye terus dari tadi"
    async with portal.services.db.sessions() as s:
        convo = (await s.execute(select(Conversation))).scalars().first()
    assert convo is not None and convo.mode == "bot"  # nothing "unreadable": no handoff to CS


async def test_a_menu_word_at_the_description_leaves_the_report_for_it(portal: Harness) -> None:
    chat = customer_chat(portal)
    await chat.send("lapor gangguan")  # straight to the new report
    await chat.tap("Internet mati")
    [invoices] = await chat.send("tagihan")
    assert "Tagihan Anda" in invoices
    async with portal.services.db.sessions() as s:
        opened = (await s.execute(select(Ticket).where(Ticket.description == "tagihan"))).scalars().all()
    assert opened == []


async def test_a_status_change_in_the_admin_reaches_the_customer(portal: Harness) -> None:
    from ispbot.storage import tickets
    from ispbot.storage.models import User
    from ispbot.webadmin import messaging

    chat = customer_chat(portal)
    await chat.send("tiket")
    await chat.tap("baru")
    await chat.tap("Internet lambat")
    await chat.send("Lambat sekali sejak kemarin malam")
    [opened] = await chat.send("lewati")
    number = re.search(r"TKT-\d{8}-\d{4}", opened)
    assert number
    async with portal.services.db.transaction() as s:
        ticket = (await s.execute(select(Ticket).where(Ticket.ticket_number == number.group(0)))).scalar_one()
        staff = User(username="cs1", password_hash="x", role="cs", created_at=portal.clock.now())
        s.add(staff)
        await s.flush()
        await tickets.change_status(s, ticket, "in_progress", now=portal.clock.now(), actor_user_id=staff.id, note="Teknisi berangkat")
        assert await messaging.notify_ticket_status(portal.services, s, ticket, note="Teknisi berangkat", actor=staff)
    await portal.settle()
    [notice] = chat.replies()
    assert number.group(0) in notice and "Teknisi berangkat" in notice


async def test_profile_email_and_address_change_keep_earlier_answers_on_a_typo(portal: Harness) -> None:
    chat = customer_chat(portal)
    [profile] = await chat.send("profil")
    assert "ahmad.test@example.com" in profile and "Jl. Sukajadi No. 10" in profile
    await chat.tap("Ubah email")
    [bad] = await chat.send("ahmad@gmial.com")  # one message: the suggestion and how to answer
    assert "gmail.com" in bad  # did-you-mean for a provider typo
    [saved] = await chat.send("ya")  # takes the suggestion
    assert "ahmad@gmail.com" in saved
    await chat.send("profil")
    await chat.tap("Ubah email")
    [saved] = await chat.send("ahmad.baru@example.com")
    assert "ahmad.baru@example.com" in saved

    await chat.send("profil")
    [street] = await chat.tap("Ubah alamat")
    assert "Alamat layanan baru" in street and "Langkah 2/4" not in street  # no registration here
    await chat.send("Jl. Braga No. 5")
    await chat.send("RT 1 RW 2")
    await chat.tap(chat.last_choices[0]["title"]) if "Maksud" in (await chat.send("kota bandung"))[0] else None
    await chat.send("sumur bandung")
    await chat.send("braga")
    [confirm] = await chat.send("ya")
    assert "Jl. Braga No. 5" in confirm and "Braga, Sumur Bandung, Kota Bandung" in confirm
    done, move = await chat.tap("Ya, simpan")
    assert "Alamat berhasil diubah" in done and "jadwal relokasi" in move
    async with portal.services.db.sessions() as s:
        customer = await customers.by_phone(s, DEMO_CUSTOMER_PHONE)
        audits = list((await s.execute(select(AuditEntry.action))).scalars())
        moved = (await s.execute(select(Ticket).where(Ticket.subject.startswith("Perubahan alamat")))).scalar_one()
    assert moved.ticket_number in move and "Jl. Sukajadi No. 10" in moved.description  # CS see from where to where
    assert "Jl. Braga No. 5" in moved.description and moved.customer_id == customer.id
    assert customer is not None
    assert (customer.email, customer.address, customer.kelurahan, customer.kecamatan, customer.city) == (
        "ahmad.baru@example.com", "Jl. Braga No. 5", "Braga", "Sumur Bandung", "Kota Bandung")
    assert customer.region_code and customer.postal_code
    assert {"customer.email_changed", "customer.address_changed"} <= set(audits)


async def test_changing_the_whatsapp_number_needs_a_code_sent_to_the_new_number(portal: Harness) -> None:
    new_phone = "6281200000177"
    chat = customer_chat(portal)
    await chat.send("profil")
    await chat.tap("Ganti nomor")
    [taken, _again] = await chat.send("081200000002")
    assert "sudah terdaftar" in taken
    [ask_code] = await chat.send("0812-0000-0177")
    assert "0812****177" in ask_code
    [code_message] = [r.text for r in portal.gateway.requests if r.recipient == new_phone]
    code = re.search(r"\*(\d{6})\*", code_message)
    assert code
    async with portal.services.db.sessions() as s:
        assert (await customers.by_phone(s, DEMO_CUSTOMER_PHONE)) is not None  # not yet changed
    replies = await chat.send(code.group(1))
    assert any("0812-0000-0177" in r or "081200000177" in r for r in replies)
    to_old_number = [r.text for r in portal.gateway.requests if r.recipient == DEMO_CUSTOMER_PHONE]
    assert any("baru saja diganti" in text and "0812****177" in text for text in to_old_number)
    async with portal.services.db.sessions() as s:
        assert (await customers.by_phone(s, new_phone)) is not None
    from_new_number = Chat(portal, phone=new_phone, gateway="cloudapi")
    from_new_number.replies()  # the code sent there earlier
    [summary] = await from_new_number.send("akun")
    assert DEMO_CUSTOMER_CODE in summary


async def test_faq_by_category_by_question_and_cs_when_nothing_fits(portal: Harness) -> None:
    chat = Chat(portal, phone=STRANGER, gateway="cloudapi")  # the FAQ is for everyone
    [topics] = await chat.send("faq")
    assert "topik" in topics and len(chat.last_choices) == 5
    [questions] = await chat.tap(chat.last_choices[0]["title"])
    assert "Pilih pertanyaan" in questions and len(chat.last_choices) >= 3
    [answer] = await chat.tap(chat.last_choices[0]["title"])
    assert "Masih ada pertanyaan" in answer

    [typed] = await chat.send("internet saya lemot bgt")
    assert "❓" in typed  # answered from the menu without choosing FAQ first
    await chat.send("faq")
    [nothing] = await chat.send("resep rendang daging sapi")
    assert "belum menemukan jawaban" in nothing and "*cs*" in nothing


async def test_on_fonnte_numbers_pick_an_invoice_and_the_pdf_is_sent_as_a_file(fonnte: Harness) -> None:
    async with fonnte.services.db.transaction() as s:
        await seed_demo_customer(s, fonnte.clock.now(), fonnte.clock.now().date())
    chat = Chat(fonnte, phone=DEMO_CUSTOMER_PHONE)
    [listing] = await chat.send("tagihan")
    assert "1. November" in listing or "1. " in listing
    assert listing.count("jatuh tempo") == 3 and listing.count("LUNAS") == 2 and "BELUM DIBAYAR" in listing
    [caption] = await chat.send("2")
    sent = fonnte.gateway.requests[-1].form
    assert sent["url"].startswith("https://isp.example/d/invoice/") and sent["filename"].endswith(".pdf")
    assert "LUNAS" in caption  # the second newest invoice was paid
    response = await fonnte.client.get(sent["url"].removeprefix("https://isp.example"))
    assert response.status == 200 and (await response.read()).startswith(b"%PDF")


async def test_the_price_question_lists_todays_packages_without_registering(fonnte: Harness) -> None:
    """"brp harga paket?" answered "type daftar to see the packages", which asks for a
    name, email, NIK and address before any price."""
    async with fonnte.services.db.transaction() as s:
        await seed_faq(s, fonnte.clock.now())
    chat = Chat(fonnte, phone="6281200000177")
    await chat.send("halo")
    replies = await chat.send("paket internet apa saja yang tersedia?")
    answer = " ".join(replies)
    assert "Home Silver 40M — 40 Mbps · Rp 199.900/bulan" in answer and "[daftar paket]" not in answer


async def test_a_new_address_is_saved_with_yes_as_it_is_chatted(portal: Harness) -> None:
    """"iya bener" under "Simpan alamat ini?" was "Mohon pilih salah satu pilihan" and the
    whole address again."""
    chat = customer_chat(portal)
    await chat.send("profil")
    [street] = await chat.tap("Ubah alamat")
    assert "Alamat layanan baru" in street and "Langkah 2/4" not in street  # no registration here
    await chat.send("Jl. Braga No. 5")
    await chat.send("RT 1 RW 2")
    await chat.send("Kota Bandung")
    await chat.send("sumur bandung")
    await chat.send("braga")
    [confirm] = await chat.send("ya")
    assert "Simpan alamat ini?" in confirm
    [again] = await chat.send("hmm")
    assert "*ya* atau *tidak*" in again and "Jl. Braga No. 5" not in again
    done, _move = await chat.send("iya bener")
    assert "Alamat berhasil diubah" in done
    async with portal.services.db.sessions() as s:
        customer = await customers.by_phone(s, DEMO_CUSTOMER_PHONE)
    assert customer is not None and customer.address == "Jl. Braga No. 5"


@pytest.mark.parametrize(("word", "expected"), [("status", "nomor registrasi"), ("daftar", "sudah terdaftar"),
                                                ("tagihan", "Tagihan Anda")])
async def test_a_menu_word_under_faq_suggestions_runs_the_command(portal: Harness, word: str, expected: str) -> None:
    """"status" under "Ada beberapa jawaban…" was fuzzy-matched to "Bagaimana cara cek
    status pendaftaran?" and answered with how to type status."""
    chat = customer_chat(portal)
    *_, offered = await chat.send("cara daftar gimana")  # after the welcome: it is the chat's first message
    assert "beberapa jawaban" in offered
    [done] = await chat.send(word)
    assert expected in done and "❓" not in done
