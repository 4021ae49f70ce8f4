"""What a simulated customer types: the whole registration by chat, then a status check.

Each step is what the customer sends and a piece of text the bot's reply must contain, so
a reply to the wrong question (messages handled out of order) is caught, not just counted.
On the Cloud API a `Tap` presses the offered button or list row whose title contains its
text; on Fonnte (no buttons) the customer types the option's number or word instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Say:
    text: str
    expect: str


@dataclass(frozen=True)
class Tap:
    title: str  # a part of the button/row title (Cloud API)
    typed: str  # what a Fonnte customer types instead
    expect: str


@dataclass(frozen=True)
class Share:
    latitude: float
    longitude: float
    expect: str


Step = Say | Tap | Share


@dataclass(frozen=True)
class Customer:
    number: int
    gateway: str  # "fonnte" or "cloudapi"

    @property
    def phone(self) -> str:
        return f"62813{self.number:08d}"

    @property
    def name(self) -> str:
        letters = "".join("abcdefghijklmnopqrstuvwxyz"[int(d) + 2] for d in f"{self.number:06d}")
        return f"Budi {letters.capitalize()}"

    @property
    def nik(self) -> str:
        day = 1 + (self.number // 9999) % 28
        return f"327301{day:02d}0190{1 + self.number % 9999:04d}"


def registration(customer: Customer) -> list[Step]:
    """From hello to the registration number: 20 messages."""
    return [
        Say("halo", "Selamat datang"),
        Tap("Daftar pasang baru", "1", "nama lengkap"),
        Say(customer.name, "email"),
        Say(f"budi.{customer.number}@gmail.com", "WhatsApp"),
        Tap("Nomor ini", "1", "NIK"),
        Say(customer.nik, "foto KTP"),
        Say("lewati", "alamat jalan"),
        Say("Jl. Sukajadi No. 10", "RT/RW"),
        Say("1/2", "kota/kabupaten"),
        Say("kota bandung", "Kecamatan"),
        Say("sukajadi", "Kelurahan"),
        Say("sukagalih", "40163"),
        Say("ya", "patokan"),
        Say("depan masjid", "lokasi"),
        Share(-6.8865, 107.5951, "pilih paket"),
        Tap("Home Silver", "2", "tanggal instalasi"),
        Tap("", "1", "Jam berapa"),  # the first date offered
        Tap("Pagi", "pagi", "catatan"),
        Say("lewati", "Langkah 4/4"),
        Tap("Kirim", "kirim", "REG-"),
    ]


def whole_visit(customer: Customer) -> list[Step]:
    """The registration, then a status check: 21 messages."""
    return [*registration(customer), Say("status", "Pendaftaran diterima")]


def opening(_customer: Customer) -> list[Step]:
    """Start a registration and stop at the first question: an open conversation."""
    return [Say("halo", "Selamat datang"), Tap("Daftar pasang baru", "1", "nama lengkap")]
