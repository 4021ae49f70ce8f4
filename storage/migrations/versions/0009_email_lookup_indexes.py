"""email lookup indexes: duplicates and "status by email" found through an index

A registration's duplicate check (an open registration or a customer with this email or
phone) and the tracking lookup by email compare lower(email), which the plain email
indexes cannot answer: with 100,000 registrations the duplicate check read the open ones
(about 50,000 in the demo data) for 50 ms on SQLite, inside the turn that submits the
registration, where it held up every other customer's message. An index on lower(email)
answers it on SQLite and PostgreSQL alike.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 07:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {"registrations": "ix_registrations_email_lower", "customers": "ix_customers_email_lower"}


def upgrade() -> None:
    for table, name in INDEXES.items():
        op.create_index(name, table, [sa.text("lower(email)")])


def downgrade() -> None:
    for table, name in INDEXES.items():
        op.drop_index(name, table_name=table)
