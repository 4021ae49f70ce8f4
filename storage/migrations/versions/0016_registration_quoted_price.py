"""registration quoted price: a registration keeps the monthly price it was quoted

A registration's price was read through its package, so when an admin changed a
package's price every registration on it (its track page, the chat's status, the admin,
the exports and the API) showed the new price, not the one the customer confirmed.
Each registration now keeps the price quoted when it was made; registrations made
before this revision get their package's price of today (the only one known).

SQLite cannot make an added column NOT NULL afterwards without rebuilding the table,
and a rebuild drops the table once: with foreign keys on, as the engine has them, that
deletes every registration's history (ON DELETE CASCADE) and loses the lower(email) and
phone-ending indexes (0009, 0014). So on SQLite the column is added NOT NULL with a
placeholder default of 0 that the backfill overwrites; PostgreSQL adds it, backfills and
then sets NOT NULL, with no default. The application always writes the price itself.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 19:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = ("UPDATE registrations SET quoted_monthly_price = "
            "(SELECT packages.monthly_price FROM packages WHERE packages.id = registrations.package_id)")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN, not a batch (see above).
        op.add_column('registrations', sa.Column('quoted_monthly_price', sa.Integer(), server_default='0',
                                                 nullable=False))
        op.execute(BACKFILL)
        return
    op.add_column('registrations', sa.Column('quoted_monthly_price', sa.Integer(), nullable=True))
    op.execute(BACKFILL)
    op.alter_column('registrations', 'quoted_monthly_price', nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE registrations DROP COLUMN quoted_monthly_price")
        return
    op.drop_column('registrations', 'quoted_monthly_price')
