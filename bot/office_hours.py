"""CS office hours, read from the one line staff write in ISPBOT_OFFICE_HOURS:

    "Senin–Sabtu 08.00–17.00 WIB"
    "Senin-Jumat 08:00-17:00; Sabtu 08.00-12.00"
    "Setiap hari 07.00–22.00"            (also "every day", "Mon-Fri 09:00-18:00")

Each part (separated by `;`) is a day or a range of days (Indonesian or English names,
comma lists allowed) and a time range; a zone suffix such as WIB is text for the customer,
the times are read in ISPBOT_TIMEZONE. The text itself is what customers are shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = {
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "sabtu": 5, "minggu": 6, "ahad": 6,
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
}
EVERY_DAY = ("setiap hari", "tiap hari", "every day", "daily")
_TIMES = re.compile(r"(\d{1,2})[.:](\d{2})\s*(?:-|–|—|s/d|sd|sampai|to|until)\s*(\d{1,2})[.:](\d{2})")
_RANGE = re.compile(r"\s*(?:-|–|—|s/d|sd|sampai|to|until)\s*")


# The line as an English chat shows it: "Senin–Sabtu 08.00–17.00 WIB" → "Monday–Saturday
# 08:00–17:00 WIB". Staff write the line once, in the words they use.
_ENGLISH = {
    "senin": "Monday", "selasa": "Tuesday", "rabu": "Wednesday", "kamis": "Thursday", "jumat": "Friday",
    "jum'at": "Friday", "sabtu": "Saturday", "minggu": "Sunday", "ahad": "Sunday", "setiap hari": "Every day",
    "tiap hari": "Every day", "dan": "and", "sampai": "to", "s/d": "to", "sd": "to", "libur": "closed",
    "tutup": "closed",
}
_ENGLISH_WORD = re.compile(
    r"(?<![\w'])(" + "|".join(re.escape(w) for w in sorted(_ENGLISH, key=len, reverse=True)) + r")(?![\w'])",
    re.IGNORECASE,
)
_DOTTED_TIME = re.compile(r"\b(\d{1,2})\.(\d{2})\b")


def in_english(text: str) -> str:
    """The office hours line with its Indonesian day names and words in English."""
    english = _ENGLISH_WORD.sub(lambda m: _ENGLISH[m[1].lower()], text)
    return _DOTTED_TIME.sub(r"\1:\2", english)


class OfficeHoursError(ValueError):
    """The line cannot be read; the message says what was expected."""


@dataclass(frozen=True)
class Opening:
    days: frozenset[int]  # 0 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class OfficeHours:
    text: str
    openings: tuple[Opening, ...]

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        openings = tuple(_opening(part) for part in text.split(";") if part.strip())
        if not openings:
            raise OfficeHoursError("write the days and hours, e.g. 'Senin–Sabtu 08.00–17.00 WIB'")
        return cls(text=text.strip(), openings=openings)

    def is_open(self, now: datetime, timezone: ZoneInfo) -> bool:
        local = now.astimezone(timezone)
        return any(
            local.weekday() in o.days and o.start <= local.time().replace(tzinfo=None) < o.end
            for o in self.openings
        )

    def next_opening(self, now: datetime, timezone: ZoneInfo) -> datetime:
        """When CS is next at work: `now` while open, else the next start (in the zone)."""
        local = now.astimezone(timezone)
        if self.is_open(now, timezone):
            return local
        starts = [
            datetime.combine(local.date() + timedelta(days=ahead), o.start, tzinfo=timezone)
            for ahead in range(8)
            for o in self.openings
            if (local + timedelta(days=ahead)).weekday() in o.days
        ]
        return min(s for s in starts if s > local)


def _opening(part: str) -> Opening:
    plain = " ".join(part.lower().replace("'", "").split())
    found = _TIMES.search(plain)
    if found is None:
        raise OfficeHoursError(f"no hours like 08.00–17.00 in {part.strip()!r}")
    start_h, start_m, end_h, end_m = (int(g) for g in found.groups())
    if not (0 <= start_h <= 23 and 0 <= end_h <= 24 and start_m < 60 and end_m < 60):
        raise OfficeHoursError(f"impossible hours in {part.strip()!r}")
    start = time(start_h, start_m)
    end = time(23, 59, 59) if end_h == 24 else time(end_h, end_m)
    if end <= start:
        raise OfficeHoursError(f"the hours end before they start in {part.strip()!r}")
    return Opening(days=_days(plain[: found.start()].strip(), part), start=start, end=end)


def _days(words: str, part: str) -> frozenset[int]:
    if not words or any(words.startswith(e) for e in EVERY_DAY):
        return frozenset(range(7))
    days: set[int] = set()
    for item in re.split(r"\s*(?:,|&|\bdan\b|\band\b)\s*", words):
        if not item:
            continue
        ends = _RANGE.split(item)
        try:
            numbers = [DAY_NAMES[e.strip()] for e in ends]
        except KeyError:
            raise OfficeHoursError(f"unknown day in {part.strip()!r} (Senin … Minggu)") from None
        if len(numbers) == 1:
            days.add(numbers[0])
        elif len(numbers) == 2:
            first, last = numbers
            days.update((first + n) % 7 for n in range((last - first) % 7 + 1))
        else:
            raise OfficeHoursError(f"a day range has two ends in {part.strip()!r}")
    return frozenset(days)
