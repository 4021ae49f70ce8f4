"""The approved WhatsApp templates that carry the bot's own messages (status changes,
invoices, tickets, codes, a chat photo that never came, staff alerts) once 24 hours have
passed since the customer last wrote, when the Cloud API takes nothing else.

Each is the short form of its jinja2 message (`messages/id/<name>.j2`), in the same words,
with the message's values as the body's parameters {{1}}, {{2}} … Meta's rules for a
template body hold for every one (tests/test_whatsapp_templates.py): at most 1024
characters, parameters numbered in order, none at the very start or end, no emoji-only
lines. `ispbot whatsapp-templates` prints them for WhatsApp Manager or submits them through
the Graph API; they are sent only once Meta has approved them. Meta keeps the words it
approved under a name, so a template whose words change takes a new name (`…_v2`), which
`--submit` then creates like a new template.

A message without a template here (a free text from CS, the bot's replies) is plain text:
outside the window the Cloud API refuses it, and the admin shows it undelivered.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ispbot.providers.messages import TemplateMessage

UTILITY, AUTHENTICATION = "UTILITY", "AUTHENTICATION"
PARAMETER_LIMIT = 300  # characters; a body is at most 1024 with its parameters filled in
# Meta refuses a parameter with a newline or tab, or more than four spaces in a row.
_SPACING = re.compile(r"\s+")
PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")
# Meta's language codes for the product's locales.
LANGUAGE = {"id": "id", "en": "en"}

Context = Mapping[str, Any]


@dataclass(frozen=True)
class WhatsAppTemplate:
    name: str  # Meta's template name: lower-case letters, digits and underscores
    category: str
    bodies: Mapping[str, str]  # by locale; an authentication template's text is Meta's own
    examples: tuple[str, ...]  # one per parameter, shown to Meta's reviewers
    parameters: Callable[[Context, str], tuple[Any, ...]]  # the values, from the message's context

    def message(self, locale: str, context: Context) -> TemplateMessage:
        values = tuple(_parameter(value) for value in self.parameters(context, locale))
        return TemplateMessage(
            name=self.name,
            language=LANGUAGE.get(locale, "id"),
            parameters=values,
            authentication=self.category == AUTHENTICATION,
        )


def _parameter(value: Any) -> str:
    text = _SPACING.sub(" ", str(value if value is not None else "")).strip()
    if len(text) > PARAMETER_LIMIT:
        text = text[: PARAMETER_LIMIT - 1].rstrip() + "…"
    return text or "-"  # Meta refuses an empty parameter


def _said(locale: str, indonesian: str, english: str) -> str:
    return english if locale == "en" else indonesian


def _registration(c: Context, _: str) -> tuple[Any, ...]:
    r = c["registration"]
    return r.full_name, r.registration_number


def _survey_scheduled(c: Context, _: str) -> tuple[Any, ...]:
    r = c["registration"]
    return r.full_name, r.registration_number, c["datetime"](r.survey_date)


def _rejected(c: Context, locale: str) -> tuple[Any, ...]:
    r = c["registration"]
    return r.full_name, r.registration_number, r.rejection_reason or _said(locale, "tidak disebutkan", "not given")


def _customer_created(c: Context, _: str) -> tuple[Any, ...]:
    r = c["registration"]
    return r.full_name, c["customer"].customer_code, r.registration_number


def _received(c: Context, _: str) -> tuple[Any, ...]:
    r, package = c["registration"], c["package"]
    return r.full_name, r.registration_number, package.name, c["rupiah"](r.quoted_monthly_price), c["tracking_url"]


def _invoice(c: Context, _: str) -> tuple[Any, ...]:
    invoice = c["invoice"]
    return (
        c["customer"].full_name, invoice.invoice_number, c["month"](invoice.period),
        c["rupiah"](invoice.amount), c["date"](invoice.due_date),
    )


def _receipt(c: Context, _: str) -> tuple[Any, ...]:
    invoice = c["invoice"]
    return c["customer"].full_name, invoice.invoice_number, c["month"](invoice.period), c["rupiah"](invoice.amount)


def _customer_name(c: Context, locale: str) -> str:
    return c.get("name") or _said(locale, "Pelanggan", "customer")


def _ticket_status(c: Context, locale: str) -> tuple[Any, ...]:
    ticket = c["ticket"]
    return _customer_name(c, locale), ticket.ticket_number, ticket.subject, c["status_label"]


def _ticket_assigned(c: Context, locale: str) -> tuple[Any, ...]:
    ticket = c["ticket"]
    when = c["datetime"](ticket.scheduled_at) if ticket.scheduled_at else _said(locale, "menyusul", "to follow")
    return _customer_name(c, locale), c["technician"], ticket.ticket_number, ticket.subject, when


def _ticket_scheduled(c: Context, locale: str) -> tuple[Any, ...]:
    ticket = c["ticket"]
    return _customer_name(c, locale), ticket.ticket_number, ticket.subject, c["datetime"](ticket.scheduled_at)


def _staff_ticket(c: Context, locale: str) -> tuple[Any, ...]:
    ticket = c["ticket"]
    when = c["datetime"](ticket.scheduled_at) if ticket.scheduled_at else _said(locale, "belum dijadwalkan", "not scheduled")
    return ticket.ticket_number, ticket.subject, when, f"{c['admin_url']}/tickets/{ticket.id}"


_WITHDRAWN = {
    "rejected": ("pendaftarannya ditolak", "the registration was rejected"),
    "cancelled": ("pendaftarannya dibatalkan", "the registration was cancelled"),
    "unassigned": ("tiket tidak lagi ditugaskan kepada Anda", "the ticket is no longer assigned to you"),
    "closed": ("tiket sudah ditutup", "the ticket was closed"),
    "resolved": ("tiket sudah diselesaikan", "the ticket was resolved"),
}


def _staff_ticket_withdrawn(c: Context, locale: str) -> tuple[Any, ...]:
    ticket = c["ticket"]
    what = f"{ticket.subject} · {c['customer']}" if c.get("customer") else ticket.subject
    why = _said(locale, *_WITHDRAWN[c["reason"]])
    when = c["datetime"](ticket.scheduled_at) if ticket.scheduled_at else _said(locale, "tidak dijadwalkan", "none")
    return ticket.ticket_number, what, why, when, f"{c['admin_url']}/tickets/{ticket.id}"


def _sla_alert(c: Context, _: str) -> tuple[Any, ...]:
    return len(c["registrations"]), c["isp_name"], c["hours"], c["admin_url"]


def _daily_digest(c: Context, _: str) -> tuple[Any, ...]:
    f = c["f"]
    return (
        c["isp_name"], c["date"](c["day"]), f["registrations"], f["approved"], f["rejected"], f["pending"],
        f["tickets_opened"], f["tickets_closed"], c["admin_url"],
    )


CATALOGUE: dict[str, WhatsAppTemplate] = {
    "notify_verified": WhatsAppTemplate(
        "ispbot_registration_verified", UTILITY,
        {
            "id": "Halo {{1}}, data pendaftaran Anda telah diverifikasi. Nomor Registrasi: {{2}}. Terima kasih!",
            "en": "Hello {{1}}, your registration details have been verified. Registration number: {{2}}. Thank you!",
        },
        ("Budi Santoso", "REG-20261201-0001"), _registration,
    ),
    "notify_survey_scheduled": WhatsAppTemplate(
        "ispbot_survey_scheduled", UTILITY,
        {
            "id": "Halo {{1}}, survey lokasi untuk pendaftaran {{2}} telah dijadwalkan pada {{3}}. Terima kasih!",
            "en": "Hello {{1}}, the site survey for registration {{2}} is scheduled for {{3}}. Thank you!",
        },
        ("Budi Santoso", "REG-20261201-0001", "Kamis, 3 Desember 2026, 10.00 WIB"), _survey_scheduled,
    ),
    "notify_survey_completed": WhatsAppTemplate(
        "ispbot_survey_completed", UTILITY,
        {
            "id": "Halo {{1}}, survey lokasi untuk pendaftaran {{2}} telah selesai. Hasilnya sedang kami tinjau "
            "untuk persetujuan. Terima kasih!",
            "en": "Hello {{1}}, the site survey for registration {{2}} is done. We are reviewing it for approval. "
            "Thank you!",
        },
        ("Budi Santoso", "REG-20261201-0001"), _registration,
    ),
    "notify_approved": WhatsAppTemplate(
        "ispbot_registration_approved", UTILITY,
        {
            "id": "Halo {{1}}, pendaftaran {{2}} telah disetujui. Kami akan segera menjadwalkan instalasi untuk "
            "Anda. Terima kasih!",
            "en": "Hello {{1}}, registration {{2}} has been approved. We will schedule your installation soon. "
            "Thank you!",
        },
        ("Budi Santoso", "REG-20261201-0001"), _registration,
    ),
    "notify_rejected": WhatsAppTemplate(
        "ispbot_registration_rejected", UTILITY,
        {
            "id": "Halo {{1}}, mohon maaf, pendaftaran {{2}} ditolak. Alasan: {{3}}. Anda dapat mendaftar kembali "
            "atau membalas pesan ini untuk informasi lebih lanjut.",
            "en": "Hello {{1}}, we are sorry: registration {{2}} was not approved. Reason: {{3}}. You can register "
            "again or reply to this message for more information.",
        },
        ("Budi Santoso", "REG-20261201-0001", "Lokasi di luar jangkauan jaringan"), _rejected,
    ),
    "notify_customer_created": WhatsAppTemplate(
        "ispbot_customer_created", UTILITY,
        {
            "id": "Halo {{1}}, selamat bergabung! Akun pelanggan Anda telah dibuat dengan ID Pelanggan {{2}} "
            "(pendaftaran {{3}}). Tim teknisi kami akan menghubungi Anda untuk jadwal instalasi. Terima kasih!",
            "en": "Hello {{1}}, welcome aboard! Your customer account has been created with customer ID {{2}} "
            "(registration {{3}}). Our technicians will contact you to schedule the installation. Thank you!",
        },
        ("Budi Santoso", "AGLS202612010001", "REG-20261201-0001"), _customer_created,
    ),
    "notify_cancelled": WhatsAppTemplate(
        "ispbot_registration_cancelled", UTILITY,
        {
            "id": "Halo {{1}}, pendaftaran {{2}} telah dibatalkan sesuai permintaan. Anda dapat mendaftar kembali "
            "kapan saja dengan membalas daftar.",
            "en": "Hello {{1}}, registration {{2}} has been cancelled as you asked. You can register again at any "
            "time by replying register.",
        },
        ("Budi Santoso", "REG-20261201-0001"), _registration,
    ),
    "registration_confirmation": WhatsAppTemplate(
        "ispbot_registration_received", UTILITY,
        {
            "id": "Halo {{1}}, terima kasih telah mendaftar! Nomor Registrasi: {{2}}, paket {{3}} ({{4}}/bulan). "
            "Tim kami akan segera menghubungi Anda untuk verifikasi dan survey lokasi. Cek status pendaftaran "
            "di {{5}} kapan saja.",
            "en": "Hello {{1}}, thank you for registering! Registration number: {{2}}, package {{3}} ({{4}}/month). "
            "Our team will contact you soon to verify it and survey the site. Check its status at {{5}} any time.",
        },
        ("Budi Santoso", "REG-20261201-0001", "Home 20 Mbps", "Rp 199.900",
         "https://isp.example.id/track/REG-20261201-0001"), _received,
    ),
    "otp": WhatsAppTemplate(
        # Meta writes an authentication template's text itself ("<code> is your verification
        # code"), in the template's language, with the copy-code button.
        "ispbot_otp", AUTHENTICATION, {}, ("123456",), lambda c, _: (c["code"],),
    ),
    "invoice_reminder": WhatsAppTemplate(
        "ispbot_invoice_reminder", UTILITY,
        {
            "id": "Halo {{1}}, tagihan internet {{2}} periode {{3}} sebesar {{4}} jatuh tempo pada {{5}}. Balas "
            "tagihan untuk menerima invoice dalam PDF. Sudah membayar? Abaikan pesan ini.",
            "en": "Hello {{1}}, internet invoice {{2}} for {{3}}, amount {{4}}, is due on {{5}}. Reply invoices "
            "to receive it as a PDF. Already paid? Please ignore this message.",
        },
        ("Budi Santoso", "INV-202612-0001", "Desember 2026", "Rp 199.900", "Kamis, 10 Desember 2026"), _invoice,
    ),
    "invoice_receipt": WhatsAppTemplate(
        "ispbot_payment_received", UTILITY,
        {
            "id": "Halo {{1}}, pembayaran tagihan {{2}} periode {{3}} sebesar {{4}} sudah kami terima. Terima kasih!",
            "en": "Hello {{1}}, we have received your payment of invoice {{2}} for {{3}}, amount {{4}}. Thank you!",
        },
        ("Budi Santoso", "INV-202612-0001", "Desember 2026", "Rp 199.900"), _receipt,
    ),
    "ticket_status": WhatsAppTemplate(
        "ispbot_ticket_status_v2", UTILITY,
        {
            "id": "Halo {{1}}, tiket {{2}} ({{3}}) kini berstatus: {{4}}. Ada pertanyaan? Ketik cs untuk bicara "
            "dengan CS kami. Terima kasih!",
            "en": "Hello {{1}}, ticket {{2}} ({{3}}) is now: {{4}}. Any questions? Type cs to talk to our CS team. "
            "Thank you!",
        },
        ("Budi Santoso", "TKT-20261201-0001", "Internet mati", "Selesai"), _ticket_status,
    ),
    "ticket_scheduled": WhatsAppTemplate(
        "ispbot_ticket_scheduled_v2", UTILITY,
        {
            "id": "Halo {{1}}, teknisi kami akan datang untuk tiket {{2}} ({{3}}) pada {{4}}. Mohon pastikan ada "
            "yang di lokasi. Bila waktunya tidak cocok, ketik cs untuk bicara dengan CS kami. Terima kasih!",
            "en": "Hello {{1}}, our technician will come for ticket {{2}} ({{3}}) on {{4}}. Please make sure someone "
            "is there. If the time does not suit you, type cs to talk to our CS team. Thank you!",
        },
        ("Budi Santoso", "TKT-20261201-0001", "Instalasi AGLS202612010001", "Kamis, 3 Desember 2026, 10.00 WIB"),
        _ticket_scheduled,
    ),
    "ticket_assigned": WhatsAppTemplate(
        "ispbot_ticket_assigned", UTILITY,
        {
            "id": "Halo {{1}}, teknisi {{2}} telah ditugaskan untuk tiket {{3}} ({{4}}). Jadwal: {{5}}. Terima kasih!",
            "en": "Hello {{1}}, technician {{2}} has been assigned to ticket {{3}} ({{4}}). Schedule: {{5}}. "
            "Thank you!",
        },
        ("Budi Santoso", "Rudi", "TKT-20261201-0001", "Instalasi AGLS202612010001",
         "Kamis, 3 Desember 2026, 10.00 WIB"), _ticket_assigned,
    ),
    "deletion_done": WhatsAppTemplate(
        "ispbot_data_deleted", UTILITY,
        {
            "id": "Permintaan hapus data HD-{{1}} telah selesai kami proses. Data Anda sudah dihapus, kecuali yang "
            "wajib kami simpan menurut hukum (misalnya invoice). Pertanyaan? Hubungi CS {{2}}, terima kasih.",
            "en": "Data deletion request HD-{{1}} has been carried out. Your data has been deleted, except what the "
            "law requires us to keep (such as invoices). Questions? Contact CS at {{2}}, thank you.",
        },
        ("12", "0812-0000-0800"), lambda c, _: (c["request_id"], c["cs_phone"]),
    ),
    "ktp_photo_not_received": WhatsAppTemplate(
        "ispbot_ktp_photo_not_received", UTILITY,
        {
            "id": "Maaf, foto KTP untuk pendaftaran {{1}} tidak berhasil kami terima dari WhatsApp. Pendaftaran "
            "Anda tetap kami proses. Petugas kami akan meminta foto KTP Anda saat verifikasi. Terima kasih.",
            "en": "Sorry, the ID card (KTP) photo for registration {{1}} did not reach us from WhatsApp. Your "
            "registration goes ahead. Our staff will ask for your KTP photo at verification. Thank you.",
        },
        ("REG-20261201-0001",), lambda c, _: (c["number"],),
    ),
    "ticket_photo_not_received": WhatsAppTemplate(
        "ispbot_ticket_photo_not_received", UTILITY,
        {
            "id": "Maaf, foto untuk tiket {{1}} tidak berhasil kami terima dari WhatsApp. Tiket Anda tetap kami "
            "tangani. Bila foto diperlukan, petugas kami akan memintanya lewat chat ini. Terima kasih.",
            "en": "Sorry, the photo for ticket {{1}} did not reach us from WhatsApp. We are still handling your "
            "ticket. If a photo is needed, our staff will ask you for it in this chat. Thank you.",
        },
        ("TKT-20261201-0001",), lambda c, _: (c["number"],),
    ),
    "staff_ticket_assigned": WhatsAppTemplate(
        "ispbot_staff_ticket", UTILITY,
        {
            "id": "Tiket {{1}} ({{2}}) ditugaskan kepada Anda. Jadwal: {{3}}. Rincian: {{4}} Terima kasih.",
            "en": "Ticket {{1}} ({{2}}) is assigned to you. Schedule: {{3}}. Details: {{4}} Thank you.",
        },
        ("TKT-20261201-0001", "Survey lokasi REG-20261201-0001", "Kamis, 3 Desember 2026, 10.00 WIB",
         "https://isp.example.id/admin/tickets/1"), _staff_ticket,
    ),
    "staff_ticket_withdrawn": WhatsAppTemplate(
        "ispbot_staff_ticket_withdrawn", UTILITY,
        {
            "id": "Anda tidak perlu lagi mengerjakan tiket {{1}} ({{2}}): {{3}}. Jadwalnya semula {{4}}. "
            "Rincian: {{5}} Terima kasih.",
            "en": "You no longer need to go for ticket {{1}} ({{2}}): {{3}}. Its schedule was {{4}}. "
            "Details: {{5}} Thank you.",
        },
        ("TKT-20261201-0001", "Survey lokasi REG-20261201-0001 · Budi Santoso", "pendaftarannya dibatalkan",
         "Kamis, 3 Desember 2026, 10.00 WIB", "https://isp.example.id/admin/tickets/1"), _staff_ticket_withdrawn,
    ),
    "sla_alert": WhatsAppTemplate(
        "ispbot_sla_alert", UTILITY,
        {
            "id": "Ada {{1}} pendaftaran di {{2}} yang menunggu verifikasi lebih dari {{3}} jam. Mohon segera "
            "diverifikasi di {{4}}, terima kasih.",
            "en": "There are {{1}} registrations at {{2}} waiting for verification for more than {{3}} hours. "
            "Please verify them at {{4}}, thank you.",
        },
        ("3", "AGLIS Net", "24", "https://isp.example.id/admin"), _sla_alert,
    ),
    "daily_digest": WhatsAppTemplate(
        "ispbot_daily_digest", UTILITY,
        {
            "id": "Ringkasan harian {{1}}, {{2}}: pendaftaran baru {{3}}, disetujui {{4}}, ditolak {{5}}, "
            "menunggu verifikasi {{6}}; tiket dibuka {{7}}, tiket selesai {{8}}. Rincian ada di {{9}} untuk staf.",
            "en": "Daily summary of {{1}}, {{2}}: new registrations {{3}}, approved {{4}}, rejected {{5}}, "
            "awaiting verification {{6}}; tickets opened {{7}}, tickets closed {{8}}. Details are at {{9}} for staff.",
        },
        ("AGLIS Net", "Selasa, 1 Desember 2026", "12", "5", "1", "4", "7", "6", "https://isp.example.id/admin"),
        _daily_digest,
    ),
}


def for_message(template_name: str) -> WhatsAppTemplate | None:
    return CATALOGUE.get(template_name)


_BY_NAME = {template.name: template for template in CATALOGUE.values()}
_LOCALE_OF = {language: locale for locale, language in LANGUAGE.items()}


def as_sent(sent: TemplateMessage) -> str | None:
    """The text the customer read: the template's body filled in (for the admin's
    transcript). None for an authentication template (Meta writes its text) or one this
    version no longer has."""
    template = _BY_NAME.get(sent.name)
    body = template.bodies.get(_LOCALE_OF.get(sent.language, "id")) if template else None
    if body is None:
        return None
    values = sent.parameters
    return PLACEHOLDER.sub(lambda m: values[int(m[1]) - 1] if int(m[1]) <= len(values) else m[0], body)
