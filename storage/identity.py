"""NIK, the 16-digit number on an Indonesian KTP: checked digit by digit so the chat can say
exactly what is wrong, and masked for display.

Layout: `PP RR DD DDMMYY SSSS`: province, regency and district where it was issued, the
birth date (women add 40 to the day) and a serial. The issuing district may have been
split or renumbered since, so an unknown regency or district is only a warning. A KTP is
issued from the age of 17 (KTP_AGE), so a birth date making its holder younger is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ispbot.storage.regions import Level, Region, get_region

_SEPARATOR = r"[\s.\-]"  # what people put between a NIK's digits
_SEPARATORS = re.compile(_SEPARATOR)
NIK_LENGTH = 16
KTP_AGE = 17  # a KTP is issued from this age


@dataclass(frozen=True, slots=True)
class WrittenDigits:
    """How a kind of text writes groups of digits apart: `stretch` finds digit groups with
    separators between them ("3273 0155 0895 0002", "327301.550895.0002"), `tokens` cuts
    one stretch into its groups and separators."""

    stretch: re.Pattern[str]
    tokens: re.Pattern[str]

    @classmethod
    def apart(cls, separator: str, *, starts: str = "") -> WrittenDigits:
        """Groups with `separator` (a regex matching one separator, never starting with a
        digit) between them; `starts` is a look-behind a stretch's first digit must pass."""
        return cls(
            stretch=re.compile(rf"{starts}[0-9]+(?:(?:{separator})+[0-9]+)*"),
            tokens=re.compile(rf"(?:{separator})+|[0-9]+"),
        )


# As people type a NIK in the chat, a note or an address.
TYPED = WrittenDigits.apart(_SEPARATOR)


class NikReason(StrEnum):
    LENGTH = "length"  # not 16 digits
    NOT_DIGITS = "not_digits"  # something other than digits, spaces, dots and dashes
    PROVINCE = "province"  # digits 1–2 are no province
    BIRTH_DATE = "birth_date"  # digits 7–12 are no real date (31 Feb, day 00, month 13…)
    FUTURE_BIRTH_DATE = "future_birth_date"  # a real date, but after `today`
    TOO_YOUNG = "too_young"  # born less than KTP_AGE years before `today`: no KTP yet
    SERIAL = "serial"  # digits 13–16 are 0000


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True, slots=True)
class NikCheck:
    """The verdict on a typed NIK: `reason` is None exactly when it is valid.

    `warnings` may hold `regency_unknown` or `district_unknown`; `region` is the most
    precise known region of the issuing code (a district, else a regency, else a province).
    """

    nik: str | None = None
    reason: NikReason | None = None
    gender: Gender | None = None
    birth_date: date | None = None
    region: Region | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.reason is None


def normalize_nik(text: str) -> str:
    """The typed NIK without the spaces, dots and dashes people put in it."""
    return _SEPARATORS.sub("", text)


def validate_nik(text: str, *, today: date) -> NikCheck:
    """Check a typed NIK; `today` (the customer's date) bounds the birth date."""
    nik = normalize_nik(text)
    if not (nik.isascii() and nik.isdigit()) and nik:
        return NikCheck(reason=NikReason.NOT_DIGITS)
    if len(nik) != NIK_LENGTH:
        return NikCheck(reason=NikReason.LENGTH)
    province = _region(nik[:2], Level.PROVINCE)
    if province is None:
        return NikCheck(nik=nik, reason=NikReason.PROVINCE)
    born = _birth(nik[6:12], today)
    if isinstance(born, NikReason):
        return NikCheck(nik=nik, reason=born)
    if nik[12:] == "0000":
        return NikCheck(nik=nik, reason=NikReason.SERIAL)
    region, warnings = _issuing_region(nik, province)
    return NikCheck(
        nik=nik,
        gender=Gender.FEMALE if int(nik[6:8]) > 40 else Gender.MALE,
        birth_date=born,
        region=region,
        warnings=warnings,
    )


def _birth(digits: str, today: date) -> date | NikReason:
    """DDMMYY (day + 40 for women) as a date, its year the latest ending in YY that is not
    after `today`'s year (in 2026: 26 is 2026, 27 is 1927), the holder at least KTP_AGE."""
    day, month, yy = int(digits[:2]), int(digits[2:4]), int(digits[4:])
    if day > 40:
        day -= 40
    year = today.year - (today.year - yy) % 100
    try:
        born = date(year, month, day)
    except ValueError:  # day 00 or 32–40 (or above 71), month 00 or 13+, 31 February…
        return NikReason.BIRTH_DATE
    if born > today:
        return NikReason.FUTURE_BIRTH_DATE
    if _age(born, today) < KTP_AGE:
        return NikReason.TOO_YOUNG
    return born


def _age(born: date, today: date) -> int:
    """Whole years from `born` to `today` (born 29 February: a year older on 1 March)."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _issuing_region(nik: str, province: Region) -> tuple[Region, tuple[str, ...]]:
    regency = _region(nik[:4], Level.REGENCY)
    if regency is None:
        return province, ("regency_unknown", "district_unknown")
    district = _region(nik[:6], Level.DISTRICT)
    if district is None:
        return regency, ("district_unknown",)
    return district, ()


def _region(code: str, level: Level) -> Region | None:
    """The region of exactly this level (`3200` would otherwise find province 32)."""
    region = get_region(code)
    return region if region is not None and region.level is level else None


def mask_nik(text: str) -> str:
    """`3273010101900001` → `3273********0001`: enough to recognise, not to reuse."""
    nik = normalize_nik(text)
    if len(nik) < 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def mask_niks_in(text: str, layout: WrittenDigits = TYPED) -> str:
    """Every NIK written in a free text (a chat message, a note) masked as `mask_nik` does:
    any stretch of whole digit groups that `normalize_nik` turns into 16 digits, however
    it is grouped or separated, so a NIK the chat would take is never shown in full.
    `layout` says what separates the groups (bot/logs.py adds how URLs and reprs write them)."""
    return layout.stretch.sub(lambda m: _mask_nik_groups(m[0], layout), text)


def _mask_nik_groups(written: str, layout: WrittenDigits) -> str:
    """In one stretch of digit groups, each run of consecutive groups holding exactly 16
    digits masked, leftmost first (`12 3273015508950002`: the 12 is a number of its own)."""
    groups = [token for token in layout.tokens.finditer(written) if token[0][0] in "0123456789"]
    parts: list[str] = []
    shown = 0  # `written` up to here is already in `parts`
    first = 0
    while first < len(groups):
        last, digits = first, len(groups[first][0])
        while digits < NIK_LENGTH and last + 1 < len(groups):
            last += 1
            digits += len(groups[last][0])
        if digits != NIK_LENGTH:
            first += 1
            continue
        start, end = groups[first].start(), groups[last].end()
        parts += [written[shown:start], mask_nik("".join(group[0] for group in groups[first:last + 1]))]
        shown, first = end, last + 1
    parts.append(written[shown:])
    return "".join(parts)
