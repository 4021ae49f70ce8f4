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


def test_a_two_digit_year_after_this_years_is_19yy_else_20yy() -> None:
    assert validate_nik("3273010101080001", today=TODAY).birth_date == date(2008, 1, 1)
    assert validate_nik("3273010101300001", today=TODAY).birth_date == date(1930, 1, 1)
    assert validate_nik("3273010101270001", today=TODAY).birth_date == date(1927, 1, 1)  # 27 is after 26
    # On another day, another century: the injected date decides, not the machine's.
    assert validate_nik("3273010101950001", today=date(1990, 1, 1)).birth_date == date(1895, 1, 1)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("3273010101100001", NikReason.TOO_YOUNG),  # 1 January 2010: 16 on TODAY
        ("3273012211090001", NikReason.TOO_YOUNG),  # 22 November 2009: 17 tomorrow
        ("3273016211090001", NikReason.TOO_YOUNG),  # a woman born 22 November 2009
        ("3273012111260001", NikReason.TOO_YOUNG),  # born today
        ("3273012211260001", NikReason.FUTURE_BIRTH_DATE),  # 22 November 2026, not 1926
        ("3273013212900001", NikReason.BIRTH_DATE),  # day 32
        ("3273014001900001", NikReason.BIRTH_DATE),  # day 40: a woman's day 0
        ("3273017201900001", NikReason.BIRTH_DATE),  # day 72: a woman's 32nd
        ("3273010100900001", NikReason.BIRTH_DATE),  # month 00
        ("3273013102900001", NikReason.BIRTH_DATE),  # 31 February
        ("3273013104900001", NikReason.BIRTH_DATE),  # 31 April
    ],
)
def test_a_birth_date_that_cannot_be_a_ktp_holders(typed: str, reason: NikReason) -> None:
    check = validate_nik(typed, today=TODAY)
    assert check.reason is reason and not check.ok
    assert check.gender is None and check.birth_date is None


def test_the_holder_is_17_from_their_birthday_on_the_injected_today() -> None:
    assert validate_nik("3273012111090001", today=TODAY).birth_date == date(2009, 11, 21)  # 17 today
    assert validate_nik("3273016111090001", today=TODAY).gender is Gender.FEMALE
    assert validate_nik("3273012211090001", today=TODAY).reason is NikReason.TOO_YOUNG
    assert validate_nik("3273012211090001", today=date(2026, 11, 22)).ok  # the next day
    # Born 29 February 2008: 17 on 1 March 2025, not on 28 February.
    assert validate_nik("3273012902080001", today=date(2025, 2, 28)).reason is NikReason.TOO_YOUNG
    assert validate_nik("3273012902080001", today=date(2025, 3, 1)).birth_date == date(2008, 2, 29)


def test_future_birth_date_against_the_injected_today() -> None:
    check = validate_nik("3273010112260001", today=date(2026, 11, 30))  # 1 December 2026
    assert check.reason is NikReason.FUTURE_BIRTH_DATE


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
