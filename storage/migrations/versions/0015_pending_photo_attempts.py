"""pending photo attempts: a photo the gateway will not hand over is not fetched forever

A photo whose fetch failed (the media URL expired, the gateway answered 404 or 5xx, timed
out) was tried again at every run of its job, every minute, for ever, and no one heard of
it. Its failed attempts are counted on its kept reference, with the time before which it
is not tried again; after the last one it is given up and the customer and staff told.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 18:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ispbot.storage.base

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('pending_photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', ispbot.storage.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pending_photos', schema=None) as batch_op:
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
