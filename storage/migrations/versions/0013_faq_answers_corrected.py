"""FAQ answers corrected: the shipped entries that told customers to type a command that
does something else (*status* for a ticket, *cs* for a data deletion), promised a
coverage check no one makes at registration, or gave no CS hours.

`seed-demo` only adds entries it does not find, so an install seeded before this version
keeps the old texts; here each shipped entry is brought up to date only while it still
reads exactly as shipped: an answer or keywords an ISP edited in the admin stay theirs.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# question, answer as shipped before, answer now, keywords before, keywords now
CHANGES = [
    (
        'Berapa lama gangguan diperbaiki?',
        'Setiap laporan kami cek dari jarak jauh lebih dulu. Jika perlu kunjungan, teknisi dijadwalkan secepatnya, umumnya dalam 1x24 jam. Ketik *status* untuk melihat progres tiket Anda.',
        'Setiap laporan kami cek dari jarak jauh lebih dulu. Jika perlu kunjungan, teknisi dijadwalkan secepatnya, umumnya dalam 1x24 jam. Ketik *tiket* untuk melihat progres tiket Anda.',
        'lama perbaikan, kapan diperbaiki, kapan teknisi datang, estimasi perbaikan, perbaikan, belum diperbaiki, tiket lama',
        'lama perbaikan, kapan diperbaiki, kapan teknisi datang, estimasi perbaikan, perbaikan, belum diperbaiki, tiket lama',
    ),
    (
        'Bagaimana cara melapor gangguan?',
        'Ketik *tiket*, pilih jenis gangguan, lalu ceritakan masalahnya (boleh kirim foto lampu modem). Anda mendapat nomor tiket; ketik *status* kapan saja untuk memantau perbaikannya.',
        'Ketik *tiket*, pilih jenis gangguan, lalu ceritakan masalahnya (boleh kirim foto lampu modem). Anda mendapat nomor tiket; ketik *tiket* lagi kapan saja untuk memantau perbaikannya.',
        'lapor gangguan, laporan, komplain, keluhan, tiket, buat tiket, pengaduan, gangguan, lapor',
        'lapor gangguan, laporan, komplain, keluhan, tiket, buat tiket, pengaduan, gangguan, lapor',
    ),
    (
        'Apakah alamat saya sudah terjangkau jaringan?',
        'Saat mendaftar, alamat Anda langsung kami cek. Jika belum terjangkau, data Anda tetap kami simpan dan kami kabari begitu jaringan sampai di daerah Anda.',
        'Jangkauan jaringan di alamat Anda dicek petugas kami setelah Anda mendaftar: saat data diverifikasi dan saat survei lokasi. Jika alamat Anda belum terjangkau, petugas kami mengabari Anda. Ingin tahu sebelum mendaftar? Ketik *cs* dan sebutkan alamat lengkap Anda.',
        'jangkauan, coverage, area, terjangkau, wilayah, lokasi, cover, jaringan sampai, tersedia di daerah',
        'jangkauan, coverage, area, terjangkau, wilayah, lokasi, cover, jaringan sampai, tersedia di daerah',
    ),
    (
        'Bagaimana cara menghubungi CS?',
        'Ketik *cs* kapan saja untuk bicara dengan petugas kami. Jika petugas sedang sibuk atau di luar jam kerja, pesan Anda tetap tersimpan dan dibalas sesuai antrean.',
        'Ketik *cs* kapan saja untuk bicara dengan petugas kami. Jam kerja CS: [jam kerja cs]. Di luar jam kerja atau saat petugas sedang sibuk, pesan Anda tetap tersimpan dan dibalas sesuai antrean.',
        'hubungi cs, customer service, admin, petugas, operator, call center, kontak, telepon, bicara dengan orang, cs',
        'hubungi cs, customer service, admin, petugas, operator, call center, kontak, telepon, bicara dengan orang, cs, jam buka, jam operasional, jam layanan, buka jam berapa',
    ),
    (
        'Bagaimana cara meminta data pribadi saya dihapus?',
        'Ketik *cs* dan sampaikan permintaan penghapusan data. Data yang wajib disimpan untuk penagihan dan pajak tetap kami simpan selama waktu yang diwajibkan; sisanya kami hapus.',
        'Ketik *hapus data* untuk mengajukan permintaan penghapusan; petugas kami memprosesnya dan mengabari Anda di sini. Data yang wajib disimpan untuk penagihan dan pajak tetap kami simpan selama waktu yang diwajibkan; sisanya kami hapus.',
        'hapus data, penghapusan data, hapus akun, data dihapus, hapus ktp',
        'hapus data, penghapusan data, hapus akun, data dihapus, hapus ktp',
    ),
    (
        'Bagaimana cara mengganti nomor WhatsApp yang terdaftar?',
        'Ketik *profil* lalu pilih *Ganti nomor* dan tulis nomor baru Anda. Demi keamanan, kami mengirim kode OTP ke nomor baru untuk memastikan nomor itu milik Anda, dan memberi tahu nomor lama.',
        'Ketik *profil* lalu pilih *Ganti nomor WhatsApp* dan tulis nomor baru Anda. Demi keamanan, kami mengirim kode OTP ke nomor baru untuk memastikan nomor itu milik Anda, dan memberi tahu nomor lama.',
        'ganti nomor, ganti nomor whatsapp, nomor whatsapp, nomor hp, ubah nomor, nomor baru, ganti hp, whatsapp baru',
        'ganti nomor, ganti nomor whatsapp, nomor whatsapp, nomor hp, ubah nomor, nomor baru, ganti hp, whatsapp baru',
    ),
]

_faq = sa.table("faq_entries", sa.column("question", sa.Text), sa.column("answer", sa.Text),
                sa.column("keywords", sa.Text))


def _replace(column: str, old_index: int, new_index: int) -> None:
    for change in CHANGES:
        op.execute(
            _faq.update()
            .where(_faq.c.question == change[0], getattr(_faq.c, column) == change[old_index])
            .values({column: change[new_index]})
        )


def upgrade() -> None:
    _replace("answer", 1, 2)
    _replace("keywords", 3, 4)


def downgrade() -> None:
    _replace("answer", 2, 1)
    _replace("keywords", 4, 3)
