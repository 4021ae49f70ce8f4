"""What a number typed into a staff search box names, as a CS agent types it while a
customer is on the phone: a WhatsApp number from its start (0812…, 62812…, +62 812…), the
last digits of one ("yang belakangnya 5678"), a KTP number (16 digits), a registration
number without its `REG-` ("20261203-0042", "202612030042"), or only its last digits
("0042", "042": the day's serial, as the customer reads it out).

Phones are stored in international form (62812…), so a number's start is compared as a
prefix on the index. An ending cannot use that index: it is compared on the phone's last
four digits, which `ix_*_phone_last4` index (an expression both databases can index).
A serial alone names one registration a day: it is looked up as the registration
numbers of the last RECENT_DAYS days (that many look-ups on the unique index).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, func, literal_column, or_

_NUMBER_LIKE = re.compile(r"\+?\d[\d\s.\-]*")
_NON_DIGITS = re.compile(r"\D")
# REG-YYYYMMDD-NNNN typed without its prefix: the day alone, or the day and (part of) its number
_REGISTRATION_DIGITS = re.compile(r"(20\d{2}[01]\d[0-3]\d)-?(\d{0,4})")
NIK_DIGITS = 16
MIN_DIGITS = 4
MAX_ENDING_DIGITS = 6  # "the last four (or six) digits"
_SERIAL = re.compile(r"\d{3,4}")  # REG-YYYYMMDD-0042 read out as "0042" or "042"
SERIAL_DIGITS = 4
RECENT_DAYS = 90  # a customer calling about a registration by its serial alone made it lately


@dataclass(frozen=True)
class NumberTerm:
    digits: str
    typed: str

    @property
    def phone_start(self) -> str | None:
        """The international start of a phone number typed from its beginning."""
        if self.typed.startswith("+") or self.digits.startswith("62"):
            return self.digits
        if self.digits.startswith("0"):
            return "62" + self.digits[1:]
        if self.digits.startswith("8"):
            return "62" + self.digits
        return None

    @property
    def is_phone_start_only(self) -> bool:
        """Typed with + or, at some length, with its country or trunk prefix: the start of
        a number, never its end ("0101" may be either)."""
        return self.typed.startswith("+") or (
            len(self.digits) > MAX_ENDING_DIGITS and self.digits.startswith(("0", "62"))
        )

    @property
    def registration_prefix(self) -> str | None:
        """`REG-YYYYMMDD[-NNNN]` when the digits read as a registration number."""
        found = _REGISTRATION_DIGITS.fullmatch(self.typed.replace(" ", ""))
        if found is None:
            return None
        day, number = found.groups()
        return f"REG-{day}-{number}" if number else f"REG-{day}"

    @property
    def is_nik(self) -> bool:
        return len(self.digits) == NIK_DIGITS and not self.digits.startswith("0")


def number_term(text: str) -> NumberTerm | None:
    """The term as a number (digits with spaces, dots or dashes, maybe a leading +), or
    None when it is words, or too short to name anything (fewer than 4 digits)."""
    text = text.strip()
    if not _NUMBER_LIKE.fullmatch(text):
        return None
    digits = _NON_DIGITS.sub("", text)
    return NumberTerm(digits, text) if len(digits) >= MIN_DIGITS else None


def prefix(column: ColumnElement[str], start: str) -> ColumnElement[bool]:
    """`column` starts with `start`, as an index-friendly range plus an exact check."""
    upper = start[:-1] + chr(ord(start[-1]) + 1)
    return and_(column >= start, column < upper, column.startswith(start, autoescape=True))


def last_four(column: ColumnElement[str]) -> ColumnElement[str]:
    """The column's last four characters, written as the `ix_*_phone_last4` indexes are
    (`substr(phone, length(phone) - 3)`, the same on SQLite and PostgreSQL; the 3 a
    literal, as a bound parameter would not match the index's expression)."""
    return func.substr(column, func.length(column) - literal_column("3"))


def phone_condition(column: ColumnElement[str], term: NumberTerm) -> ColumnElement[bool]:
    """The phone numbers the term can name: from their start, or by their last digits
    (found through their last four, then checked whole)."""
    start = term.phone_start
    if start is not None and term.is_phone_start_only:
        return prefix(column, start)
    ending = and_(last_four(column) == term.digits[-4:], column.endswith(term.digits, autoescape=True))
    return ending if start is None else or_(prefix(column, start), ending)


def registration_serial(text: str) -> str | None:
    """The day's serial of a registration number typed alone ("0042", "042" → "0042")."""
    text = text.strip()
    return text.zfill(SERIAL_DIGITS) if _SERIAL.fullmatch(text) else None


def recent_registration_numbers(serial: str, today: date, days: int = RECENT_DAYS) -> list[str]:
    """`REG-YYYYMMDD-<serial>` of each of the last `days` local days, today first."""
    return [f"REG-{today - timedelta(days=n):%Y%m%d}-{serial}" for n in range(days)]
