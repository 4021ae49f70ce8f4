"""Phone numbers, normalised once at the edge with `phonenumbers`.

The canonical form is digits only with the country code: `6281234567890`.
"""

from __future__ import annotations

import functools
import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from ispbot.providers.messages import Contact

_JID_SUFFIX = re.compile(r"@(c\.us|s\.whatsapp\.net|lid)$")


class InvalidPhone(ValueError):
    """Not an Indonesian mobile number."""


@functools.lru_cache(maxsize=4096)  # every webhook parses its sender; the same few recur
def normalize_phone(raw: str) -> str:
    """`0812-0000-0002`, `+62 812 0000 0002` or `62812…` → `6281200000002`.

    Raises InvalidPhone for anything that is not an Indonesian mobile number.
    """
    text = raw.strip()
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("62") and not digits.startswith("+"):
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "ID")
    except NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    if phonenumbers.number_type(number) not in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise InvalidPhone(raw)
    return f"62{number.national_number}"


def contact_from_sender(raw: str, *, name: str | None = None, user_id: str | None = None) -> Contact:
    """A gateway's sender field (`628…`, `628…@c.us`, `+972…`) as a Contact.

    A foreign sender keeps its international digits and `is_indonesian=False`, so the bot
    can answer politely instead of failing.
    """
    bare = _JID_SUFFIX.sub("", raw.strip())
    # Gateways give senders as international digits: 8190… is Japan, not a local 0819….
    international = bare if bare.startswith(("+", "0")) else "+" + bare
    try:
        return Contact(phone=normalize_phone(international), user_id=user_id, name=name or None)
    except InvalidPhone:
        digits = re.sub(r"\D", "", bare)
        return Contact(
            phone=digits or None, user_id=user_id, name=name or None, is_indonesian=False
        )


def local_format(phone: str) -> str:
    """`6281200000002` → `081200000002`, the way Indonesians write their number."""
    return "0" + phone[2:] if phone.startswith("62") else phone


def masked(phone: str) -> str:
    """`6281200000002` → `0812****002`."""
    local = local_format(phone)
    return local[:4] + "****" + local[-3:]
