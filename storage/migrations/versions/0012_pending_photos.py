"""pending photos: a gateway's media reference too long for the photo column

A photo sent by chat waits in its column as `pending:<gateway>:<reference>` until the
photo job fetches it; a signed URL (Evolution's S3 copy) is longer than the column's 200
characters, so such a reference is kept in its own row and the column names the row.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ispbot.storage.base

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pending_photos',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.Text(), nullable=False),
    sa.Column('created_at', ispbot.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_photos'))
    )


def downgrade() -> None:
    op.drop_table('pending_photos')
