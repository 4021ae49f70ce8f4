"""A registration's status in the customer's words: the steps of the tracking timeline,
in Indonesian and English (staff see webadmin.labels instead)."""

from __future__ import annotations

from ispbot.storage.lifecycle import Status

STEP_LABELS = {
    "id": {
        Status.PENDING_VERIFICATION: "Pendaftaran diterima", Status.VERIFIED: "Data diverifikasi",
        Status.SURVEY_SCHEDULED: "Survey dijadwalkan", Status.SURVEY_COMPLETED: "Survey selesai",
        Status.APPROVED: "Disetujui",
    },
    "en": {
        Status.PENDING_VERIFICATION: "Registration received", Status.VERIFIED: "Data verified",
        Status.SURVEY_SCHEDULED: "Survey scheduled", Status.SURVEY_COMPLETED: "Survey completed",
        Status.APPROVED: "Approved",
    },
}


def step_labels(locale: str) -> dict[Status, str]:
    return STEP_LABELS.get(locale, STEP_LABELS["id"])


def status_words(locale: str, status: str | None) -> str:
    """An open registration's status as the timeline names it; any other status as is."""
    try:
        return step_labels(locale)[Status(status)]
    except (ValueError, KeyError):
        return (status or "-").replace("_", " ")
