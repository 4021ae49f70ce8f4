"""answer seconds: each accepted answer carries the seconds since its question was asked

The chat funnel's median time per question was a window function over every event of the
window (0.3–0.5 s at 1,000,000 events); with the duration written beside the answer it is
a plain aggregate over the answers, read from the index alone. Existing answers get their
duration computed once, here.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LATEST_ASKED = """(SELECT max(asked.created_at) FROM conversation_events AS asked
    WHERE asked.contact_key = conversation_events.contact_key AND asked.flow = conversation_events.flow
      AND asked.state = conversation_events.state AND asked.event = 'asked'
      AND asked.id < conversation_events.id)"""


def upgrade() -> None:
    with op.batch_alter_table('conversation_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seconds', sa.Float(), nullable=True))
        batch_op.drop_index('ix_conversation_events_flow_created')
        batch_op.create_index('ix_conversation_events_flow_created',
                              ['flow', 'created_at', 'state', 'event', 'seconds'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        elapsed = f"(julianday(created_at) - julianday({LATEST_ASKED})) * 86400.0"
    else:
        elapsed = f"extract(epoch FROM created_at - {LATEST_ASKED})"
    op.execute(f"UPDATE conversation_events SET seconds = {elapsed} WHERE event = 'answered'")


def downgrade() -> None:
    with op.batch_alter_table('conversation_events', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_events_flow_created')
        batch_op.create_index('ix_conversation_events_flow_created',
                              ['flow', 'created_at', 'contact_key', 'state', 'event'], unique=False)
        batch_op.drop_column('seconds')
