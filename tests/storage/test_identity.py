"""NIK checks: each rule's reason code, gender and birth date, and masking."""

from __future__ import annotations

from datetime import date

import pytest

from ispbot.storage.identity import (
    Gender,
    NikReason,
    mask_nik,
    mask_niks_in,
    normalize_nik,
    validate_nik,
)

TODAY = date(2026, 11, 21)
# 32.73.01 is Sukasari, Kota Bandung; born 1 January 1990; serial 0001.
MALE = "3273010101900001"
FEMALE = "3273014101900001"


def test_valid_male() -> None:
    check = validate_nik(MALE, today=TODAY)
    assert check.ok and check.reason is None
    assert check.nik == MALE
    assert check.gender is Gender.MALE
    assert check.birth_date == date(1990, 1, 1)
    assert check.region is not None and check.region.code == "32.73.01"
    assert check.region.name == "Sukasari"
    assert check.warnings == ()


def test_valid_female_adds_forty_to_the_day() -> None:
    check = validate_nik(FEMALE, today=TODAY)
    assert check.ok and check.gender is Gender.FEMALE
    assert check.birth_date == date(1990, 1, 1)
    last_day = validate_nik("3273017112990001", today=TODAY)  # 31 December 1999
    assert last_day.ok and last_day.gender is Gender.FEMALE
    assert last_day.birth_date == date(1999, 12, 31)


@pytest.mark.parametrize(
    "typed", ["3273 0101 0190 0001", "3273.0101.0190.0001", "3273-010101-900001"]
)
def test_separators_are_ignored(typed: str) -> None:
    assert validate_nik(typed, today=TODAY).nik == MALE
    assert normalize_nik(typed) == MALE


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("327301010190001", NikReason.LENGTH),  # 15 digits
        ("32730101019000011", NikReason.LENGTH),  # 17 digits
        ("", NikReason.LENGTH),
        ("32730101019O0001", NikReason.NOT_DIGITS),  # letter O
        ("NIK saya 3273010101900001", NikReason.NOT_DIGITS),
        ("３２７３０１０１０１９０００１", NikReason.NOT_DIGITS),  # full-width digits
        ("9973010101900001", NikReason.PROVINCE),  # no province 99
        ("0073010101900001", NikReason.PROVINCE),
        ("3273013102990001", NikReason.BIRTH_DATE),  # 31 February 1999
        ("3273010013900001", NikReason.BIRTH_DATE),  # month 13
        ("3273010001900001", NikReason.BIRTH_DATE),  # day 00
        ("3273013601900001", NikReason.BIRTH_DATE),  # day 36: neither man nor woman
        ("3273017202900001", NikReason.BIRTH_DATE),  # woman's 32 February
        ("3273012902010001", NikReason.BIRTH_DATE),  # 29 February 2001 (nor 1901)
        ("3273010101900000", NikReason.SERIAL),
    ],
)
def test_reasons(typed: str, reason: NikReason) -> None:
    check = validate_nik(typed, today=TODAY)
    assert not check.ok
    assert check.reason is reason
    assert check.gender is None and check.birth_date is None


def test_leap_day() -> None:
    assert validate_nik("3273012902000001", today=TODAY).birth_date == date(2000, 2, 29)


def test_century_is_the_latest_not_in_the_future() -> None:
    assert validate_nik("3273010101100001", today=TODAY).birth_date == date(2010, 1, 1)
    assert validate_nik("3273010101300001", today=TODAY).birth_date == date(1930, 1, 1)
    # A birthday today is 2026; the same digits a day later can only be 1926.
    assert validate_nik("3273012111260001", today=TODAY).birth_date == date(2026, 11, 21)
    assert validate_nik("3273012211260001", today=TODAY).birth_date == date(1926, 11, 22)


def test_future_birth_date_against_the_injected_today() -> None:
    check = validate_nik("3273010105950001", today=date(1990, 1, 1))  # 1 May 1995 and 2095
    assert check.reason is NikReason.FUTURE_BIRTH_DATE
    assert validate_nik("3273010105950001", today=date(1995, 5, 1)).ok


def test_unknown_regency_or_district_is_only_a_warning() -> None:
    district = validate_nik("3273990101900001", today=TODAY)
    assert district.ok and district.warnings == ("district_unknown",)
    assert district.region is not None and district.region.name == "Kota Bandung"
    regency = validate_nik("3299010101900001", today=TODAY)
    assert regency.ok and regency.warnings == ("regency_unknown", "district_unknown")
    assert regency.region is not None and regency.region.name == "Jawa Barat"
    # "3200…" must not be read as province 32 standing in for a regency.
    zeros = validate_nik("3200000101900001", today=TODAY)
    assert zeros.ok and zeros.warnings == ("regency_unknown", "district_unknown")


def test_mask() -> None:
    assert mask_nik(MALE) == "3273********0001"
    assert mask_nik("3273 0101 0190 0001") == "3273********0001"
    assert mask_nik("1234567") == "*******"
    assert mask_nik("") == ""


@pytest.mark.parametrize("written", [
    "3273015508950002", "3273 0155 0895 0002", "327301 550895 0002", "3273-0155-0895-0002",
    "3273.0155.0895.0002", "32 73 01 55 08 95 00 02", "3273 - 0155 - 0895 - 0002", "3273\n0155\n0895\n0002",
])
def test_a_nik_in_a_text_is_masked_however_it_is_written(written: str) -> None:
    """Every layout the chat takes as a NIK (`normalize_nik` → 16 digits) is masked in a text."""
    assert len(normalize_nik(written)) == 16
    assert mask_niks_in(f"nik sy {written} kak") == "nik sy 3273********0002 kak"


@pytest.mark.parametrize("text", [
    "Paket 100000 Mbps", "hubungi 0812-3456-7890", "REG-20261121-0001", "INV-202612-0003 Rp 199.900",
    "32730155089500021 (17 digit)", "jam 08.00-12.00",
])
def test_numbers_that_are_no_nik_are_left_as_they_are(text: str) -> None:
    assert mask_niks_in(text) == text


def test_a_nik_beside_other_numbers_is_still_masked() -> None:
    assert mask_niks_in("no 12 3273015508950002") == "no 12 3273********0002"
    assert mask_niks_in("3273 0155 0895 0002, 3273 0101 0190 0001") == "3273********0002, 3273********0001"
