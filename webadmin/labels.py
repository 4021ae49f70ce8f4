"""The Indonesian words the pages show for stored codes (statuses, actions, ticket kinds)."""

from __future__ import annotations

from ispbot.flows.support_tickets import CATEGORIES as TICKET_CATEGORIES
from ispbot.storage.lifecycle import Action, Status

STATUS = {
    Status.PENDING_VERIFICATION: "Menunggu Verifikasi",
    Status.VERIFIED: "Terverifikasi",
    Status.SURVEY_SCHEDULED: "Survey Dijadwalkan",
    Status.SURVEY_COMPLETED: "Survey Selesai",
    Status.APPROVED: "Disetujui",
    Status.REJECTED: "Ditolak",
    Status.CUSTOMER_CREATED: "Pelanggan Dibuat",
    Status.CANCELLED: "Dibatalkan",
}

# The colour family of each status badge (the seed's colours).
STATUS_TONE = {
    Status.PENDING_VERIFICATION: "yellow",
    Status.VERIFIED: "blue",
    Status.SURVEY_SCHEDULED: "purple",
    Status.SURVEY_COMPLETED: "purple",
    Status.APPROVED: "green",
    Status.REJECTED: "red",
    Status.CUSTOMER_CREATED: "teal",
    Status.CANCELLED: "gray",
}

ACTION = {
    Action.VERIFY: "Verifikasi",
    Action.SCHEDULE_SURVEY: "Jadwalkan Survey",
    Action.COMPLETE_SURVEY: "Survey Selesai",
    Action.APPROVE: "Setujui",
    Action.REJECT: "Tolak",
    Action.CREATE_CUSTOMER: "Buat Pelanggan",
    Action.CANCEL: "Batalkan",
}

# What the flash says once an action is done.
ACTION_DONE = {
    Action.VERIFY: "Pendaftaran diverifikasi",
    Action.SCHEDULE_SURVEY: "Survey dijadwalkan",
    Action.COMPLETE_SURVEY: "Survey ditandai selesai",
    Action.APPROVE: "Pendaftaran disetujui",
    Action.REJECT: "Pendaftaran ditolak",
    Action.CREATE_CUSTOMER: "Pelanggan dibuat",
    Action.CANCEL: "Pendaftaran dibatalkan",
}

# What the customer should expect next, per status (tracking page).
NEXT_STEP = {
    Status.PENDING_VERIFICATION: "Tim kami sedang memeriksa data Anda. Kami akan menghubungi Anda lewat WhatsApp.",
    Status.VERIFIED: "Data Anda sudah benar. Berikutnya kami menjadwalkan survey lokasi.",
    Status.SURVEY_SCHEDULED: "Teknisi kami akan datang untuk survey lokasi sesuai jadwal.",
    Status.SURVEY_COMPLETED: "Hasil survey sedang ditinjau untuk persetujuan.",
    Status.APPROVED: "Pendaftaran disetujui. Kami segera menjadwalkan instalasi.",
    Status.CUSTOMER_CREATED: "Akun pelanggan Anda sudah dibuat. Teknisi akan menghubungi Anda untuk instalasi.",
    Status.REJECTED: "Anda dapat mendaftar kembali atau menghubungi kami untuk informasi lebih lanjut.",
    Status.CANCELLED: "Pendaftaran dibatalkan. Anda dapat mendaftar kembali kapan saja.",
}

TICKET_STATUS = {
    "open": "Terbuka",
    "in_progress": "Dikerjakan",
    "resolved": "Selesai",
    "closed": "Ditutup",
}
TICKET_TONE = {"open": "yellow", "in_progress": "blue", "resolved": "green", "closed": "gray"}
TICKET_KIND = {"survey": "Survey", "installation": "Instalasi", "support": "Gangguan"}
CREATED_VIA = {"whatsapp": "WhatsApp", "admin": "admin"}


def ticket_category(category: str | None) -> str:
    """A support ticket's category as the customer chose it in the chat ("Internet mati")."""
    names = TICKET_CATEGORIES.get(category or "")
    return names[0] if names else (category or "-")


def status_label(status: str | None) -> str:
    try:
        return STATUS[Status(status)]
    except ValueError:
        return status or "-"


def status_tone(status: str | None) -> str:
    try:
        return STATUS_TONE[Status(status)]
    except ValueError:
        return "gray"


def action_label(action: str) -> str:
    try:
        return ACTION[Action(action)]
    except ValueError:
        return action

# Who has a conversation (conversations.mode), in the chat inbox.
CONVERSATION_MODE = {"waiting": "Menunggu CS", "human": "Dengan CS", "bot": "Bot"}
CONVERSATION_TONE = {"waiting": "yellow", "human": "blue", "bot": "gray"}
