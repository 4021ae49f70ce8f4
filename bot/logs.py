"""Where the service's logs go, and what they may never hold.

Every line is written through `PrivateFormatter`, which masks Indonesian phone numbers and
16-digit NIKs wherever they turn up (an access-log query string, a gateway URL, a database
error in a traceback). The database drivers' own loggers stay at WARNING whatever the
level: at DEBUG/INFO they print every SQL parameter (names, NIKs, phone numbers, hashes).
Our own code logs phones hashed and never logs an OTP (storage/otp.py, bot/dispatcher.py).
"""

from __future__ import annotations

import logging
import re
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET = ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "sqlalchemy.orm", "asyncpg")

_PHONE = re.compile(r"(?<![\d%])(?:\+?62|0)[ .-]?8\d(?:[ .-]?\d){6,11}(?!\d)")
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")


def redact(text: str) -> str:
    text = _NIK.sub(lambda m: m.group(0)[:4] + "********" + m.group(0)[-4:], text)
    return _PHONE.sub(_mask_phone, text)


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return digits[:4] + "****" + digits[-3:]


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
