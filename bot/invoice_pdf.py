"""An invoice as an A4 PDF (fpdf2): the ISP's header, the customer, the lines and total in
Rupiah, Indonesian dates, the status, how to pay and a QR code of the payment link.

fpdf2's built-in fonts only know latin-1 (no TTF ships with an installed package), so
every text goes through `pdf_text` first: accents are kept, typographic punctuation is
simplified, emoji and other symbols are dropped and any other letter becomes `?`. Names
are only ever printed, never interpreted (no markdown, no templates).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import segno
from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from ispbot.messages import rupiah
from ispbot.storage.models import Customer, Invoice

STATUS_LABELS = {"paid": "LUNAS", "unpaid": "BELUM DIBAYAR", "void": "DIBATALKAN"}
STATUS_COLOURS = {"paid": (22, 128, 61), "unpaid": (200, 30, 30), "void": (110, 110, 110)}
_PUNCTUATION = {
    "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"',
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "…": "...",
    "•": "-", "€": "EUR", "™": "(TM)", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
}
_DROPPED_CATEGORIES = {"So", "Sk", "Cf", "Cs", "Co", "Cn", "Mn", "Me", "Mc"}
_PAGE_WIDTH = 180.0  # A4 minus 15 mm margins
_LINE = 6.0


def pdf_text(value: object) -> str:
    """`value` as latin-1 text the core fonts can print. Never raises."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    lines = "".join(_latin1_char(char) for char in text).split("\n")
    return "\n".join(" ".join(line.split()) for line in lines).strip()


def _latin1_char(char: str) -> str:
    if char == "\n" or (" " <= char <= "~") or ("\u00a1" <= char <= "\u00ff" and char != "\u00ad"):
        return char
    if char in _PUNCTUATION:
        return _PUNCTUATION[char]
    if char in "\t\r\u2028\u2029":
        return {"\t": " ", "\r": ""}.get(char, "\n")
    category = unicodedata.category(char)
    if category in _DROPPED_CATEGORIES or category.startswith("C") or category == "Zs":
        return " " if category == "Zs" else ""
    base = "".join(
        c for c in unicodedata.normalize("NFKD", char)
        if not unicodedata.combining(c) and (" " <= c <= "~" or "\u00a1" <= c <= "\u00ff")
    )
    return base or "?"


def indonesian_date(value: date | datetime | None, timezone: ZoneInfo) -> str:
    """`1 Desember 2026`."""
    if value is None:
        return "-"
    if isinstance(value, datetime):
        value = value.astimezone(timezone).date()
    return format_date(value, format="d MMMM y", locale="id")


def period_label(period: str) -> str:
    """`2026-11` → `November 2026`."""
    try:
        year, month = (int(p) for p in period.split("-", 1))
        return format_date(date(year, month, 1), format="MMMM y", locale="id")
    except (ValueError, TypeError):
        return period


def qr_png(data: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=8, border=2)
    buffer.seek(0)
    return buffer


def render_invoice_pdf(
    invoice: Invoice,
    customer: Customer,
    package_name: str,
    *,
    isp_name: str,
    cs_phone: str,
    payment_methods: Sequence[str],
    payment_url_or_reference: str,
    timezone: ZoneInfo,
) -> bytes:
    """The invoice as PDF bytes, deterministic for the same invoice."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_creation_date(invoice.created_at)
    pdf.set_title(f"Invoice {invoice.invoice_number}")
    pdf.set_author(isp_name)
    pdf.set_creator("ispbot")
    pdf.set_lang("id")
    pdf.add_page()
    header_bottom = _header(pdf, invoice, isp_name, timezone)
    _customer(pdf, customer, package_name, min_y=header_bottom)
    _status(pdf, invoice, timezone)
    _lines(pdf, invoice)
    if invoice.status == "unpaid":
        _how_to_pay(pdf, invoice, payment_methods, payment_url_or_reference)
    _footer(pdf, isp_name, cs_phone)
    return bytes(pdf.output())


def _header(pdf: FPDF, invoice: Invoice, isp_name: str, timezone: ZoneInfo) -> float:
    """The ISP's name, the title and, on the right, the invoice's number and dates.
    Returns where the right-hand block ends; the cursor is left where it starts."""
    top = pdf.get_y()
    pdf.set_font("helvetica", "B", 18)
    pdf.set_text_color(20, 60, 120)
    pdf.multi_cell(110, 8, pdf_text(isp_name) or "-", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    below_name = pdf.get_y()
    pdf.set_xy(125, top)
    pdf.set_font("helvetica", "B", 14)
    pdf.set_text_color(0, 0, 0)
    pdf.cell(70, 8, "TAGIHAN / INVOICE", align="R")
    pdf.set_y(max(below_name, top + 8) + 3)
    pdf.set_draw_color(20, 60, 120)
    pdf.line(15, pdf.get_y(), 195, pdf.get_y())
    pdf.ln(3)
    block_top = pdf.get_y()
    rows = [
        ("No. Invoice", invoice.invoice_number),
        ("Periode", period_label(invoice.period)),
        ("Tanggal terbit", indonesian_date(invoice.issue_date, timezone)),
        ("Jatuh tempo", indonesian_date(invoice.due_date, timezone)),
    ]
    for label, value in rows:
        pdf.set_x(110)
        pdf.set_font("helvetica", "", 10)
        pdf.cell(32, _LINE, label)
        pdf.set_font("helvetica", "B", 10)
        pdf.cell(53, _LINE, pdf_text(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    block_bottom = pdf.get_y()
    pdf.set_y(block_top)
    return block_bottom


def _customer(pdf: FPDF, customer: Customer, package_name: str, *, min_y: float) -> None:
    pdf.set_font("helvetica", "", 9)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(90, 5, "Ditagihkan kepada", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("helvetica", "B", 11)
    pdf.multi_cell(90, _LINE, pdf_text(customer.full_name) or "-", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("helvetica", "", 10)
    lines = [f"ID Pelanggan: {customer.customer_code}", *address_lines(customer)]
    lines.append(f"Paket: {package_name}")
    for line in lines:
        pdf.multi_cell(90, 5, pdf_text(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), min_y) + 6)


def address_lines(customer: Customer) -> list[str]:
    """The customer's address in Indonesian order, without empty parts."""
    first = customer.address or ""
    if customer.rt or customer.rw:
        first += f", RT {customer.rt or '-'}/RW {customer.rw or '-'}"
    area = ", ".join(
        part for part in (
            f"Kel. {customer.kelurahan}" if customer.kelurahan else "",
            f"Kec. {customer.kecamatan}" if customer.kecamatan else "",
        ) if part
    )
    city = " ".join(p for p in (customer.city, customer.postal_code) if p)
    return [line for line in (first.strip(", "), area, city) if line]


def _status(pdf: FPDF, invoice: Invoice, timezone: ZoneInfo) -> None:
    label = STATUS_LABELS.get(invoice.status, invoice.status.upper())
    pdf.set_font("helvetica", "B", 12)
    pdf.set_text_color(*STATUS_COLOURS.get(invoice.status, (0, 0, 0)))
    pdf.set_draw_color(*STATUS_COLOURS.get(invoice.status, (0, 0, 0)))
    pdf.cell(60, 9, pdf_text(f"Status: {label}"), border=1, align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("helvetica", "", 10)
    if invoice.status == "paid":
        paid = f"Dibayar {indonesian_date(invoice.paid_at, timezone)}"
        if invoice.payment_method:
            from ispbot.billing import payment_method_label

            paid += f" via {payment_method_label(invoice.payment_method)}"
        pdf.cell(120, 9, pdf_text(paid), align="R")
    pdf.ln(13)


def _lines(pdf: FPDF, invoice: Invoice) -> None:
    pdf.set_font("helvetica", "", 10)
    pdf.set_draw_color(180, 180, 180)
    with pdf.table(
        col_widths=(12, 118, 50),
        text_align=("CENTER", "LEFT", "RIGHT"),
        line_height=7,
        first_row_as_headings=True,
    ) as table:
        table.row(["No", "Deskripsi", "Jumlah"])
        for number, line in enumerate(invoice.lines or [], start=1):
            amount = line.get("amount") if isinstance(line, dict) else None
            description = line.get("description", "") if isinstance(line, dict) else line
            table.row([str(number), pdf_text(description) or "-", rupiah(_number(amount))])
    pdf.set_font("helvetica", "B", 12)
    pdf.cell(130, 10, "TOTAL", align="R")
    pdf.cell(50, 10, rupiah(invoice.amount), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _number(value: object) -> int | float | None:
    if isinstance(value, bool):
        return None
    return value if isinstance(value, int | float) else None


def _how_to_pay(
    pdf: FPDF, invoice: Invoice, methods: Sequence[str], reference: str
) -> None:
    if pdf.get_y() > pdf.h - pdf.b_margin - 60:  # keep the QR code beside its text
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(130, 7, "Cara pembayaran", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("helvetica", "", 10)
    for number, method in enumerate(methods, start=1):
        pdf.multi_cell(130, 5.5, pdf_text(f"{number}. {method}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.multi_cell(
        130, 5.5,
        pdf_text(f"Cantumkan nomor invoice {invoice.invoice_number} pada berita/keterangan pembayaran."),
        new_x=XPos.LMARGIN, new_y=YPos.NEXT,
    )
    bottom = pdf.get_y()
    if reference:
        pdf.image(qr_png(reference), x=155, y=top, w=40, h=40)
        pdf.set_xy(145, top + 40)
        pdf.set_font("helvetica", "", 8)
        # Only a payment page is paid by scanning; the invoice number is not a QRIS code
        label = "Pindai untuk membayar" if reference.startswith(("https://", "http://")) else "Nomor invoice"
        pdf.multi_cell(50, 4, label, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_x(145)
        pdf.multi_cell(50, 4, pdf_text(reference), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(bottom, pdf.get_y()) + 4)


def _footer(pdf: FPDF, isp_name: str, cs_phone: str) -> None:
    pdf.set_draw_color(200, 200, 200)
    pdf.line(15, pdf.get_y(), 195, pdf.get_y())
    pdf.ln(2)
    pdf.set_font("helvetica", "", 9)
    pdf.set_text_color(90, 90, 90)
    text = (
        f"Butuh bantuan? Hubungi CS {isp_name} di {cs_phone}, atau ketik cs di WhatsApp. "
        "Dokumen ini dibuat otomatis dan sah tanpa tanda tangan."
    )
    pdf.multi_cell(_PAGE_WIDTH, 4.5, pdf_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
