"""KTP photos encrypted at rest (AES-256-GCM, `cryptography`).

A stored file is `MAGIC | 12-byte nonce | ciphertext+tag`; the file's own name is the
associated data, so a file copied over another registration's photo does not decrypt.
The key is ISPBOT_DATA_KEY (32 bytes, base64) or, when unset, derived with HKDF from
ISPBOT_SECRET_KEY: keep whichever you use, or the photos cannot be read back.

Files written before encryption (plain JPEG/PNG/WebP bytes) are still read as they are,
and the `ktp-encrypt` job rewrites them encrypted.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ispbot.config import Settings
from ispbot.services import Services

MAGIC = b"ISPBOT-KTP\x01"
NONCE_BYTES = 12
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


class PhotoUnreadable(Exception):
    """The file is encrypted but not with this key (or was tampered with)."""


def parse_data_key(value: str) -> bytes:
    """ISPBOT_DATA_KEY: 32 bytes as base64 (standard or URL-safe); ValueError otherwise."""
    try:
        key = base64.urlsafe_b64decode(value.strip().replace("+", "-").replace("/", "_").encode())
    except (binascii.Error, ValueError):
        raise ValueError("must be 32 bytes in base64, e.g. from `openssl rand -base64 32`") from None
    if len(key) != 32:
        raise ValueError("must be 32 bytes in base64, e.g. from `openssl rand -base64 32`")
    return key


def data_key(settings: Settings) -> bytes:
    if settings.data_key:
        return parse_data_key(settings.data_key)
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ispbot ktp photos v1")
    return hkdf.derive((settings.secret_key or "").encode())


class PhotoCipher:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def of(cls, settings: Settings) -> PhotoCipher:
        return cls(data_key(settings))

    def encrypt(self, name: str, data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return MAGIC + nonce + self._aead.encrypt(nonce, data, name.encode())

    def decrypt(self, name: str, blob: bytes) -> bytes:
        """The photo's bytes; a file from before encryption is returned as it is."""
        if not is_encrypted(blob):
            return blob
        nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES :], name.encode())
        except InvalidTag:
            raise PhotoUnreadable(name) from None


def is_encrypted(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


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


def encrypt_plaintext_files(folder: Path, cipher: PhotoCipher) -> int:
    """Rewrite every photo stored before encryption; returns how many were rewritten."""
    if not folder.is_dir():
        return 0
    rewritten = 0
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in PHOTO_SUFFIXES or not path.is_file():
            continue
        data = path.read_bytes()
        if is_encrypted(data):
            continue
        write_photo(folder, path.name, data, cipher)
        rewritten += 1
    return rewritten


async def encrypt_stored_photos(services: Services) -> int:
    """The `ktp-encrypt` job: photos stored in plain text before encryption get encrypted."""
    folder = services.settings.data_dir / "ktp"
    return await asyncio.to_thread(encrypt_plaintext_files, folder, PhotoCipher.of(services.settings))
