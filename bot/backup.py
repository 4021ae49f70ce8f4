"""`ispbot backup`: a consistent copy of everything an ISP would lose with its server, taken
while the service runs.

- The database: on SQLite, through SQLite's online backup (a consistent snapshot even while
  the service writes: WAL readers never block); on PostgreSQL, `pg_dump --format=custom`.
- The data directory (`ISPBOT_DATA_DIR`): the generated secret key, without which signed
  links, sessions and the KTP photo key derived from it are gone, and the encrypted KTP
  photos. A `.tar.gz`, readable by its owner only (it holds the secret key).

Each run writes `ispbot-<UTC time>.db` (or `.dump`) and `ispbot-<UTC time>-data.tar.gz` into
the target folder and, with `keep`, deletes all but the newest `keep` runs there.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from ispbot.config import Settings

PREFIX = "ispbot-"


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Backup:
    database: Path
    data: Path | None  # None when the data directory does not exist yet


def run_backup(settings: Settings, target: Path, now: datetime, *, keep: int | None = None) -> Backup:
    target = target.resolve()
    data_dir = settings.data_dir.resolve()
    if target == data_dir or data_dir in target.parents:
        raise BackupError(f"put backups outside the data directory ({data_dir}): it is itself backed up")
    target.mkdir(parents=True, exist_ok=True)
    stamp = PREFIX + now.strftime("%Y%m%d-%H%M%S")
    if settings.is_sqlite:
        database = _sqlite(settings.database_url, target / f"{stamp}.db")
    else:
        database = _postgres(settings.database_url, target / f"{stamp}.dump")
    data = _archive(data_dir, target / f"{stamp}-data.tar.gz") if data_dir.is_dir() else None
    if keep is not None:
        _prune(target, keep)
    return Backup(database, data)


def _sqlite(url: str, destination: Path) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:" or not Path(path).is_file():
        raise BackupError(f"no SQLite database file at {path!r}")
    partial = destination.with_suffix(".partial")
    source = sqlite3.connect(path)  # read only by use: opening it read-only can fail on a WAL file
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # page by page, restarted by SQLite if a writer changes a page
            if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError("the copy failed SQLite's integrity check")
        finally:
            copy.close()
    finally:
        source.close()
    partial.chmod(0o600)
    partial.replace(destination)  # a finished copy only: never a half-written file by its name
    return destination


def _postgres(url: str, destination: Path) -> Path:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian: apt install postgresql-client)")
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password  # not on the command line, where `ps` shows it
    plain = parsed.set(password=None).render_as_string(hide_password=False)
    partial = destination.with_suffix(".partial")
    done = subprocess.run(  # noqa: S603 (pg_dump from PATH, arguments of our own)
        [pg_dump, "--format=custom", "--no-owner", f"--file={partial}", f"--dbname={plain}"],
        env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
    partial.chmod(0o600)
    partial.replace(destination)
    return destination


def _archive(data_dir: Path, destination: Path) -> Path:
    partial = destination.with_name(destination.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        archive.add(data_dir, arcname=data_dir.name)
    partial.chmod(0o600)
    partial.replace(destination)
    return destination


# What a run writes, and nothing else in the folder: other files there are never touched.
_RUN_FILE = re.compile(rf"({PREFIX}\d{{8}}-\d{{6}})(\.db|\.dump|-data\.tar\.gz)")


def _prune(target: Path, keep: int) -> None:
    """Keep the newest `keep` runs (a run: its database file and its data archive)."""
    runs: dict[str, list[Path]] = {}
    for path in target.iterdir():
        if match := _RUN_FILE.fullmatch(path.name):
            runs.setdefault(match[1], []).append(path)
    for stamp in sorted(runs)[: max(len(runs) - keep, 0)]:
        for path in runs[stamp]:
            path.unlink()
