"""The main menu: where every chat starts and returns. Registration and status check are
here today; invoices, tickets, profile, FAQ and talking to CS say honestly that they are
coming."""

from __future__ import annotations

import re

from ispbot.flows.choices import StaleChoice, choice, pick, value_of
from ispbot.flows.turn import Turn
from ispbot.providers.messages import Choice
from ispbot.storage import registrations

ITEMS = [
    ("register", "Daftar pasang baru", "New registration"),
    ("status", "Cek status pendaftaran", "Registration status"),
    ("invoices", "Tagihan", "Invoices"),
    ("ticket", "Lapor gangguan", "Report a problem"),
    ("profile", "Profil saya", "My profile"),
    ("faq", "Tanya jawab (FAQ)", "FAQ"),
    ("cs", "Hubungi CS", "Talk to CS"),
]
KEYWORDS = {
    "register": {"daftar", "register", "pasang", "pasang baru", "langganan", "registrasi"},
    "status": {"status", "cek", "cek status", "lacak", "track"},
    "invoices": {"tagihan", "invoice", "bayar", "billing"},
    "ticket": {"tiket", "gangguan", "lapor", "ticket", "komplain"},
    "profile": {"profil", "profile", "akun", "dashboard"},
    "faq": {"faq", "tanya", "pertanyaan"},
}
GREETINGS = {"halo", "hallo", "hai", "hi", "hello", "p", "assalamualaikum", "selamat pagi", "selamat siang",
             "selamat sore", "selamat malam", "pagi", "siang", "sore", "malam", "start", "mulai"}
REG_NUMBER = re.compile(r"\bREG-\d{8}-\d{4}\b", re.IGNORECASE)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)


def choices(locale: str) -> list[Choice]:
    return [choice("MENU", key, en if locale == "en" else idn) for key, idn, en in ITEMS]


async def show(turn: Turn) -> None:
    turn.conversation.flow, turn.conversation.state = "menu", "MENU"
    turn.ask("menu", choices(turn.locale), button="Menu", name=turn.contact.name)


async def finish_flow(turn: Turn, flow: str) -> None:
    """A flow ended: back to the menu quietly (the next message shows it)."""
    turn.conversation.flow, turn.conversation.state = "menu", "MENU"


def intent(text: str) -> str | None:
    plain = " ".join(text.lower().split())
    for key, words in KEYWORDS.items():
        if plain in words:
            return key
    return None


async def handle(turn: Turn) -> None:
    from ispbot.flows import tracking
    from ispbot.flows.registration import REGISTRATION

    text = turn.message.text.strip()
    try:
        picked = pick(turn.message, choices(turn.locale), prefix="MENU")
    except StaleChoice:
        picked = None
    key = value_of(picked) if picked else intent(text)
    if key is None and (REG_NUMBER.search(text) or EMAIL.fullmatch(text)):
        key = "status"
    if key == "register":
        turn.conversation.misunderstood = 0
        existing = await registrations.find_duplicate(turn.session, email=None, phone=turn.contact.phone)
        if existing is not None:
            turn.say("reg_duplicate", duplicate=existing)
            return
        if REGISTRATION.has_draft(turn):
            turn.say("reg_resume")
            await REGISTRATION.start(turn, resume=True)
        else:
            await REGISTRATION.start(turn)
        return
    if key == "status":
        turn.conversation.misunderstood = 0
        await tracking.start(turn, text if (REG_NUMBER.search(text) or EMAIL.fullmatch(text)) else "")
        return
    if key in ("invoices", "ticket", "profile", "faq", "cs"):
        turn.say("coming_soon", feature=key)
        return
    if key is None and text.lower() not in GREETINGS and turn.conversation.state == "MENU" and text:
        turn.conversation.misunderstood += 1
        turn.say("not_understood")
    await show(turn)
