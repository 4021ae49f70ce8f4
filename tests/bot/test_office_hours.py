"""Office hours: the line staff write in ISPBOT_OFFICE_HOURS, read in ISPBOT_TIMEZONE."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ispbot.config import ConfigError, load_settings
from ispbot.office_hours import OfficeHours, OfficeHoursError, in_english

JAKARTA = ZoneInfo("Asia/Jakarta")


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026, given in Jakarta time (23 November is a Monday)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=JAKARTA).astimezone(UTC)


def test_the_default_line() -> None:
    hours = OfficeHours.parse("Senin–Sabtu 08.00–17.00 WIB")
    assert hours.is_open(wib(23, 8), JAKARTA) and hours.is_open(wib(28, 16, 59), JAKARTA)
    assert not hours.is_open(wib(23, 7, 59), JAKARTA) and not hours.is_open(wib(23, 17), JAKARTA)
    assert not hours.is_open(wib(29, 10), JAKARTA)  # Sunday
    assert hours.next_opening(wib(28, 18), JAKARTA) == datetime(2026, 11, 30, 8, 0, tzinfo=JAKARTA)
    assert hours.next_opening(wib(23, 6), JAKARTA) == datetime(2026, 11, 23, 8, 0, tzinfo=JAKARTA)
    assert hours.next_opening(wib(23, 9), JAKARTA) == wib(23, 9)  # open now


@pytest.mark.parametrize(
    ("line", "open_at", "closed_at"),
    [
        ("Senin-Jumat 08:00-17:00; Sabtu 08.00-12.00", wib(28, 11), wib(28, 13)),
        ("Setiap hari 07.00–22.00", wib(29, 21), wib(29, 22, 30)),
        ("Mon-Fri 09:00-18:00", wib(27, 9), wib(28, 10)),
        ("Senin, Rabu dan Jumat 08.00 s/d 16.00", wib(25, 9), wib(24, 9)),
        ("Jum'at–Senin 10.00–14.00", wib(29, 11), wib(24, 11)),  # a range across the weekend
        ("08.00–24.00", wib(24, 23, 30), wib(24, 7)),
    ],
)
def test_other_ways_to_write_it(line: str, open_at: datetime, closed_at: datetime) -> None:
    hours = OfficeHours.parse(line)
    assert hours.is_open(open_at, JAKARTA)
    assert not hours.is_open(closed_at, JAKARTA)


@pytest.mark.parametrize("line", ["", "Senin–Sabtu", "Senin–Sabtu 17.00–08.00", "Hari kerja 08.00–17.00",
                                  "Senin 25.00–26.00"])
def test_unreadable_lines_are_refused(line: str) -> None:
    with pytest.raises(OfficeHoursError):
        OfficeHours.parse(line)


def test_a_bad_setting_is_reported_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ISPBOT_OFFICE_HOURS"):
        load_settings(office_hours="kapan saja", data_dir=tmp_path, _env_file=None)


@pytest.mark.parametrize(("line", "english"), [
    ("Senin–Sabtu 08.00–17.00 WIB", "Monday–Saturday 08:00–17:00 WIB"),
    ("Senin-Jumat 08:00-17:00; Sabtu 08.00-12.00", "Monday-Friday 08:00-17:00; Saturday 08:00-12:00"),
    ("Setiap hari 07.00–22.00", "Every day 07:00–22:00"),
    ("Senin, Rabu dan Jum'at 08.00 s/d 16.00", "Monday, Wednesday and Friday 08:00 to 16:00"),
    ("Mon-Fri 09:00-18:00", "Mon-Fri 09:00-18:00"),  # written in English already
])
def test_the_line_in_english_for_an_english_chat(line: str, english: str) -> None:
    """The English handoff message said "Senin–Sabtu 08.00–17.00 WIB"."""
    assert in_english(line) == english
