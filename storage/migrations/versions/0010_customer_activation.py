"""customer activation: a customer is billed from the month after installation

`customers.activated_at` is set when the installation ticket is resolved; until then the
account is `pending_installation` and the monthly billing passes it by (it billed a full
month on the day the customer record was made, weeks before the installation). Customers
already active were activated when they were created.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ispbot.storage.base

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD / DROP COLUMN (SQLite 3.35+ has both): a batch would rebuild the table on
    # SQLite and lose its lower(email) index from 0009.
    op.add_column('customers', sa.Column('activated_at', ispbot.storage.base.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE customers SET activated_at = created_at WHERE account_status = 'active'")


def downgrade() -> None:
    op.execute("UPDATE customers SET account_status = 'active' WHERE account_status = 'pending_installation'")
    op.execute("ALTER TABLE customers DROP COLUMN activated_at")
