"""The migrations: one line of history, down and up again, and the schema they build is the
schema the models describe (a model change without its migration fails here)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from ispbot.storage import models  # noqa: F401  (the tables, on Base.metadata)
from ispbot.storage.base import Base
from ispbot.storage.migrations import alembic_config, upgrade


def test_the_history_is_one_line() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite:///:memory:"))
    assert len(script.get_heads()) == 1
    revisions = [r.revision for r in script.walk_revisions()]
    assert sorted(revisions) == revisions[::-1]  # 0001 → 0002 → …, numbered in order


def test_down_to_nothing_and_up_again_builds_what_the_models_describe(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/m.db"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    upgrade(url)
    engine = sa.create_engine(f"sqlite:///{tmp_path}/m.db")
    try:
        with engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert {"registrations", "customers", "invoices", "outbox", "job_runs", "data_deletion_requests"} <= tables
    assert differences == []
