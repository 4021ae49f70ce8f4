"""KTP photos at rest: encrypted with a key of the service's, bound to their file name;
photos stored before encryption stay readable and the `ktp-encrypt` job encrypts them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

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
from ispbot.ktp_photos import image_type
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
