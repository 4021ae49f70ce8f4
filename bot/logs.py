"""Where the service's logs go, and what they may never hold.

Every line is written through `PrivateFormatter`, which masks Indonesian phone numbers and
NIKs wherever they turn up (an access-log query string, a gateway URL, a database error in
a traceback), in every layout the product takes them: a NIK as `storage/identity.py` reads
one (spaces, dots, dashes), a phone number as `providers/phone.py` does (`+62 812-3456-7890`,
`(0812) 3456 7890`, `62812…`, `812…`: what phonenumbers takes for an Indonesian mobile, a
bare `812…` only where it is written as a phone or follows a word for one, so an amount or
an id starting with 8 is left alone), and both as a URL (`+`, `%20`) or a repr (`\\n`)
writes those separators. The database drivers' own loggers stay at WARNING whatever the
level: at DEBUG/INFO they print every SQL parameter (names, NIKs, phone numbers, hashes).
Our own code logs phones hashed and never logs an OTP (storage/otp.py, bot/dispatcher.py).
"""

from __future__ import annotations

import logging
import re
from typing import TextIO

from ispbot.providers.phone import InvalidPhone, normalize_phone
from ispbot.storage.identity import WrittenDigits, mask_niks_in

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "sqlalchemy.orm", "asyncpg")

# What a log line may hold between a typed number's digits: what people type (spaces, dots,
# dashes, brackets), as a URL writes it (`+`, `%20`, `%2D`, `%2E`, `%28`, `%29`, a tab or a
# line break) and as a repr does (`\\n`, `\\t`). A `+` after a space starts the next
# number (`0812… +62 812…`); a URL has no spaces.
_SEPARATOR = r"[\s.\-()]|(?<!\s)\+|%(?:2[0DdEe89]|0[9AaDd])|\\[nrt]"
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}|\\[nrt]")
# A number starts at a digit not inside another number, nor inside an escape (`%20`).
_NOT_AFTER_DIGITS = r"(?<!%)(?<!%[0-9A-Fa-f])(?:(?<![0-9])|(?<=%[0-9A-Fa-f]{2}))"
LOGGED = WrittenDigits.apart(_SEPARATOR, starts=_NOT_AFTER_DIGITS)
_GAP = rf"(?:{_SEPARATOR})*"
# Country code (+62, %2B62, 62, then maybe a trunk 0 or "(0)") or trunk 0, then 8 and 7–12
# digits; or no prefix at all, as normalize_phone also takes "812-3456-7890": 8 and 8–11.
# What looks like one is masked only if it is one (_mask_phone).
_PHONE = re.compile(
    rf"{_NOT_AFTER_DIGITS}(?:"
    rf"(?P<prefixed>(?:(?:\+|%2[Bb])?62{_GAP}(?:\(0\)|0)?|0){_GAP}8(?:{_GAP}[0-9]){{7,12}})"
    rf"|8(?:{_GAP}[0-9]){{8,11}}"
    rf")(?![0-9])"
)
_DIGIT_OR_ESCAPE = re.compile(rf"{_ESCAPE.pattern}|[0-9]")
# A bare 8… is a phone number only where it says so: written in a phone's groups (a space,
# a dash, a bracket between them, or dotted groups that are not thousands: 812.0000.0104,
# not Rp 812.345.678), or just after a word or a query field for one ("hp", "WA:", "?q=").
_APART = re.compile(r"[\s\-()+]|%(?:2[0Dd89Bb]|0[9AaDd])|\\[nrt]")
_PHONE_WORD = re.compile(
    r"(?:\b(?:hp|handphone|ponsel|wa|whatsapp|telp|tlp|telepon|telpon|tel|phone|mobile|nomor|nomer|kontak|contact)"
    r"\b[^0-9\n]{0,20}|[?&;](?:q|phone|hp|wa|nomor)=)$",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    return _PHONE.sub(_mask_phone, mask_niks_in(text, LOGGED))


def _mask_phone(match: re.Match[str]) -> str:
    """`0812****890` or `6281****890`, however the number was written, when phonenumbers
    takes it for an Indonesian mobile number (as the chat would: providers/phone.py). Of
    one written on into other digits (`0812 3456 7890 12 orang`), the phone is its longest
    run of whole groups that is one, the rest shown as written; digits holding a phone
    without whole groups to tell it by (one digit too many) are masked all the same."""
    written = match[0]
    digits = [d for d in _DIGIT_OR_ESCAPE.finditer(written) if d[0].isdigit()]
    number = "".join(d[0] for d in digits)
    if match["prefixed"] is None:
        if not _said_to_be_a_phone(match):
            return written
        lead = 0
    else:
        lead = 1 if number.startswith("0") else 3 if number.startswith("620") else 2
    lengths = range(len(number) - lead, 8, -1)  # a mobile's national number has 9 digits at least
    for n in lengths:
        if _ends_a_group(written, digits[lead + n - 1]) and _is_mobile(number[lead:lead + n]):
            return _masked(lead, number[lead:lead + n]) + written[digits[lead + n - 1].end():]
    if any(_is_mobile(number[lead:lead + n]) for n in lengths):  # a phone with a digit too many?
        return _masked(lead, number[lead:])
    return written


def _masked(lead: int, national: str) -> str:
    shown = ("62" if lead >= 2 else "0") + national
    return shown[:4] + "****" + shown[-3:]


def _ends_a_group(written: str, digit: re.Match[str]) -> bool:
    return digit.end() == len(written) or not written[digit.end()].isdigit()


def _said_to_be_a_phone(match: re.Match[str]) -> bool:
    written = match[0]
    if _APART.search(written) or any(len(group) != 3 for group in written.split(".")[1:]):
        return True
    return bool(_PHONE_WORD.search(match.string[max(0, match.start() - 30):match.start()]))


def _is_mobile(national: str) -> bool:
    try:
        normalize_phone("0" + national)
    except InvalidPhone:
        return False
    return True


class PrivateFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(level: int = logging.INFO, stream: TextIO | None = None) -> logging.Handler:
    """Log to `stream` (stderr) at `level` through the masking formatter; returns the handler."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(PrivateFormatter(FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler
