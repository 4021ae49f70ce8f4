"""`ispbot backup`: a consistent copy of the database and the data directory, taken while
the service writes, restorable, and pruned to the newest N."""

from __future__ import annotations

import shutil
import sqlite3
import stat
import subprocess
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ispbot.backup import BackupError, run_backup
from ispbot.storage.migrations import upgrade
from tests.conftest import make_settings

NOW = datetime(2026, 12, 2, 14, 0, 5, tzinfo=UTC)


def served_sqlite(tmp_path: Path) -> tuple[Any, Path]:
    """A migrated SQLite database with one committed FAQ entry, and a data directory with
    the generated secret key and an (encrypted) KTP photo."""
    path = tmp_path / "ispbot.db"
    settings = make_settings(f"sqlite+aiosqlite:///{path}", tmp_path / "var", secret_key=None)
    upgrade(settings.database_url)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("INSERT INTO faq_entries (category, question, answer, keywords, sort_order, is_active, updated_at) "
                   "VALUES ('umum', 'Apa itu?', 'Ini.', '', 1, 1, '2026-12-01 00:00:00')")
    (settings.data_dir / "ktp").mkdir(parents=True)
    (settings.data_dir / "secret_key").write_text("kept-secret")
    (settings.data_dir / "ktp" / "k1.jpg.enc").write_bytes(b"\x00sealed")
    return settings, path


def test_a_backup_taken_during_a_write_holds_what_was_committed(tmp_path: Path) -> None:
    settings, path = served_sqlite(tmp_path)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the service in the middle of a turn
    writer.execute("INSERT INTO faq_entries (category, question, answer, keywords, sort_order, is_active, updated_at) "
                   "VALUES ('umum', 'Belum?', 'Belum.', '', 2, 1, '2026-12-01 00:00:00')")
    made = run_backup(settings, tmp_path / "backups", NOW)
    writer.execute("COMMIT")
    writer.close()

    assert made.database.name == "ispbot-20261202-140005.db"
    with sqlite3.connect(made.database) as copy:
        questions = [q for (q,) in copy.execute("SELECT question FROM faq_entries")]
        assert questions == ["Apa itu?"]
        assert copy.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
    assert made.data is not None
    with tarfile.open(made.data) as archive:
        names = set(archive.getnames())
        assert {"var/secret_key", "var/ktp/k1.jpg.enc"} <= names
        secret = archive.extractfile("var/secret_key")
        assert secret is not None and secret.read() == b"kept-secret"
    for file in (made.database, made.data):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600  # the archive holds the secret key


def test_old_backups_are_pruned_to_the_newest_n(tmp_path: Path) -> None:
    settings, _ = served_sqlite(tmp_path)
    target = tmp_path / "backups"
    target.mkdir()
    (target / "ispbot-notes.txt").write_text("the owner's own file")
    for hours in range(4):
        run_backup(settings, target, NOW + timedelta(hours=hours), keep=2)
    assert sorted(p.name for p in target.iterdir()) == [
        "ispbot-20261202-160005-data.tar.gz", "ispbot-20261202-160005.db",
        "ispbot-20261202-170005-data.tar.gz", "ispbot-20261202-170005.db",
        "ispbot-notes.txt",  # not a backup: left alone
    ]


def test_backups_are_not_written_into_the_folder_they_copy(tmp_path: Path) -> None:
    settings, _ = served_sqlite(tmp_path)
    with pytest.raises(BackupError, match="outside the data directory"):
        run_backup(settings, settings.data_dir / "backups", NOW)


def test_a_missing_database_file_is_said_plainly(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/nowhere.db", tmp_path / "var")
    with pytest.raises(BackupError, match="no SQLite database file"):
        run_backup(settings, tmp_path / "backups", NOW)


@pytest.mark.postgres
def test_postgresql_is_dumped_with_pg_dump(tmp_path: Path, postgres_url: str) -> None:
    settings = make_settings(postgres_url, tmp_path / "var")
    made = run_backup(settings, tmp_path / "backups", NOW)
    assert made.database.name == "ispbot-20261202-140005.dump" and made.data is None
    pg_restore = shutil.which("pg_restore")
    assert pg_restore is not None
    listing = subprocess.run([pg_restore, "--list", str(made.database)], capture_output=True, text=True, check=True)
    assert "TABLE public registrations" in listing.stdout and "TABLE public outbox" in listing.stdout


def test_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from ispbot.cli import main

    settings, _ = served_sqlite(tmp_path)
    monkeypatch.chdir(tmp_path)  # no .env; ./backups by default
    monkeypatch.setenv("ISPBOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ISPBOT_DATA_DIR", str(settings.data_dir))
    assert main(["backup", "--keep", "3"]) == 0
    printed = capsys.readouterr().out
    assert "database: " in printed and str(tmp_path / "backups") in printed
    assert main(["backup", "--keep", "0"]) == 2
