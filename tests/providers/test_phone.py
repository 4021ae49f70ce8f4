"""Phone numbers are normalised once, at the edge."""

from __future__ import annotations

import pytest

from ispbot.providers.phone import InvalidPhone, contact_from_sender, masked, normalize_phone


@pytest.mark.parametrize(
    "typed",
    ["081200000002", "0812-0000-0002", "0812 0000 0002", "0812.0000.0002", "+62 812 0000 0002", "62 812-0000-0002", "6281200000002"],
)
def test_every_way_of_writing_a_number_gives_the_canonical_form(typed: str) -> None:
    assert normalize_phone(typed) == "6281200000002"


@pytest.mark.parametrize("typed", ["", "abc", "0812", "022-1234567", "+1 650 555 1234", "08123456789012345"])
def test_anything_but_an_indonesian_mobile_number_is_refused(typed: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone(typed)


def test_gateway_senders_are_international_digits() -> None:
    assert contact_from_sender("6281200000101@c.us").phone == "6281200000101"
    assert contact_from_sender("6281200000101@s.whatsapp.net").is_indonesian
    japan = contact_from_sender("819012345678")  # would be a valid 0819… if read as local
    assert japan.phone == "819012345678" and not japan.is_indonesian
    assert not contact_from_sender("972987654321").is_indonesian


def test_masked_number_shows_only_the_ends() -> None:
    assert masked("6281200000002") == "0812****002"
