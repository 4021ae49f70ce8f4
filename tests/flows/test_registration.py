"""A whole registration by chat, through real-format webhooks."""

from __future__ import annotations

from sqlalchemy import select

from ispbot.storage.models import Registration
from tests.conftest import Harness
from tests.flows.chat import Chat


async def registration_of(h: Harness) -> Registration | None:
    async with h.services.db.sessions() as s:
        return (await s.execute(select(Registration))).scalar_one_or_none()


async def test_fonnte_registration_from_halo_to_reg_number(fonnte: Harness) -> None:
    chat = Chat(fonnte)
    [menu] = await chat.send("halo")
    assert "Selamat datang" in menu and "1. Daftar pasang baru" in menu
    [ask] = await chat.send("1")
    assert "nama lengkap" in ask
    assert "email" in (await chat.send("budi santoso"))[0]
    [phone_q] = await chat.send("budi@gmail.com")
    assert "1. Nomor ini (0812****101)" in phone_q
    assert "NIK" in (await chat.send("1"))[0]
    assert "foto KTP" in (await chat.send("3273010101900001"))[0]
    assert "alamat jalan" in (await chat.send("lewati"))[0]
    assert "RT/RW" in (await chat.send("Jl. Sukajadi No. 10"))[0]
    assert "kota/kabupaten" in (await chat.send("1/2"))[0]
    assert "Kecamatan" in (await chat.send("kota bandung"))[0]
    assert "Kelurahan" in (await chat.send("sukajadi"))[0]
    [postcode] = await chat.send("sukagalih")
    assert "40163" in postcode
    assert "patokan" in (await chat.send("ya"))[0]
    assert "lokasi" in (await chat.send("depan masjid"))[0]
    [packages] = await chat.send(location=(-6.8865, 107.5951))
    assert "2. Home Silver 40M — 40 Mbps · Rp 199.900/bulan" in packages
    [dates] = await chat.send("2")
    assert "tanggal instalasi" in dates
    assert "Jam berapa" in (await chat.send("1"))[0]
    assert "catatan" in (await chat.send("pagi"))[0]
    [summary] = await chat.send("lewati")
    assert "Budi Santoso" in summary and "RT 001/RW 002" in summary and "Sukagalih, Sukajadi, Kota Bandung 40163" in summary
    assert "NIK:* 3273********0001" in summary
    [confirmation] = await chat.send("kirim")
    registration = await registration_of(fonnte)
    assert registration is not None
    assert registration.registration_number in confirmation
    assert registration.status == "pending_verification" and registration.whatsapp_verified
    assert registration.kelurahan == "Sukagalih" and registration.region_code and registration.postal_code == "40163"
    assert "https://isp.example/track/" + registration.registration_number in confirmation
    assert "Rp 199.900/bulan" in confirmation
    # in Indonesian, not "sebagai customer ISP kami"
    assert "Terima kasih telah mendaftar sebagai pelanggan kami!" in confirmation and "customer" not in confirmation


async def test_summary_and_status_keep_one_item_per_line(fonnte: Harness) -> None:
    from tests.flows.test_registration_paths import to_question

    chat = Chat(fonnte)
    [summary] = await to_question(chat, "Langkah 4/4")
    lines = summary.splitlines()
    assert any(line.startswith("📱 *WhatsApp:*") for line in lines)
    assert any(line.startswith("🪪 *NIK:*") for line in lines)
    assert any(line.startswith("📦 *Paket:*") for line in lines)
    await chat.send("kirim")
    [status] = await chat.send("status")
    assert "✅ Pendaftaran diterima ← _saat ini_" in status.splitlines()
    assert "⬜ Disetujui" in status.splitlines()
