"""What a number typed into a staff search box names, as a CS agent types it while a
customer is on the phone: a WhatsApp number from its start (0812…, 62812…, +62 812…), the
last digits of one ("yang belakangnya 5678"), a KTP number (16 digits), or a registration
number without its `REG-` ("20261203-0042", "202612030042").

Phones are stored in international form (62812…), so a number's start is compared as a
prefix on the index; an ending cannot use one and is a scan, as the free-text search is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_

_NUMBER_LIKE = re.compile(r"\+?\d[\d\s.\-]*")
_NON_DIGITS = re.compile(r"\D")
# REG-YYYYMMDD-NNNN typed without its prefix: the day alone, or the day and (part of) its number
_REGISTRATION_DIGITS = re.compile(r"(20\d{2}[01]\d[0-3]\d)-?(\d{0,4})")
NIK_DIGITS = 16
MIN_DIGITS = 4
MAX_ENDING_DIGITS = 6  # "the last four (or six) digits"


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


def phone_condition(column: ColumnElement[str], term: NumberTerm) -> ColumnElement[bool]:
    """The phone numbers the term can name: from their start, or by their last digits."""
    start = term.phone_start
    if start is not None and term.is_phone_start_only:
        return prefix(column, start)
    ending = column.endswith(term.digits, autoescape=True)
    return ending if start is None else or_(prefix(column, start), ending)
