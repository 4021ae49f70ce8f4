"""KTP photos at rest: encrypted with a key of the service's, bound to their file name;
photos stored before encryption stay readable and the `ktp-encrypt` job encrypts them."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from ispbot.chat_photos import image_type
from ispbot.config import ConfigError, load_settings
from ispbot.jobs import JOBS
from ispbot.ktp_encryption import (
    PhotoCipher,
    PhotoUnreadable,
    data_key,
    is_encrypted,
    read_photo,
    write_photo,
)
from tests.conftest import Harness, make_settings

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
KEY = base64.b64encode(bytes(range(32))).decode()


def test_a_photo_round_trips_and_the_file_is_not_the_image(tmp_path: Path) -> None:
    cipher = PhotoCipher(bytes(32))
    path = write_photo(tmp_path, "a1.jpg", JPEG, cipher)
    on_disk = path.read_bytes()
    assert is_encrypted(on_disk) and image_type(on_disk) is None and JPEG[:64] not in on_disk
    assert read_photo(path, cipher) == JPEG
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == ["a1.jpg"]  # no temporary file left


def test_another_key_or_another_name_does_not_decrypt(tmp_path: Path) -> None:
    path = write_photo(tmp_path, "a1.jpg", JPEG, PhotoCipher(bytes(32)))
    with pytest.raises(PhotoUnreadable):
        read_photo(path, PhotoCipher(b"\x01" * 32))
    moved = tmp_path / "b2.jpg"
    path.rename(moved)  # a file copied over another registration's photo
    with pytest.raises(PhotoUnreadable):
        read_photo(moved, PhotoCipher(bytes(32)))


def test_the_key_comes_from_isp_data_key_or_the_secret_key(tmp_path: Path) -> None:
    given = make_settings("sqlite+aiosqlite:///x.db", tmp_path, data_key=KEY)
    assert data_key(given) == bytes(range(32))
    derived = make_settings("sqlite+aiosqlite:///x.db", tmp_path)
    other = make_settings("sqlite+aiosqlite:///x.db", tmp_path, secret_key="another-secret")
    assert len(data_key(derived)) == 32 and data_key(derived) != data_key(other)


def test_a_bad_data_key_stops_the_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISPBOT_DATA_KEY", "too-short")
    monkeypatch.setenv("ISPBOT_SECRET_KEY", "x")
    with pytest.raises(ConfigError, match="ISPBOT_DATA_KEY"):
        load_settings(_env_file=None, data_dir=tmp_path)


async def test_plaintext_photos_stay_readable_and_the_job_encrypts_them(harness: Harness) -> None:
    folder = harness.services.settings.data_dir / "ktp"
    folder.mkdir(parents=True)
    (folder / "old.jpg").write_bytes(JPEG)
    (folder / "notes.txt").write_text("not a photo")
    cipher = PhotoCipher.of(harness.services.settings)
    assert read_photo(folder / "old.jpg", cipher) == JPEG  # legacy file, read as it is
    assert await JOBS["ktp-encrypt"].run(harness.services) == 1
    assert is_encrypted((folder / "old.jpg").read_bytes())
    assert read_photo(folder / "old.jpg", cipher) == JPEG
    assert (folder / "notes.txt").read_text() == "not a photo"
    assert await JOBS["ktp-encrypt"].run(harness.services) == 0  # idempotent


OLD_KEY, NEW_KEY = bytes(range(32)), bytes(range(32, 64))


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


async def test_a_new_data_key_keeps_old_photos_readable_and_the_job_moves_them(
    harness_factory: Any, sqlite_url: str
) -> None:
    before: Harness = await harness_factory(sqlite_url, data_key=b64(OLD_KEY))
    folder = before.services.settings.data_dir / "ktp"
    write_photo(folder, "k1.jpg", JPEG, PhotoCipher.of(before.services.settings))

    after: Harness = await harness_factory(sqlite_url, data_key=b64(NEW_KEY), data_key_previous=b64(OLD_KEY))
    cipher = PhotoCipher.of(after.services.settings)
    assert read_photo(folder / "k1.jpg", cipher) == JPEG  # read with the previous key meanwhile
    assert await JOBS["ktp-encrypt"].run(after.services) == 1
    assert await JOBS["ktp-encrypt"].run(after.services) == 0  # done: the old key may go
    assert read_photo(folder / "k1.jpg", PhotoCipher(NEW_KEY)) == JPEG  # no previous key needed now
    with pytest.raises(PhotoUnreadable):
        read_photo(folder / "k1.jpg", PhotoCipher(OLD_KEY))


async def test_ticket_photos_move_to_a_new_data_key_too(harness_factory: Any, sqlite_url: str) -> None:
    """Left under the old key, they could not be read once it was dropped."""
    before: Harness = await harness_factory(sqlite_url, data_key=b64(OLD_KEY))
    folder = before.services.settings.data_dir / "tickets"
    write_photo(folder, "t1.jpg", JPEG, PhotoCipher.of(before.services.settings))
    after: Harness = await harness_factory(sqlite_url, data_key=b64(NEW_KEY), data_key_previous=b64(OLD_KEY))
    assert await JOBS["ktp-encrypt"].run(after.services) == 1
    assert read_photo(folder / "t1.jpg", PhotoCipher(NEW_KEY)) == JPEG


def test_a_file_already_under_the_current_key_is_not_read_whole(tmp_path: Path) -> None:
    from ispbot.ktp_encryption import rewrite_under_current_key

    cipher = PhotoCipher(NEW_KEY, [OLD_KEY])
    path = write_photo(tmp_path, "k2.jpg", JPEG, cipher)
    written = path.stat().st_mtime_ns
    assert rewrite_under_current_key(tmp_path, cipher) == 0
    assert path.stat().st_mtime_ns == written


def test_files_of_the_first_format_are_read_and_rewritten(tmp_path: Path) -> None:
    """Before key ids: MAGIC v1 | nonce | ciphertext, as written until now."""
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from ispbot.ktp_encryption import MAGIC_V1, rewrite_under_current_key

    nonce = os.urandom(12)
    (tmp_path / "k3.jpg").write_bytes(MAGIC_V1 + nonce + AESGCM(OLD_KEY).encrypt(nonce, JPEG, b"k3.jpg"))
    cipher = PhotoCipher(NEW_KEY, [OLD_KEY])
    assert read_photo(tmp_path / "k3.jpg", cipher) == JPEG
    assert rewrite_under_current_key(tmp_path, cipher) == 1
    assert read_photo(tmp_path / "k3.jpg", PhotoCipher(NEW_KEY)) == JPEG


def test_the_derived_key_can_be_the_previous_one(tmp_path: Path) -> None:
    derived = make_settings("sqlite+aiosqlite:///x.db", tmp_path)
    moved = make_settings("sqlite+aiosqlite:///x.db", tmp_path, data_key=b64(NEW_KEY), data_key_previous="derived")
    path = write_photo(tmp_path, "k4.jpg", JPEG, PhotoCipher.of(derived))
    assert read_photo(path, PhotoCipher.of(moved)) == JPEG


def test_a_bad_previous_key_stops_the_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISPBOT_DATA_KEY_PREVIOUS", f"{b64(OLD_KEY)}, nonsense")
    monkeypatch.setenv("ISPBOT_SECRET_KEY", "x")
    with pytest.raises(ConfigError, match="ISPBOT_DATA_KEY_PREVIOUS"):
        load_settings(_env_file=None, data_dir=tmp_path)
