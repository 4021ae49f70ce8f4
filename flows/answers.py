"""Reading everyday answers: skip words, yes/no and dates the way Indonesians type them (thanks
and "ok" as chatted are flows/courtesy_words.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta

SKIP_WORDS = {"lewati", "skip", "tidak ada", "tidak", "ga ada", "gak ada", "nggak", "-", "tidak punya", "no", "none"}
# Yes and no, word by word: "iya bener", "sudah benar", "gak jadi" (see is_yes, is_no).
YES_WORDS = {"ya", "iya", "iy", "y", "yes", "yup", "yap", "yoi", "ok", "oke", "okay", "okey", "benar", "betul", "bener",
             "setuju", "sip", "siap", "baik", "boleh", "👍", "👌"}
NO_WORDS = {"tidak", "tdk", "gak", "ga", "gk", "nggak", "ngga", "nggk", "enggak", "engga", "ndak", "kagak", "no", "nope",
            "n", "bukan", "jangan", "salah", "batal"}
_ALREADY = {"sudah", "udah", "udh", "sdh", "dah"}  # "sudah benar"
_VERY = {"sekali", "banget", "bgt"}  # "benar sekali"
_NOT_ANY_MORE = {"jadi", "usah", "perlu", "mau", "dulu"}  # "gak jadi", "ga usah (dihapus)", "jangan dulu"
# Said at the end of a short answer: "oke deh", "boleh dong", "iya kak".
PARTICLES = {"deh", "dong", "sih", "ya", "yah", "nih", "kok", "lah", "aja", "saja", "kan"}
# "oke kak", "siap", "iya lanjut": a reply to a reminder, which is no answer to the question.
CARRY_ON_WORDS = {"ok", "oke", "okay", "okey", "siap", "iya", "ya", "y", "baik", "sip", "lanjut", "lanjutkan", "continue",
                  "yuk", "ayo", "makasih", "thanks", "👍", "👌"}

MONTHS = {
    "jan": 1, "januari": 1, "january": 1, "feb": 2, "februari": 2, "february": 2, "mar": 3, "maret": 3,
    "march": 3, "apr": 4, "april": 4, "mei": 5, "may": 5, "jun": 6, "juni": 6, "june": 6, "jul": 7,
    "juli": 7, "july": 7, "agu": 8, "agt": 8, "ags": 8, "agustus": 8, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "okt": 10, "oktober": 10, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "des": 12, "desember": 12, "dec": 12, "december": 12,
}
# Monday = 0, as date.weekday() counts. "minggu depan" is "next week" as often as "next
# Sunday", so only "minggu" alone is a day.
WEEKDAYS = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5, "minggu": 6, "ahad": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
_DAY_OF_MONTH = re.compile(r"(?:tgl|tanggal|tg)\.? ?(\d{1,2})")
# "hari ini", "sekarang juga": today, which the date question then says is too early, as it
# does for today's date typed.
TODAY_WORDS = {"hari ini", "hari ini juga", "sekarang", "sekarang juga", "skrg", "skrg juga", "saat ini", "today",
               "now", "right now"}
# "minggu depan": the week after this one, from its Monday (a Sunday has no installations,
# so "next Sunday" would be no answer anyway).
NEXT_WEEK_WORDS = {"minggu depan", "minggu dpn", "mgg depan", "pekan depan", "next week"}
# "secepatnya", "terserah": no date of their own; the earliest one free is what they want.
EARLIEST_WORDS = {"secepatnya", "secepat mungkin", "secepatnya saja", "paling cepat", "yang paling cepat",
                  "yg paling cepat", "tercepat", "yang tercepat", "kapan aja", "kapan saja", "kapan pun",
                  "kapanpun", "kapan aja boleh", "kapan saja boleh", "terserah", "terserah aja", "terserah saja",
                  "bebas", "bebas aja", "asap", "as soon as possible", "anytime", "any day", "whenever",
                  "earliest"}


# How a short answer is said to a person: "ya kak", "betul min", "tidak pak".
HONORIFICS = {"kak", "ka", "kakak", "min", "mimin", "gan", "bang", "pak", "bu", "mas", "mbak", "mba", "sis", "bro"}
_LETTER_HELD = re.compile(r"([a-z])\1+\b")  # "iyaaa", "okee": a held last letter


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower().strip(".!"))


def short_answer(text: str) -> str:
    """A short answer or command word as chatted: "Iyaa kak!", "ok min 🙏", "daftar kak"
    → "iya", "ok", "daftar"."""
    words = re.sub(r"[.!,?🙏😊🙂]+", " ", text.lower()).split()
    while len(words) > 1 and words[-1] in HONORIFICS:
        words.pop()
    return _LETTER_HELD.sub(r"\1", " ".join(words))


_WORD_OR_EMOJI = re.compile(r"[a-z0-9']+|[👍👌🙏😊🙂😁🤝]")
_POLITE = {"🙏", "😊", "🙂", "😁", "🤝"}  # no word of an answer: "iya kak 🙏"


def words_of(text: str) -> list[str]:
    """The words of a chatted answer, held last letters let go ("iyaa" → "iya"); the
    thumbs-up kinds of emoji count as words, other signs and emoji are dropped."""
    return [_LETTER_HELD.sub(r"\1", word) for word in _WORD_OR_EMOJI.findall(text.lower())]


def is_skip(text: str) -> bool:
    return _plain(text) in SKIP_WORDS or short_answer(text) in SKIP_WORDS


def _answer_words(text: str) -> list[str]:
    """A short answer's own words: "Kak, iya bener ya 🙏" → ["iya", "bener"]."""
    words = [word for word in words_of(text) if word not in _POLITE]
    while len(words) > 1 and (words[-1] in PARTICLES or words[-1] in HONORIFICS):
        words.pop()
    while len(words) > 1 and words[0] in HONORIFICS:
        words.pop(0)
    return words


def is_yes(text: str) -> bool:
    """"ya", "iya bener", "sudah benar", "oke deh", "betul sekali kak", "👍"."""
    words = _answer_words(text)
    said = [w for i, w in enumerate(words) if not (w in _ALREADY and i + 1 < len(words)) and not (w in _VERY and i)]
    return bool(said) and all(word in YES_WORDS for word in said)


def is_acknowledgement(text: str) -> bool:
    """A reply that only says "carry on" ("oke kak", "siap lanjut")."""
    words = short_answer(text).split()
    return bool(words) and all(word in CARRY_ON_WORDS for word in words)


def is_no(text: str) -> bool:
    """"tidak", "ga", "gak jadi deh", "ga usah dihapus", "bukan, salah"."""
    words = _answer_words(text)
    if len(words) > 2 and words[-2] in _NOT_ANY_MORE:
        words.pop()  # "gak jadi hapus": what is not to be done
    return bool(words) and words[0] in NO_WORDS and all(w in NO_WORDS or w in _NOT_ANY_MORE for w in words)


def parse_date(text: str, today: date) -> date | None:
    """`25/11/2026`, `25-11-26`, `2026-11-25`, `25 November 2026`, `25 nov`, `besok`, `lusa`,
    `hari ini`, a day of the week (`kamis`, `senin depan`, `hari sabtu`: the next one after
    today), `minggu depan` (next week's Monday) and `tgl 15` (the next 15th); said to a
    person too ("besok kak")."""
    plain = _plain(text)
    if (date_found := _parse_date(plain, today)) is not None:
        return date_found
    return _parse_date(short_answer(text), today)  # "besok kak", "25 des min"


def is_earliest(text: str) -> bool:
    """"secepatnya", "kapan aja kak", "terserah": any date will do, the sooner the better."""
    said = {_plain(text), short_answer(text), " ".join(words_of(text)), " ".join(_answer_words(text))}
    return bool(said & EARLIEST_WORDS)


def _parse_date(plain: str, today: date) -> date | None:
    if plain in TODAY_WORDS:
        return today
    if plain in NEXT_WEEK_WORDS:
        return today + timedelta(days=7 - today.weekday())
    if plain in ("besok", "tomorrow"):
        return today + timedelta(days=1)
    if plain == "lusa":
        return today + timedelta(days=2)
    if (weekday := _weekday(plain)) is not None:
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    if m := _DAY_OF_MONTH.fullmatch(plain):
        return _next_day_of_month(int(m[1]), today)
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", plain):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})[/\-.](\d{1,2})(?:[/\-.](\d{2}|\d{4}))?", plain):
            found = date(_year(m[3], today), int(m[2]), int(m[1]))
            if m[3] is None and found < today:  # "2/1" said in December is next January
                found = found.replace(year=found.year + 1)
            return found
        if m := re.fullmatch(r"(?:\w+,? )?(\d{1,2}) ([a-z]+)(?: (\d{4}))?", plain):
            month = MONTHS.get(m[2])
            if month:
                found = date(_year(m[3], today), month, int(m[1]))
                if m[3] is None and found < today:
                    found = found.replace(year=found.year + 1)
                return found
    except ValueError:
        return None
    return None


def _weekday(plain: str) -> int | None:
    words = plain.removeprefix("hari ").removeprefix("next ").split()
    if words and words[-1] in ("depan", "ini", "besok") and words[0] != "minggu":
        words = words[:-1]
    return WEEKDAYS.get(words[0]) if len(words) == 1 else None


def _next_day_of_month(day: int, today: date) -> date | None:
    """The next date after today that falls on `day` (this month or a later one)."""
    year, month = today.year, today.month
    for _ in range(3):  # the 31st may skip a month or two
        try:
            found = date(year, month, day)
        except ValueError:
            found = None
        if found is not None and found > today:
            return found
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _year(text: str | None, today: date) -> int:
    if text is None:
        return today.year
    year = int(text)
    return 2000 + year if year < 100 else year
