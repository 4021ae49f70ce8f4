"""Contact field checks: e-mail, name, RT/RW and postcode."""

from __future__ import annotations

import pytest

from ispbot.storage.contact_fields import (
    Reason,
    validate_email,
    validate_name,
    validate_postcode,
    validate_rt_rw,
)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("Budi.Santoso@Gmail.COM", "budi.santoso@gmail.com"),
        ("  siti@yahoo.co.id ", "siti@yahoo.co.id"),
        ("admin@net.example.co.id", "admin@net.example.co.id"),
        ("a@mail.com", "a@mail.com"),  # a real provider, one letter from gmail.com
        ("a@ymail.com", "a@ymail.com"),
    ],
)
def test_email_ok(typed: str, value: str) -> None:
    check = validate_email(typed)
    assert check.ok and check.value == value and check.suggestion is None


@pytest.mark.parametrize(
    ("typed", "suggestion"),
    [
        ("budi@gmial.com", "budi@gmail.com"),
        ("Budi@GMAIL.CON", "budi@gmail.com"),
        ("budi@gmai.com", "budi@gmail.com"),
        ("budi@yahooo.co.id", "budi@yahoo.co.id"),
        ("budi@hotmial.com", "budi@hotmail.com"),
    ],
)
def test_email_domain_typo(typed: str, suggestion: str) -> None:
    check = validate_email(typed)
    assert not check.ok and check.value is None
    assert check.reason is Reason.DOMAIN_TYPO and check.suggestion == suggestion


@pytest.mark.parametrize(
    "typed", ["budi", "budi@", "@gmail.com", "budi@@gmail.com", "budi @gmail.com", "a@b"]
)
def test_email_invalid(typed: str) -> None:
    assert validate_email(typed).reason is Reason.INVALID


def test_email_empty() -> None:
    assert validate_email("   ").reason is Reason.EMPTY


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("budi santoso", "Budi Santoso"),
        ("  siti   nurhaliza ", "Siti Nurhaliza"),
        ("budi mcDonald", "Budi McDonald"),
        ("ma'ruf amin", "Ma'ruf Amin"),
        ("ma’ruf", "Ma'ruf"),
        ("nur-aini", "Nur-Aini"),
        ("m. rizky", "M. Rizky"),
        ("AGUS", "AGUS"),
        ("Al", "Al"),
        ("élodie", "Élodie"),
    ],
)
def test_name_ok(typed: str, value: str) -> None:
    check = validate_name(typed)
    assert check.ok and check.value == value


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", Reason.EMPTY),
        ("B", Reason.LENGTH),
        ("B" * 101, Reason.LENGTH),
        ("Budi 2", Reason.CHARACTERS),
        ("budi_s", Reason.CHARACTERS),
        ("budi@santoso", Reason.CHARACTERS),
        (".budi", Reason.CHARACTERS),
        ("A.", Reason.LETTERS),
        ("A -", Reason.LETTERS),
    ],
)
def test_name_rejected(typed: str, reason: Reason) -> None:
    check = validate_name(typed)
    assert check.reason is reason and check.value is None


@pytest.mark.parametrize(
    "typed",
    [
        "001/002",
        "1/2",
        "RT 1 RW 2",
        "rt 01 rw 02",
        "01 02",
        "RT.001/RW.002",
        "RW 2 RT 1",
        "RT/RW 001/002",
        "1-2",
    ],
)
def test_rt_rw_variants(typed: str) -> None:
    check = validate_rt_rw(typed)
    assert check.ok and check.value == ("001", "002")


def test_rt_rw_keeps_three_digit_numbers() -> None:
    assert validate_rt_rw("12/105").value == ("012", "105")


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("abc", Reason.FORMAT),
        ("1", Reason.FORMAT),
        ("1/2/3", Reason.FORMAT),
        ("RT 1", Reason.FORMAT),
        ("", Reason.EMPTY),
        ("0/1", Reason.RANGE),
        ("1000/1", Reason.RANGE),
    ],
)
def test_rt_rw_rejected(typed: str, reason: Reason) -> None:
    assert validate_rt_rw(typed).reason is reason


@pytest.mark.parametrize(
    ("typed", "result"),
    [
        ("40163", ("40163", None)),
        (" 40 163 ", ("40163", None)),
        ("4016", (None, Reason.LENGTH)),
        ("401633", (None, Reason.LENGTH)),
        ("01234", (None, Reason.RANGE)),
        ("4O163", (None, Reason.NOT_DIGITS)),
        ("", (None, Reason.EMPTY)),
    ],
)
def test_postcode(typed: str, result: tuple[str | None, Reason | None]) -> None:
    check = validate_postcode(typed)
    assert (check.value, check.reason) == result
