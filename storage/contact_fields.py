"""Checks of the contact fields a customer types when registering: e-mail, name, RT/RW
and postcode.

Each returns a frozen `Checked` holding either the cleaned `value` or a `reason` code the
chat can explain, plus a `suggestion` where a likely fix is known (a mistyped e-mail
domain). Pure functions: no DNS, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from email_validator import EmailNotValidError
from email_validator import validate_email as _parse_email
from rapidfuzz import process
from rapidfuzz.distance import OSA

T = TypeVar("T")


class Reason(StrEnum):
    EMPTY = "empty"
    INVALID = "invalid"  # not an e-mail address at all
    DOMAIN_TYPO = "domain_typo"  # gmial.com: see `suggestion`
    LENGTH = "length"
    CHARACTERS = "characters"  # a character a name (or number) may not hold
    LETTERS = "letters"  # a name with fewer than two letters
    FORMAT = "format"  # not two numbers for RT and RW
    RANGE = "range"  # a number out of range (RT 0, postcode 01234)
    NOT_DIGITS = "not_digits"


@dataclass(frozen=True, slots=True)
class Checked(Generic[T]):
    value: T | None = None
    reason: Reason | None = None
    suggestion: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


# --- e-mail -------------------------------------------------------------------------------

# Providers whose near misses are typos…
_COMMON_DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "yahoo.co.id",
    "ymail.com",
    "hotmail.com",
    "outlook.com",
    "outlook.co.id",
    "live.com",
    "icloud.com",
    "rocketmail.com",
)
# …and real domains that happen to be near misses of them.
_REAL_DOMAINS = frozenset(
    {*_COMMON_DOMAINS, "mail.com", "email.com", "gmx.com", "me.com", "live.co.uk"}
    | {"yahoo.co.in", "yahoo.co.uk", "yahoo.co.jp", "yahoo.com.sg", "yahoo.com.my"}
)


def validate_email(text: str) -> Checked[str]:
    """A syntactically valid address, lower-cased; a likely typo of a big provider's
    domain is refused with the corrected address as `suggestion`."""
    text = text.strip()
    if not text:
        return Checked(reason=Reason.EMPTY)
    try:
        email = _parse_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return Checked(reason=Reason.INVALID)
    local, domain = email.rsplit("@", 1)
    fixed = _domain_typo(domain)
    if fixed:
        return Checked(reason=Reason.DOMAIN_TYPO, suggestion=f"{local}@{fixed}")
    return Checked(value=email)


def _domain_typo(domain: str) -> str | None:
    """The big provider `domain` is one or two keystrokes away from, if it is no real one."""
    if domain in _REAL_DOMAINS:
        return None
    allowed = 1 if len(domain) < 10 else 2
    best = process.extractOne(domain, _COMMON_DOMAINS, scorer=OSA.distance, score_cutoff=allowed)
    return best[0] if best else None


# --- name ---------------------------------------------------------------------------------

_NAME_PUNCTUATION = frozenset(" '.-")
_WORD_START = re.compile(r"(^|[ .\-])(\w)")


def validate_name(text: str) -> Checked[str]:
    """2–100 characters of letters, spaces and ' . -, at least two letters, starting with
    a letter. Returned with spaces collapsed and each word capitalised, other capitals kept
    (`budi mcDonald` → `Budi McDonald`; `ma'ruf` keeps its small r)."""
    name = " ".join(unicodedata.normalize("NFC", text).replace("’", "'").split())
    if not 2 <= len(name) <= 100:
        return Checked(reason=Reason.LENGTH if name else Reason.EMPTY)
    if not name[0].isalpha() or any(not c.isalpha() and c not in _NAME_PUNCTUATION for c in name):
        return Checked(reason=Reason.CHARACTERS)
    if sum(c.isalpha() for c in name) < 2:
        return Checked(reason=Reason.LETTERS)
    return Checked(value=_WORD_START.sub(lambda m: m[1] + m[2].upper(), name))


# --- RT/RW --------------------------------------------------------------------------------

# (pattern, whether it names RW first)
_RT_RW_PATTERNS = (
    (re.compile(r"rt\W*(\d{1,4})\W*rw\W*(\d{1,4})", re.ASCII), False),
    (re.compile(r"rw\W*(\d{1,4})\W*rt\W*(\d{1,4})", re.ASCII), True),
    (re.compile(r"(?:rt\W*rw\W*)?(\d{1,4})(?:\s*[/\\\-.,]\s*|\s+)(\d{1,4})", re.ASCII), False),
)


def validate_rt_rw(text: str) -> Checked[tuple[str, str]]:
    """`001/002`, `1/2`, `RT 1 RW 2`, `RW 2 RT 1`, `RT/RW 01/02` or `01 02` → ("001", "002")."""
    typed = " ".join(text.lower().split())
    if not typed:
        return Checked(reason=Reason.EMPTY)
    for pattern, rw_first in _RT_RW_PATTERNS:
        match = pattern.fullmatch(typed)
        if match:
            rt, rw = (match[2], match[1]) if rw_first else (match[1], match[2])
            if not (0 < int(rt) < 1000 and 0 < int(rw) < 1000):
                return Checked(reason=Reason.RANGE)
            return Checked(value=(f"{int(rt):03d}", f"{int(rw):03d}"))
    return Checked(reason=Reason.FORMAT)


# --- postcode -----------------------------------------------------------------------------


def validate_postcode(text: str) -> Checked[str]:
    """Five digits from 10000 to 99999 (spaces ignored)."""
    code = "".join(text.split())
    if not code:
        return Checked(reason=Reason.EMPTY)
    if not (code.isascii() and code.isdigit()):
        return Checked(reason=Reason.NOT_DIGITS)
    if len(code) != 5:
        return Checked(reason=Reason.LENGTH)
    if int(code) < 10000:
        return Checked(reason=Reason.RANGE)
    return Checked(value=code)
