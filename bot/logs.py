"""Where the service's logs go, and what they may never hold.

Every line is written through `PrivateFormatter`, which masks Indonesian phone numbers and
NIKs wherever they turn up (an access-log query string, a gateway URL, a database error in
a traceback), in every layout the product takes them: a NIK as `storage/identity.py` reads
one (spaces, dots, dashes), a phone number as `providers/phone.py` does (`+62 812-3456-7890`,
`(0812) 3456 7890`, `62812…`, `812…`), and both as a URL (`+`, `%20`) or a repr (`\\n`)
writes those separators. The database drivers' own loggers stay at WARNING whatever the
level: at DEBUG/INFO they print every SQL parameter (names, NIKs, phone numbers, hashes).
Our own code logs phones hashed and never logs an OTP (storage/otp.py, bot/dispatcher.py).
"""

from __future__ import annotations

import logging
import re
from typing import TextIO

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
_PHONE = re.compile(
    rf"{_NOT_AFTER_DIGITS}(?:"
    rf"(?:(?:\+|%2[Bb])?62{_GAP}(?:\(0\)|0)?|0){_GAP}8(?:{_GAP}[0-9]){{7,12}}"
    rf"|8(?:{_GAP}[0-9]){{8,11}}"
    rf")(?![0-9])"
)


def redact(text: str) -> str:
    return _PHONE.sub(_mask_phone, mask_niks_in(text, LOGGED))


def _mask_phone(match: re.Match[str]) -> str:
    """`0812****890` or `6281****890`, however the number was written."""
    digits = re.sub(r"\D", "", _ESCAPE.sub("", match.group(0)))
    national = digits.removeprefix("62") if digits.startswith("628") or digits.startswith("620") else digits
    shown = ("62" if national != digits else "0") + national.removeprefix("0")
    return shown[:4] + "****" + shown[-3:]


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
