"""Signed document links: genuine, tampered, wrong kind, expired, another key."""

from __future__ import annotations

import base64
import string
from datetime import UTC, datetime, timedelta

import pytest

from ispbot.clock import FakeClock
from ispbot.signed_links import sign, verify

KEY = "test-secret-key-not-for-production"


def token_for(clock: FakeClock, object_id: str = "1234", kind: str = "invoice") -> str:
    return sign(KEY, kind, object_id, clock.now() + timedelta(days=7))


def replace_part(token: str, index: int, value: str) -> str:
    parts = token.split(".")
    parts[index] = value
    return ".".join(parts)


def test_a_genuine_token_gives_back_the_object_id(clock: FakeClock) -> None:
    token = token_for(clock)
    assert verify(KEY, "invoice", token, clock.now()) == "1234"
    assert all(c.isalnum() or c in "-_." for c in token)  # safe in a URL path as is


def test_ids_of_any_text_round_trip(clock: FakeClock) -> None:
    for object_id in ("INV-202611-00001", "a.b|c/d", "ktp 😀 ✓", "x" * 200):
        assert verify(KEY, "ktp", token_for(clock, object_id, "ktp"), clock.now()) == object_id


def test_a_tampered_id_is_refused(clock: FakeClock) -> None:
    token = token_for(clock)
    other = sign(KEY, "invoice", "9999", clock.now() + timedelta(days=7)).split(".")[0]
    assert verify(KEY, "invoice", replace_part(token, 0, other), clock.now()) is None


def test_a_tampered_expiry_is_refused(clock: FakeClock) -> None:
    token = token_for(clock)
    later = str(int(token.split(".")[1]) + 86_400 * 365)
    assert verify(KEY, "invoice", replace_part(token, 1, later), clock.now()) is None
    padded = "0" + token.split(".")[1]  # the same number, spelled differently
    assert verify(KEY, "invoice", replace_part(token, 1, padded), clock.now()) is None


def test_a_token_of_another_kind_is_refused(clock: FakeClock) -> None:
    assert verify(KEY, "ktp", token_for(clock, kind="invoice"), clock.now()) is None


def test_a_token_expires(clock: FakeClock) -> None:
    token = token_for(clock)
    clock.advance(days=7, seconds=-1)
    assert verify(KEY, "invoice", token, clock.now()) == "1234"
    clock.advance(seconds=1)
    assert verify(KEY, "invoice", token, clock.now()) is None


def test_a_token_signed_with_another_key_is_refused(clock: FakeClock) -> None:
    token = sign("another-key", "invoice", "1234", clock.now() + timedelta(days=7))
    assert verify(KEY, "invoice", token, clock.now()) is None
    assert verify(KEY.encode(), "invoice", token_for(clock), clock.now()) == "1234"  # str or bytes


@pytest.mark.parametrize(
    "token",
    ["", ".", "..", "a.b.c", "MTIzNA.notdigits.AAAA", "MTIzNA.1.", "MTIzNA.１２.AAAA", "x" * 600, "é.1.é"],
)
def test_garbage_is_refused_without_raising(token: str) -> None:
    assert verify(KEY, "invoice", token, datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_a_non_canonical_spelling_is_refused(clock: FakeClock) -> None:
    token = token_for(clock)
    mac = token.split(".")[2]  # 32 bytes: the last character carries 2 unused bits
    assert verify(KEY, "invoice", replace_part(token, 2, mac + "="), clock.now()) is None
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    twin = alphabet[alphabet.index(mac[-1]) ^ 1]  # decodes to the very same bytes
    assert base64.urlsafe_b64decode(mac[:-1] + twin + "=") == base64.urlsafe_b64decode(mac + "=")
    assert verify(KEY, "invoice", replace_part(token, 2, mac[:-1] + twin), clock.now()) is None


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        sign(KEY, "invoice", "1", datetime(2026, 1, 1))
