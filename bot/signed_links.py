"""Signed, expiring tokens for document links (invoice PDFs, later KTP previews).

A token is `<object id, base64url>.<expiry, unix seconds>.<HMAC-SHA256, base64url>`; the
MAC covers the kind of document, the object id and the expiry, so a token made for one
kind (`invoice`) is worthless for another (`ktp`), and neither id nor expiry can be
changed. The MAC key is derived from the service's secret key for this use only.

    token = sign(settings.secret_key, "invoice", str(invoice.id), now + timedelta(days=7))
    url = f"{settings.public_url}/d/invoice/{token}"
    ...
    invoice_id = verify(settings.secret_key, "invoice", token, clock.now())  # None → 404
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from datetime import datetime

MAX_TOKEN_LENGTH = 512
_KEY_CONTEXT = b"ispbot.signed_links.v1"
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def sign(secret_key: str | bytes, path_kind: str, object_id: str, expires_at: datetime) -> str:
    """A URL-safe token for `object_id` of kind `path_kind`, valid until `expires_at`."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    if not path_kind or not object_id:
        raise ValueError("path_kind and object_id must not be empty")
    expiry = str(int(expires_at.timestamp()))
    mac = _mac(secret_key, path_kind, object_id, expiry)
    return f"{_b64encode(object_id.encode())}.{expiry}.{_b64encode(mac)}"


def verify(secret_key: str | bytes, kind: str, token: str, now: datetime) -> str | None:
    """The object id when the token is genuine, of this kind and not expired; else None.
    Never raises on a malformed token."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    parsed = _parse(token)
    if parsed is None:
        return None
    object_id, expiry, given_mac = parsed
    expected = _mac(secret_key, kind, object_id, expiry)
    if not hmac.compare_digest(expected, given_mac):
        return None
    if now.timestamp() >= int(expiry):
        return None
    return object_id


def _parse(token: str) -> tuple[str, str, bytes] | None:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isascii() or not parts[1].isdigit():
        return None
    encoded_id, expiry, encoded_mac = parts
    try:
        object_id = _b64decode(encoded_id).decode()
        mac = _b64decode(encoded_mac)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not object_id:
        return None
    return object_id, expiry, mac


def _mac(secret_key: str | bytes, kind: str, object_id: str, expiry: str) -> bytes:
    key = hmac.new(_as_bytes(secret_key), _KEY_CONTEXT, hashlib.sha256).digest()
    # Length-prefixed fields: no choice of kind and id can imitate another pair.
    # The expiry is signed as spelled, so `0179…` is not a second spelling of `179…`.
    fields = [kind.encode(), object_id.encode(), expiry.encode()]
    message = b"".join(len(f).to_bytes(4, "big") + f for f in fields)
    return hmac.new(key, message, hashlib.sha256).digest()


def _as_bytes(secret_key: str | bytes) -> bytes:
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    if not key:
        raise ValueError("the secret key must not be empty")
    return key


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict: only the canonical unpadded base64url spelling of some bytes is accepted,
    so one token has exactly one spelling."""
    if _B64URL.fullmatch(text) is None:
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64encode(raw) != text:
        raise ValueError("not canonical base64url")
    return raw
