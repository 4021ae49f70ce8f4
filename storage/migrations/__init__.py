"""Alembic migrations, run with `ispbot migrate` (async, batch mode on SQLite)."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("ispbot.storage.migrations")))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database to `revision`. Synchronous: call it outside a running loop,
    or through `asyncio.to_thread`."""
    command.upgrade(alembic_config(database_url), revision)
