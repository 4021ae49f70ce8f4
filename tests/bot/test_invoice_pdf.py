"""The invoice PDF, read back with pypdf: what a customer must see, and hostile names."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from ispbot.invoice_pdf import address_lines, pdf_text, period_label, render_invoice_pdf
from ispbot.storage.models import Customer, Invoice

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
METHODS = [
    "Transfer BCA 123-456-7890 a.n. PT AGLIS Net",
    "QRIS: pindai kode QR di samping",
]


def make_customer(name: str = "Ahmad Test Customer") -> Customer:
    return Customer(
        customer_code="AGLS202510150001",
        full_name=name,
        email="ahmad.test@example.com",
        phone="6281200000002",
        address="Jl. Sukajadi No. 10",
        rt="001",
        rw="002",
        kelurahan="Sukagalih",
        kecamatan="Sukajadi",
        city="Kota Bandung",
        postal_code="40163",
        created_at=NOW,
        updated_at=NOW,
    )


def make_invoice(**changes: Any) -> Invoice:
    values: dict[str, Any] = {
        "id": 7,
        "invoice_number": "INV-202611-00001",
        "customer_id": 1,
        "period": "2026-11",
        "issue_date": date(2026, 11, 21),
        "due_date": date(2026, 12, 1),
        "amount": 199_900,
        "status": "unpaid",
        "lines": [{"description": "Home Silver 40M (11/2026)", "amount": 199_900}],
        "created_at": NOW,
    }
    values.update(changes)
    return Invoice(**values)


def render(invoice: Invoice | None = None, customer: Customer | None = None,
           reference: str = "https://isp.example/bayar/INV-202611-00001") -> bytes:
    return render_invoice_pdf(
        invoice or make_invoice(),
        customer or make_customer(),
        "Home Silver 40M",
        isp_name="AGLIS Net",
        cs_phone="0812-0000-0800",
        payment_methods=METHODS,
        payment_url_or_reference=reference,
        timezone=JAKARTA,
    )


def read(pdf: bytes) -> tuple[str, int]:
    """All text (whitespace collapsed) and the number of images of the document."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), sum(len(page.images) for page in reader.pages)


def test_an_unpaid_invoice_shows_what_the_customer_needs() -> None:
    pdf = render()
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points
    text, images = read(pdf)
    for expected in (
        "AGLIS Net",
        "INV-202611-00001",
        "Ahmad Test Customer",
        "AGLS202510150001",
        "Jl. Sukajadi No. 10, RT 001/RW 002",
        "Kota Bandung 40163",
        "Periode November 2026",
        "Home Silver 40M (11/2026)",
        "TOTAL Rp 199.900",
        "Jatuh tempo 1 Desember 2026",
        "Tanggal terbit 21 November 2026",
        "BELUM DIBAYAR",
        "Transfer BCA 123-456-7890 a.n. PT AGLIS Net",
        "QRIS: pindai kode QR di samping",
        "0812-0000-0800",
    ):
        assert expected in text, expected
    assert images == 1 and "Pindai untuk membayar" in text  # the QR code of the payment link


def test_without_a_payment_page_the_qr_code_is_not_offered_for_paying() -> None:
    """It carried only the invoice number, under "Pindai untuk membayar": a bank app
    scanning it found nothing to pay."""
    text, images = read(render(reference="INV-202611-00001"))
    assert images == 1 and "Nomor invoice" in text and "Pindai untuk membayar" not in text


def test_a_paid_invoice_says_so_and_shows_no_payment_code() -> None:
    paid = make_invoice(
        status="paid",
        paid_at=datetime(2026, 11, 30, 18, 0, tzinfo=UTC),  # 1 December in Jakarta
        payment_method="bank_transfer",
    )
    text, images = read(render(paid))
    assert "LUNAS" in text and "BELUM DIBAYAR" not in text
    assert "Dibayar 1 Desember 2026 via Transfer bank" in text
    assert "Cara pembayaran" not in text and images == 0


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("Budi 😀🎉 Santoso", "Budi Santoso"),
        ("محمد علي", "???? ???"),
        ("{{ 7*7 }} {% if 1 %}x{% endif %}", "{{ 7*7 }} {% if 1 %}x{% endif %}"),
        ("**Tebal** _miring_ <b>html</b>", "**Tebal** _miring_ <b>html</b>"),
        ("Siti\x00\x07 Nur‍ Aisyah\u202e", "Siti Nur Aisyah"),
        ("José Müller “Jo” — Ṣalāḥ", 'José Müller "Jo" - Salah'),
    ],
)
def test_any_name_is_printed_safely_and_never_interpreted(name: str, printed: str) -> None:
    assert pdf_text(name) == printed
    text, _ = read(render(customer=make_customer(name)))
    assert printed in text
    assert "49" not in text


def test_a_very_long_name_and_many_lines_still_render() -> None:
    lines = [{"description": f"Biaya tambahan {n} 📶", "amount": 10_000} for n in range(40)]
    invoice = make_invoice(lines=lines, amount=400_000)
    text, images = read(render(invoice, make_customer("Nama Panjang " * 30)))
    assert "Biaya tambahan 39" in text and "TOTAL Rp 400.000" in text and images == 1


def test_odd_line_data_does_not_crash() -> None:
    invoice = make_invoice(lines=[{"description": None}, "Diskon", {"amount": "abc"}, {"amount": True}])
    text, _ = read(render(invoice))
    assert "Diskon" in text and "TOTAL Rp 199.900" in text


def test_the_same_invoice_gives_the_same_bytes() -> None:
    assert render() == render()


def test_helpers() -> None:
    assert period_label("2026-08") == "Agustus 2026"
    assert period_label("nonsense") == "nonsense"
    assert pdf_text(None) == "" and pdf_text("a\n\n b  c ") == "a\n\nb c"
    bare = make_customer()
    bare.rt = bare.rw = bare.kelurahan = bare.kecamatan = bare.postal_code = None
    assert address_lines(bare) == ["Jl. Sukajadi No. 10", "Kota Bandung"]
