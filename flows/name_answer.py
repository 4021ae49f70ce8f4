"""A full name typed in the chat, as the registration reads it. Letters and spaces are not
enough: at "Siapa nama lengkap Anda?" customers answer "saya mau daftar", "ok kak", "berapa
harganya" or "internet mati", all of which pass as names ("Terima kasih, *Mau Daftar*").
Such a text is told apart by what it says, never by a single word in it: "Iya Sari" and
"I Made Wirawan" are names."""

from __future__ import annotations

from ispbot.flows import courtesy_words
from ispbot.flows.answers import HONORIFICS, is_no, is_yes, words_of
from ispbot.flows.courtesy_words import acknowledgement

# Words a name is not made of, all of whose words are these: asking for the service, saying
# yes or thanks, asking about it, reporting a fault.
_CHAT_WORDS = {
    # asking
    "saya", "sy", "aku", "aq", "gue", "gw", "kami", "mau", "ingin", "pengen", "pingin", "pgn", "mo", "minta", "mohon",
    "tolong", "bisa", "boleh", "dong", "deh", "sih", "nih", "ya", "yah", "aja", "saja", "dulu", "langsung", "sekarang",
    "daftar", "mendaftar", "registrasi", "langganan", "berlangganan", "pasang", "pemasangan", "masang", "baru",
    "wifi", "internet", "indihome", "jaringan", "rumah", "buat", "untuk", "utk", "di", "ke", "yang", "yg", "nya",
    "i", "want", "to", "register", "sign", "up", "install", "please", "a", "new", "connection",
    # yes, hello (thanks and ok: courtesy_words.WORDS)
    "iya", "iy", "y", "yes", "benar", "betul", "bener", "lanjut", "halo", "hai", "hi", "hello", "permisi",
    # asking about it
    "berapa", "brp", "harga", "harganya", "biaya", "biayanya", "tarif", "paket", "paketnya", "promo", "info",
    "apa", "apakah", "bagaimana", "gimana", "gmn", "caranya", "cara", "kapan", "kenapa", "knp", "mengapa", "dimana",
    "mana", "sudah", "udah", "belum", "per", "murah", "price", "how", "much", "what", "when",
    # a fault
    "mati", "lemot", "lambat", "putus", "gangguan", "rusak", "error", "eror", "tidak", "gak", "ga", "nggak", "konek",
    "nyambung", "lagi", "terus", "dari", "tadi", "kemarin", "sinyal", "los", "merah", "modem", "router",
} | courtesy_words.WORDS
# A question starts with these ("bisa pasang di Cibubur?", "kapan teknisinya datang").
_QUESTION_WORDS = {"berapa", "brp", "apa", "apakah", "bagaimana", "gimana", "gmn", "kapan", "kenapa", "knp", "mengapa",
                   "bisa", "bisakah", "dimana", "how", "what", "when", "why", "can"}


def not_a_name(text: str) -> str | None:
    """Why `text` (the name as said, "nama saya" taken off) is no name: "question",
    "thanks" ("makasih", "ok makasih") or "chat" (a request, a yes, "sip", a fault); None
    when it may well be one."""
    from ispbot.flows import menu

    if acknowledgement(text) == "thanks":
        return "thanks"
    words = [w for w in words_of(text) if w not in HONORIFICS]
    if text.rstrip(" 🙏😊").endswith("?") or (words and words[0] in _QUESTION_WORDS):
        return "question"
    if not words or all(w in _CHAT_WORDS for w in words):
        return "chat"
    if is_yes(text) or is_no(text) or acknowledgement(text) == "ok":
        return "chat"
    if menu.intent(text) is not None or menu.said_intent(text) is not None:
        return "chat"
    return None
