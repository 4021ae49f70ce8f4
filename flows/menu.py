"""The main menu: where every chat starts and returns. Registration and status check for
everyone; the account summary, invoices, tickets and profile for a known customer (see
flows.account); the FAQ for everyone, also for questions typed at the menu. A request in
everyday words ("saya mau daftar", "mau bicara dgn admin") starts what it names."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rapidfuzz.distance import OSA

from ispbot.flows import handoff
from ispbot.flows.answers import (
    HONORIFICS,
    is_acknowledgement,
    is_no,
    is_skip,
    is_yes,
    short_answer,
    words_of,
)
from ispbot.flows.choices import StaleChoice, choice, pick, value_of
from ispbot.flows.courtesy_words import acknowledgement
from ispbot.flows.status_words import status_words
from ispbot.flows.turn import Turn
from ispbot.providers.messages import Choice, InboundKind
from ispbot.storage import registrations

if TYPE_CHECKING:
    from ispbot.flows.engine import Flow

ITEMS = [
    ("register", "Daftar pasang baru", "New registration"),
    ("status", "Cek status pendaftaran", "Registration status"),
    ("account", "Ringkasan akun", "Account summary"),
    ("invoices", "Tagihan", "Invoices"),
    ("ticket", "Lapor gangguan", "Report a problem"),
    ("profile", "Profil saya", "My profile"),
    ("faq", "Tanya jawab (FAQ)", "FAQ"),
    ("cs", "Hubungi CS", "Talk to CS"),
]
KEYWORDS = {
    "register": {"daftar", "register", "pasang", "pasang baru", "langganan", "registrasi"},
    "status": {"status", "cek", "cek status", "lacak", "track"},
    "account": {"akun", "dashboard", "akun saya", "ringkasan", "ringkasan akun", "account", "saldo", "cek akun",
                "info akun", "lihat akun", "my account"},
    "invoices": {"tagihan", "invoice", "invoices", "bayar", "billing", "tagihan saya", "cek tagihan", "info tagihan",
                 "lihat tagihan"},
    "ticket": {"tiket", "gangguan", "lapor", "ticket", "tickets", "komplain", "tiket saya", "lapor gangguan",
               "cek tiket", "info tiket", "lihat tiket", "my tickets"},
    "profile": {"profil", "profile", "profil saya", "data saya", "ubah data", "cek profil", "info profil",
                "lihat profil", "my profile"},
    "faq": {"faq", "tanya", "pertanyaan", "tanya jawab"},
    "logout": {"keluar", "logout", "keluar akun"},
    "delete_data": {"hapus data", "hapus data saya", "delete data", "delete my data"},
}
# At the menu a command word typed with one slip (a letter missing, extra or wrong, or two
# swapped: "dafatr", "stauts", "tagian") still counts. Only long words, and only at the
# menu: inside a flow a one-word answer such as the name "Tania" must stay an answer.
TYPO_WORDS = {
    "daftar": "register", "registrasi": "register", "langganan": "register", "status": "status",
    "tagihan": "invoices", "invoice": "invoices", "gangguan": "ticket", "komplain": "ticket",
    "profil": "profile", "dashboard": "account",
}
# A request said in everyday words ("saya mau daftar", "bisa ngobrol sama CS aja ga?"):
# words naming one item, and otherwise only the words said around a request. Any other
# word ("cara", "biaya", "tidak", "berhenti") leaves the message to the FAQ.
SAID_WORDS = {
    "register": {"daftar", "mendaftar", "registrasi", "langganan", "berlangganan", "pasang", "register",
                 # "pasang" as it is chatted and inflected: "sy mau psg wifi", "mau masang internet"
                 "psg", "psng", "pasng", "psang", "pasag", "masang", "memasang", "pemasangan", "dipasang",
                 "pasangin", "pasangkan"},
    "cs": {"cs", "admin", "operator", "petugas", "orang", "manusia", "customer", "service", "human", "agent"},
    "invoices": {"tagihan", "tagihannya", "invoice", "billing"},
    "status": {"status"},
    "account": {"akun", "akunnya", "account", "dashboard"},
    "ticket": {"tiket", "tiketnya", "ticket", "tickets"},
    "profile": {"profil", "profilnya", "profile"},
}
_AROUND_A_REQUEST = {
    "saya", "sy", "aku", "aq", "gue", "gw", "kami", "mau", "ingin", "pengen", "pingin", "pgn", "mo", "minta", "mohon",
    "tolong", "bisa", "bisakah", "boleh", "dong", "deh", "sih", "nih", "ya", "yah", "aja", "saja", "sama", "dengan",
    "dgn", "ama", "sm", "yang", "yg", "ke", "di", "untuk", "utk", "buat", "gimana", "gmn", "bagaimana", "ada", "dulu",
    "langsung", "sekarang", "halo", "hallo", "hai", "selamat", "pagi", "siang", "sore", "malam", "assalamualaikum",
    "permisi", "ok", "oke", "cek", "lihat", "liat", "bicara", "berbicara", "ngobrol", "ngomong", "chat", "hubungi",
    "menghubungi", "kontak", "telpon", "telepon", "sambungkan", "hubungkan", "wifi", "internet", "baru", "rumah",
    "pendaftaran", "bulan", "ini", "i", "want", "to", "talk", "speak", "with", "a", "please", "my", "check",
}
_ASKING_TAGS = {"ga", "gak", "nggak", "ngga", "gk", "tidak", "kah"}  # "bisa … ga?": the question, not a no
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


async def leave_for_menu_word(turn: Turn, flow: Flow, own: str, *, keep_draft: bool = False) -> bool:
    """"daftar", "tagihan"… typed instead of an answer: the customer changed their mind, so
    leave `flow` (whose own keyword is `own`) and do what they asked. False otherwise.
    `keep_draft`: the answers so far stay, to be resumed (a registration's, by "daftar")."""
    if turn.message.kind is not InboundKind.TEXT:
        return False
    # Said in everyday words too ("bisa bicara dengan admin?" where the customer id is asked):
    # it was answered "not an id, type *cs*", which the customer had just asked for.
    if (intent(turn.text) or said_intent(turn.text)) in (None, own):
        return False
    if not keep_draft:
        flow.drop(turn)
    await finish_flow(turn, flow.name)
    await handle(turn)
    return True


def tracking_identifier(text: str) -> str | None:
    """What to track in "REG-20261202-0001", "budi@gmail.com" or "status budi@gmail.com"
    (a status word first, as customers type it): the registration number or the email."""
    if number := REG_NUMBER.search(text):
        return number.group(0)
    words = text.split()
    for length in (2, 1):
        if len(words) > length and " ".join(words[:length]).lower() in KEYWORDS["status"]:
            words = words[length:]
            break
    rest = " ".join(words)
    return rest if EMAIL.fullmatch(rest) else None


def intent(text: str) -> str | None:
    """The menu item a typed word names: "tagihan", or as chatted, "tagihan kak"."""
    plain = " ".join(text.lower().split())
    short = short_answer(text)
    for key, words in KEYWORDS.items():
        if plain in words or short in words:
            return key
    return None


def said_intent(text: str) -> str | None:
    """The menu item a request in everyday words names, None when it says anything more."""
    if any(ch.isdigit() or ch == "@" for ch in text):
        return None
    words = words_of(text)
    while len(words) > 1 and words[-1] in _ASKING_TAGS:
        words.pop()
    named = set()
    for word in words:
        keys = [key for key, said in SAID_WORDS.items() if word in said]
        if keys:
            named.update(keys)
        elif word not in _AROUND_A_REQUEST and word not in HONORIFICS:
            return None
    if named == {"status", "register"}:  # "status daftar saya": the registration's status
        return "status"
    return named.pop() if len(named) == 1 else None


def _asks_for_the_ticket_list(text: str) -> bool:
    from ispbot.flows.support_tickets import LIST_WORDS

    plain = " ".join(text.lower().split())
    return plain in LIST_WORDS or short_answer(text) in LIST_WORDS or said_intent(text) == "ticket"


def answers_nothing_asked(text: str) -> bool:
    """An answer to a question ("lanjut", "lewati", "iya", "gak jadi", "salah"), typed at the
    menu, where no question is open."""
    return is_skip(text) or is_yes(text) or is_no(text) or is_acknowledgement(text)


def is_greeting(text: str) -> bool:
    return text.lower() in GREETINGS or short_answer(text) in GREETINGS


def typo_intent(text: str) -> str | None:
    """The menu item of a command word typed with one slip, when only one is that close."""
    plain = text.strip().lower()
    if len(plain) < 5 or not plain.isalpha():
        return None
    found = {key for word, key in TYPO_WORDS.items() if OSA.distance(plain, word, score_cutoff=1) <= 1}
    return found.pop() if len(found) == 1 else None


async def handle(turn: Turn) -> None:
    from ispbot.flows import account, faq, self_service, tracking
    from ispbot.flows.registration import REGISTRATION

    text = turn.message.text.strip()
    try:
        picked = pick(turn.message, choices(turn.locale), prefix="MENU")
    except StaleChoice:
        picked = None
    key = value_of(picked) if picked else intent(text) or typo_intent(text)
    if key is None and turn.message.kind is InboundKind.TEXT:
        key = said_intent(text)  # "saya mau daftar": the registration, not a FAQ on how to start it
    if key is None and (identifier := tracking_identifier(text)):
        key, text = "status", identifier
    if key == "ticket" and picked is None and _asks_for_the_ticket_list(text):
        key = "tickets"  # "tiket saya": the list; "lapor gangguan" and the menu's button: a new report
    if key == "register":
        turn.conversation.misunderstood = 0
        existing = await registrations.find_duplicate(turn.session, email=None, phone=turn.contact.phone)
        if existing is not None:
            turn.say("reg_duplicate", duplicate=existing, status=status_words(turn.locale, existing.status))
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
    if key is None and await account.link_typed_id(turn):  # "AGLS202510150001": linking that account
        handoff.understood(turn)
        return
    if key is not None or is_greeting(text):
        handoff.understood(turn)
    if key == "delete_data":
        from ispbot.flows import data_deletion

        await data_deletion.start(turn)
        return
    if key in self_service.FEATURES:
        await self_service.open_feature(turn, key)
        return
    if key == "logout":
        turn.say("account_logged_out" if account.logout(turn) else "account_not_linked_logout")
        return
    if key == "cs":
        await handoff.start(turn)
        return
    if key is None and turn.message.kind in (InboundKind.IMAGE, InboundKind.DOCUMENT):
        handoff.understood(turn)  # most often a transfer receipt: say how it gets checked
        turn.say("menu_photo")
        return
    if key is None and (said := acknowledgement(text)) is not None:
        handoff.understood(turn)  # "makasih kak", "ok": the customer is done, not lost
        turn.say("menu_thanks", thanks=said == "thanks")
        return
    if key is None and turn.message.kind is InboundKind.TEXT and answers_nothing_asked(text):
        # "lanjut", "lewati", "gak jadi" with no question open (a chat just ended, a message
        # sent twice): the menu, not the FAQ ("lanjut" was answered how to stop subscribing,
        # "lewati" how to pay).
        handoff.understood(turn)
        await show(turn)
        return
    if key is None and text and not is_greeting(text) and turn.message.kind is InboundKind.TEXT:
        found = await faq.matches(turn, text)
        if found:  # a question the FAQ answers
            handoff.understood(turn)
            if turn.conversation.state == "start":  # a first message: who answers, then the answer
                turn.say("menu_first_question")
            await faq.start(turn, text)
            return
    if key is None and not is_greeting(text) and turn.conversation.state == "MENU" and text:
        if await handoff.misunderstood(turn):
            return
        turn.say("not_understood")
    await show(turn)
