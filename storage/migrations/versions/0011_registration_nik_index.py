"""registration NIK index: staff find a registration by its KTP number

A CS agent with a customer on the phone looks the registration up by the KTP number, and
a registration's page warns when another registration carries the same NIK; both compare
id_card_number, which had no index (a scan of 100,000 rows on every look-up).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_registrations_id_card_number", "registrations", ["id_card_number"])


def downgrade() -> None:
    op.drop_index("ix_registrations_id_card_number", table_name="registrations")
