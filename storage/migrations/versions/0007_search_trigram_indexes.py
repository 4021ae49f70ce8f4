"""search trigram indexes: the admin's name/email search uses an index on PostgreSQL

The admin searches registrations and customers by any part of a name or email
(`lower(full_name) LIKE '%…%'`), which no B-tree index serves: at 100,000 registrations
PostgreSQL read the whole table (about 60 ms a query). pg_trgm's GIN indexes serve such
LIKEs. The extension is created when the server has it and the user may create it (a
trusted extension since PostgreSQL 13); without it the search still works, unindexed.
SQLite scans the table either way (about 50 ms at 100,000 rows).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_registrations_name_trgm": "registrations USING gin (lower(full_name) gin_trgm_ops)",
    "ix_registrations_email_trgm": "registrations USING gin (email gin_trgm_ops)",
    "ix_customers_name_trgm": "customers USING gin (lower(full_name) gin_trgm_ops)",
    "ix_customers_email_trgm": "customers USING gin (lower(email) gin_trgm_ops)",
}


def _trigrams_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    if bind.exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").first() is None:
        return False
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError:  # not allowed to: the search stays unindexed
        return False
    return True


def upgrade() -> None:
    if _trigrams_available():
        for name, target in INDEXES.items():
            op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
