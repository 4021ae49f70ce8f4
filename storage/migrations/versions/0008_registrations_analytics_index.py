"""registrations analytics index: a window's registrations counted from the index alone

The analytics page counts the registrations created in a window (30 days: 7,500 of
100,000) by status, package, region and lifecycle stage, in about eight aggregate
queries. Through the created_at index each of them read every row of the window from the
table; this index holds the columns they count, so SQLite and PostgreSQL read the index
alone (the rejection reasons, which are text, still come from the rejected rows).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:45:45.237901
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ['created_at', 'status', 'package_id', 'region_code', 'verified_at', 'survey_scheduled_at',
           'approved_at', 'customer_created_at', 'rejected_at']


def upgrade() -> None:
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_created_analytics', COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_registrations_created_analytics')
