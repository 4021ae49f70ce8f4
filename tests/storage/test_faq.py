"""The FAQ: idempotent seeding on SQLite and PostgreSQL, categories, the shipped content,
and the typo-tolerant Indonesian search."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, update

from ispbot.storage import faq
from ispbot.storage.database import Database
from ispbot.storage.models import FaqEntry

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
CATEGORIES = [
    "Pendaftaran & Pemasangan",
    "Tagihan & Pembayaran",
    "Gangguan & Teknis",
    "Paket & Layanan",
    "Akun & Data Pribadi",
]
SEEDS = faq.load_seed()


async def seed(db: Database) -> int:
    async with db.transaction() as s:
        return await faq.seed_faq(s, NOW)


async def test_seeding_twice_adds_nothing_the_second_time(db_url: str) -> None:
    db = Database(db_url)
    assert await seed(db) == len(SEEDS) >= 24
    assert await seed(db) == 0
    async with db.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(FaqEntry))).scalar_one() == len(SEEDS)
    await db.dispose()


async def test_seeding_adds_only_missing_questions_and_keeps_edits(db_url: str) -> None:
    db = Database(db_url)
    await seed(db)
    first, second = SEEDS[0].question, SEEDS[1].question
    async with db.transaction() as s:
        await s.execute(delete(FaqEntry).where(FaqEntry.question == first))
        await s.execute(update(FaqEntry).where(FaqEntry.question == second).values(answer="Diubah admin."))
    assert await seed(db) == 1
    async with db.sessions() as s:
        edited = (await s.execute(select(FaqEntry).where(FaqEntry.question == second))).scalar_one()
        assert edited.answer == "Diubah admin."
    await db.dispose()


async def test_five_categories_in_order_and_only_active_entries(db_url: str) -> None:
    db = Database(db_url)
    await seed(db)
    async with db.transaction() as s:
        assert await faq.categories(s) == CATEGORIES
        billing = await faq.in_category(s, "Tagihan & Pembayaran")
        assert len(billing) >= 4 and billing[0].question == "Bagaimana cara membayar tagihan?"
        billing[0].is_active = False
        await s.flush()
        assert billing[0] not in await faq.in_category(s, "Tagihan & Pembayaran")
        assert len(await faq.active_entries(s)) == len(SEEDS) - 1
        for category in CATEGORIES:
            assert len(await faq.in_category(s, category)) >= 4
        assert await faq.in_category(s, "Tidak ada") == []
    await db.dispose()


async def test_search_over_stored_entries(db_url: str) -> None:
    db = Database(db_url)
    await seed(db)
    async with db.sessions() as s:
        entries = await faq.active_entries(s)
    matches = faq.search(entries, "gmn cara bayar tagihan")
    assert isinstance(matches[0].entry, FaqEntry)
    assert "*tagihan*" in matches[0].entry.answer
    await db.dispose()


def test_the_shipped_content_is_complete_and_chat_friendly() -> None:
    assert len(SEEDS) >= 24
    assert sorted({s.category for s in SEEDS}) == sorted(CATEGORIES)
    assert len({s.question for s in SEEDS}) == len(SEEDS)
    for entry in SEEDS:
        assert len(entry.category) <= 40 and entry.keywords
        assert 20 <= len(entry.answer) <= 400, entry.question
        assert entry.answer.count("*") % 2 == 0, entry.question  # WhatsApp bold is paired
        for number in re.findall(r"(?<![\w-])(?:\+?62 ?|0)8[\d\- ]{7,}\d", entry.answer):
            assert number.startswith("0812-0000-"), number  # no real phone numbers
    commands = " ".join(s.answer for s in SEEDS)
    for command in ("*menu*", "*cs*", "*tagihan*", "*tiket*", "*status*"):
        assert command in commands


# What each command an answer tells the customer to type does at the menu.
COMMANDS = {"daftar": "register", "status": "status", "tagihan": "invoices", "tiket": "ticket", "profil": "profile",
            "hapus data": "delete_data", "cs": "cs", "menu": "menu"}


def test_every_command_an_answer_names_is_one_the_menu_knows() -> None:
    """"Ketik *status* untuk melihat progres tiket" sent customers to a question about their
    registration number; "ketik *cs*" for a deletion bypassed the *hapus data* request."""
    from ispbot.flows.menu import intent, said_intent

    for entry in SEEDS:
        for command in re.findall(r"[Kk]etik \*([^*]+)\*", entry.answer):
            assert command in COMMANDS, (entry.question, command)
            if command != "menu":
                assert (intent(command) or said_intent(command)) == COMMANDS[command], command
        if "tiket" in entry.answer.lower() and "*status*" in entry.answer:
            raise AssertionError(f"*status* follows registrations, not tickets: {entry.question}")
    deletion = next(s for s in SEEDS if "dihapus" in s.question)
    assert "*hapus data*" in deletion.answer


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("internet lemot", "Kenapa internet saya lambat?"),
        ("inet lemooot bgt kak", "Kenapa internet saya lambat?"),
        ("gmn cara bayar tagihan", "Bagaimana cara membayar tagihan?"),
        ("bayar tagihan caranya gimana", "Bagaimana cara membayar tagihan?"),
        ("Bayar tagihan, caranya gimana??", "Bagaimana cara membayar tagihan?"),
        ("rekening transfer kemana", "Bagaimana cara membayar tagihan?"),
        ("wifi mati total", "Internet mati total, apa yang harus saya lakukan?"),
        ("ganti nomor wa", "Bagaimana cara mengganti nomor WhatsApp yang terdaftar?"),
        ("no wa mau ganti", "Bagaimana cara mengganti nomor WhatsApp yang terdaftar?"),
        ("pasang baru brp lama", "Berapa lama proses pemasangan setelah daftar?"),
        ("biaya pasang brp", "Berapa biaya pemasangan baru?"),
        ("internet putus2 terus", "Kenapa internet sering putus-putus?"),
        ("ganti pw wifi", "Bagaimana cara ganti nama atau password WiFi?"),
        ("udah bayar tp blm lunas", "Saya sudah bayar, kenapa status tagihan belum lunas?"),
        ("telat bayar kena denda gak", "Apa yang terjadi jika terlambat membayar?"),
        ("kenapa tagihan saya naik", "Kenapa tagihan bulan ini berbeda dari biasanya?"),
        ("ada fup gak", "Apakah ada batas kuota atau FUP?"),
        ("petugas minta kode otp", "Apakah petugas pernah meminta kode OTP?"),
        ("tgihan saya brp", "Berapa total tagihan saya?"),  # a typo
        # a question inside a longer story
        ("mau tanya internet di rumah saya sering putus putus terutama malam hari, padahal tagihan sudah saya "
         "bayar tepat waktu, mohon dibantu ya kak terima kasih", "Kenapa internet sering putus-putus?"),
        ("selamat siang kak, mau tanya internet di rumah saya sering putus putus terutama malam hari",
         "Kenapa internet sering putus-putus?"),
        ("selamat siang kak, mau tanya internet di rumah saya sering putus putus terutama malam hari, padahal "
         "tagihan sudah saya bayar tepat waktu, anak saya sekolah online dan suami kerja dari rumah jadi repot "
         "sekali, mohon dibantu ya kak terima kasih", "Kenapa internet sering putus-putus?"),  # its best run of words
        ("halo kak, wifi di rumah mati total dari pagi, lampu los merah berkedip terus, mohon dibantu",
         "Internet mati total, apa yang harus saya lakukan?"),
    ],
)
def test_search_finds_the_right_entry(text: str, question: str) -> None:
    matches = faq.search(SEEDS, text)
    assert matches, text
    assert matches[0].entry.question == question
    assert len(matches) <= 3 and all(faq.THRESHOLD <= m.score <= 100 for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


@pytest.mark.parametrize(
    "text", ["xqzv plmk", "", "   ", "!!!", "halo kak selamat pagi", "resep nasi goreng", "cuaca internet", "kenapa",
             # long chatter: no run of its words is a question the FAQ answers
             "kemarin saya jalan jalan ke mall beli baju baru warnanya biru bagus sekali",
             "halo kak apa kabar semoga sehat selalu ya, sudah lama tidak ngobrol",
             "anak saya sedang sekolah dan suami kerja di kantor sampai sore jadi di rumah sepi",
             "besok saya mau ke pasar beli sayur dan buah untuk masak makan malam keluarga",
             "nonton film di bioskop kemarin seru banget ceritanya tentang keluarga yang pindah ke desa",
             "kemarin anak saya main game sampai malam seru sekali katanya menang terus",
             "saya baru beli hp baru kak kameranya bagus sekali buat foto foto"]
)
def test_search_finds_nothing_when_nothing_fits(text: str) -> None:
    assert faq.search(SEEDS, text) == []


def test_search_limit_and_empty_entries() -> None:
    assert len(faq.search(SEEDS, "tagihan", limit=1)) == 1
    assert faq.search([], "internet lemot") == []


def test_normalise_expands_slang_and_drops_filler() -> None:
    assert faq.normalise("Gmn cara bayarnya, kak??") == ("bagaimana", "cara", "bayar")
    assert faq.normalise("Wi-Fi gak bs konek, inet mati2") == (
        "wifi", "tidak", "bisa", "konek", "internet", "mati", "mati",
    )
    assert faq.normalise("Tagihannya BRP ya min 🙏") == ("tagihan", "berapa")
