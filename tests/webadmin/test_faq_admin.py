"""The FAQ editor: CS reads, supervisors and admins edit; every change is audited; a
deactivated entry is no longer found by the bot's search; bad drafts say what to fix."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from ispbot.storage import faq
from ispbot.storage.models import AuditEntry, FaqEntry
from tests.conftest import Harness
from tests.webadmin.support import Browser


async def seeded(h: Harness) -> None:
    async with h.services.db.transaction() as session:
        await faq.seed_faq(session, h.clock.now())


async def entry_by_question(h: Harness, question: str) -> FaqEntry:
    async with h.services.db.sessions() as session:
        return (await session.execute(select(FaqEntry).where(FaqEntry.question == question))).scalar_one()


async def test_list_search_and_the_bots_answer(h: Harness, cs: Browser) -> None:
    await seeded(h)
    page = await cs.page("/admin/faq")
    assert len(re.findall(r'<tr data-faq="\d+"', page)) == len(faq.load_seed())
    assert "Tambah entri" not in page  # CS reads only
    found = await cs.page("/admin/faq?q=QRIS")
    rows = re.findall(r'<tr data-faq="\d+"', found)
    assert 0 < len(rows) < len(faq.load_seed())
    tried = await cs.page("/admin/faq?try=gmn+cara+byr+tagihan")
    assert "data-match=" in tried
    nothing = await cs.page("/admin/faq?try=resep+rendang+padang")
    assert "data-no-match" in nothing


async def test_create_edit_and_deactivate_are_audited(h: Harness, supervisor: Browser) -> None:
    await seeded(h)
    sup = supervisor
    page = await sup.follow(await sup.post("/admin/faq", {
        "category": "Paket & Layanan", "question": "Apakah ada paket khusus pelajar?",
        "answer": "Ada! *Paket Pelajar* 20 Mbps dengan harga khusus.", "keywords": "pelajar, mahasiswa,  siswa",
    }))
    assert "Entri FAQ ditambahkan." in page
    entry = await entry_by_question(h, "Apakah ada paket khusus pelajar?")
    assert entry.keywords == "pelajar, mahasiswa, siswa" and entry.is_active
    async with h.services.db.sessions() as session:
        found = faq.search(await faq.active_entries(session), "paket buat mahasiswa ada?")
    assert found and found[0].entry.id == entry.id

    page = await sup.follow(await sup.post(f"/admin/faq/{entry.id}", {
        "category": "Paket & Layanan", "question": "Apakah ada paket khusus pelajar?",
        "answer": "Ada, *Paket Pelajar* 25 Mbps.", "keywords": entry.keywords, "sort_order": str(entry.sort_order),
    }))
    assert "Perubahan disimpan." in page and "<strong>Paket Pelajar</strong> 25 Mbps" in page

    page = await sup.follow(await sup.post(f"/admin/faq/{entry.id}/active", {"active": "0"}))
    assert "Entri dinonaktifkan" in page
    async with h.services.db.sessions() as session:
        found = faq.search(await faq.active_entries(session), "paket buat mahasiswa ada?")
        audits = (await session.execute(
            select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.action.startswith("faq."))
            .order_by(AuditEntry.id)
        )).all()
    assert all(m.entry.id != entry.id for m in found)
    assert [a for a, _ in audits] == ["faq.create", "faq.update", "faq.deactivate"]
    assert audits[1][1] == {"answer": {"from": "Ada! *Paket Pelajar* 20 Mbps dengan harga khusus.",
                                       "to": "Ada, *Paket Pelajar* 25 Mbps."}}


async def test_an_audited_answer_never_keeps_most_of_a_nik_across_its_cut(h: Harness, supervisor: Browser) -> None:
    await seeded(h)
    async with h.services.db.sessions() as session:
        entry = (await session.execute(select(FaqEntry).order_by(FaqEntry.id).limit(1))).scalar_one()
    answer = "x" * 190 + " 3273015508950002 lalu teks lain."  # the NIK crosses the 200-character cut
    await supervisor.post(f"/admin/faq/{entry.id}", {
        "category": entry.category, "question": entry.question, "answer": answer,
        "keywords": entry.keywords, "sort_order": str(entry.sort_order),
    })
    async with h.services.db.sessions() as session:
        detail = (await session.execute(
            select(AuditEntry.detail).where(AuditEntry.action == "faq.update")
        )).scalar_one()
    assert "327301" not in detail["answer"]["to"] and len(detail["answer"]["to"]) <= 200


async def test_a_bad_draft_says_what_to_fix_and_saves_nothing(h: Harness, supervisor: Browser) -> None:
    response = await supervisor.post("/admin/faq", {"category": "", "question": "Tes?", "answer": " ",
                                                            "sort_order": "dua"})
    assert response.status == 422
    page = await response.text()
    assert "Kategori wajib diisi." in page and "Jawaban wajib diisi." in page and "Urutan harus berupa angka." in page
    assert 'value="Tes?"' in page  # what was typed is kept
    async with h.services.db.sessions() as session:
        assert (await session.execute(select(FaqEntry))).first() is None


async def test_cs_cannot_edit(h: Harness, cs: Browser) -> None:
    await seeded(h)
    entry = await entry_by_question(h, faq.load_seed()[0].question)
    assert (await cs.post(f"/admin/faq/{entry.id}/active", {"active": "0"})).status == 403
    page = await cs.page(f"/admin/faq/{entry.id}")
    assert "<fieldset class=\"stack\" disabled>" in page and "Nonaktifkan" not in page
    assert (await entry_by_question(h, entry.question)).is_active


@pytest.fixture
async def supervisor(browser_factory: Callable[..., Any]) -> Browser:
    return await browser_factory("supervisor")  # type: ignore[no-any-return]
