"""Photos customers send (KTP photos, the photos of their fault reports) encrypted at rest
(AES-256-GCM, `cryptography`), each kind in its folder of the data directory.

A stored file is `MAGIC | 8-byte key id | 12-byte nonce | ciphertext+tag`; the key id is
the first bytes of the key's SHA-256, so the right key is known from the header, and the
file's own name is the associated data, so a file copied over another registration's
photo does not decrypt. The key is ISPBOT_DATA_KEY (32 bytes, base64) or, when unset,
derived with HKDF from ISPBOT_SECRET_KEY: keep whichever you use, or the photos cannot be
read back.

**Changing the key.** Set the new ISPBOT_DATA_KEY and list the old one in
ISPBOT_DATA_KEY_PREVIOUS (`derived` for the key derived from the secret key): files under
an old key stay readable, and the `ktp-encrypt` job rewrites them under the new one (it
reads only a file's header to know). Once it reports nothing left, drop the old key.

Files written before encryption (plain JPEG/PNG/WebP bytes) and files of the first format
(`ISPBOT-KTP\x01`, no key id: tried with every key) are read as well, and the job rewrites
them too.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ispbot.config import Settings
from ispbot.services import Services

MAGIC_V1 = b"ISPBOT-KTP\x01"  # no key id (files written before key changes were possible)
MAGIC = b"ISPBOT-KTP\x02"
KEY_ID_BYTES, NONCE_BYTES = 8, 12
HEADER_BYTES = len(MAGIC) + KEY_ID_BYTES
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
DERIVED = "derived"  # in ISPBOT_DATA_KEY_PREVIOUS: the key derived from the secret key
KTP_PHOTOS, TICKET_PHOTOS = "ktp", "tickets"  # the photos' folders in the data directory
PHOTO_FOLDERS = (KTP_PHOTOS, TICKET_PHOTOS)


class PhotoUnreadable(Exception):
    """The file is encrypted but not with any key we have (or was tampered with)."""


def parse_data_key(value: str) -> bytes:
    """ISPBOT_DATA_KEY: 32 bytes as base64 (standard or URL-safe); ValueError otherwise."""
    try:
        key = base64.urlsafe_b64decode(value.strip().replace("+", "-").replace("/", "_").encode())
    except (binascii.Error, ValueError):
        raise ValueError("must be 32 bytes in base64, e.g. from `openssl rand -base64 32`") from None
    if len(key) != 32:
        raise ValueError("must be 32 bytes in base64, e.g. from `openssl rand -base64 32`")
    return key


def parse_previous_keys(value: str) -> list[str]:
    """ISPBOT_DATA_KEY_PREVIOUS: old keys, comma-separated (base64, or `derived`)."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    for item in items:
        if item != DERIVED:
            parse_data_key(item)
    return items


def _derived_key(settings: Settings) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ispbot ktp photos v1")
    return hkdf.derive((settings.secret_key or "").encode())


def data_key(settings: Settings) -> bytes:
    if settings.data_key:
        return parse_data_key(settings.data_key)
    return _derived_key(settings)


def previous_keys(settings: Settings) -> list[bytes]:
    items = parse_previous_keys(settings.data_key_previous or "")
    return [_derived_key(settings) if item == DERIVED else parse_data_key(item) for item in items]


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:KEY_ID_BYTES]


class PhotoCipher:
    """Encrypts with the current key; decrypts with it or any previous one."""

    def __init__(self, key: bytes, previous: list[bytes] | None = None) -> None:
        self._current = key_id(key)
        self._keys = {key_id(k): AESGCM(k) for k in [*(previous or []), key]}

    @classmethod
    def of(cls, settings: Settings) -> PhotoCipher:
        return cls(data_key(settings), previous_keys(settings))

    def encrypt(self, name: str, data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return MAGIC + self._current + nonce + self._keys[self._current].encrypt(nonce, data, name.encode())

    def decrypt(self, name: str, blob: bytes) -> bytes:
        """The photo's bytes; a file from before encryption is returned as it is."""
        if blob.startswith(MAGIC):
            aead = self._keys.get(blob[len(MAGIC) : HEADER_BYTES])
            nonce, sealed = blob[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES], blob[HEADER_BYTES + NONCE_BYTES :]
            candidates = [aead] if aead else []
        elif blob.startswith(MAGIC_V1):
            nonce, sealed = blob[len(MAGIC_V1) : len(MAGIC_V1) + NONCE_BYTES], blob[len(MAGIC_V1) + NONCE_BYTES :]
            candidates = list(self._keys.values())
        else:
            return blob
        for candidate in candidates:
            try:
                return candidate.decrypt(nonce, sealed, name.encode())
            except InvalidTag:
                continue
        raise PhotoUnreadable(name)

    def is_current(self, header: bytes) -> bool:
        """Whether a file starting with `header` is encrypted under the current key."""
        return header[:HEADER_BYTES] == MAGIC + self._current


def is_encrypted(blob: bytes) -> bool:
    return blob.startswith((MAGIC, MAGIC_V1))


def write_photo(folder: Path, name: str, data: bytes, cipher: PhotoCipher) -> Path:
    """Store a photo encrypted, readable only by the service's user; atomic (write + rename)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / name
    temporary = folder / f".{name}.tmp"
    temporary.write_bytes(cipher.encrypt(name, data))
    temporary.chmod(0o600)
    os.replace(temporary, target)
    return target


def read_photo(path: Path, cipher: PhotoCipher) -> bytes:
    return cipher.decrypt(path.name, path.read_bytes())


def rewrite_under_current_key(folder: Path, cipher: PhotoCipher) -> int:
    """Rewrite every photo not yet under the current key (stored before encryption, in the
    first format, or under a previous key); returns how many were rewritten. A file
    already current is known from its header alone."""
    if not folder.is_dir():
        return 0
    rewritten = 0
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in PHOTO_SUFFIXES or not path.is_file():
            continue
        with path.open("rb") as file:
            if cipher.is_current(file.read(HEADER_BYTES)):
                continue
        write_photo(folder, path.name, read_photo(path, cipher), cipher)
        rewritten += 1
    return rewritten


async def encrypt_stored_photos(services: Services) -> int:
    """The `ktp-encrypt` job: photos stored in plain text, in the first format or under a
    previous key are rewritten encrypted under the current key."""
    cipher = PhotoCipher.of(services.settings)
    rewritten = 0
    for folder in PHOTO_FOLDERS:
        rewritten += await asyncio.to_thread(rewrite_under_current_key, services.settings.data_dir / folder, cipher)
    return rewritten
