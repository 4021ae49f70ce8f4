"""chat funnel roll-up: answers carry their seconds and retries; daily sums per question

The chat funnel's queries were window functions over every event of the window (0.3–0.5 s
each at 1,000,000 events). Now each accepted answer carries the seconds since its question
was asked and how many answers were refused in between, and a job sums finished days into
`chat_funnel_days`; the page reads those sums, today's events and the answers' seconds.
Existing answers get their seconds and retries computed once, here.

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

_SAME_QUESTION = """e.contact_key = conversation_events.contact_key AND e.flow = conversation_events.flow
      AND e.state = conversation_events.state AND e.id < conversation_events.id"""
LATEST_ASKED = f"""(SELECT max(e.created_at) FROM conversation_events AS e
    WHERE {_SAME_QUESTION} AND e.event = 'asked')"""
LATEST_ASKED_ID = f"""(SELECT max(e.id) FROM conversation_events AS e WHERE {_SAME_QUESTION} AND e.event = 'asked')"""
REFUSED_SINCE = f"""(SELECT count(*) FROM conversation_events AS e
    WHERE {_SAME_QUESTION} AND e.event = 'reprompt' AND e.id > coalesce({LATEST_ASKED_ID}, 0))"""


def upgrade() -> None:
    op.create_table(
        'chat_funnel_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('flow', sa.String(length=30), nullable=False),
        sa.Column('state', sa.String(length=40), nullable=False),
        sa.Column('asked', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Integer(), nullable=False),
        sa.Column('reprompts', sa.Integer(), nullable=False),
        sa.Column('first_try', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'flow', 'state', name=op.f('pk_chat_funnel_days')),
    )
    op.create_table(
        'analytics_rollups',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('through_day', sa.Date(), nullable=False),
        sa.Column('tz', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_analytics_rollups')),
    )
    with op.batch_alter_table('conversation_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seconds', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('retries', sa.Integer(), nullable=True))
        batch_op.drop_index('ix_conversation_events_flow_created')
        batch_op.create_index('ix_conversation_events_flow_created',
                              ['flow', 'created_at', 'state', 'event', 'seconds'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        elapsed = f"(julianday(created_at) - julianday({LATEST_ASKED})) * 86400.0"
    else:
        elapsed = f"extract(epoch FROM created_at - {LATEST_ASKED})"
    op.execute(f"UPDATE conversation_events SET seconds = {elapsed}, retries = {REFUSED_SINCE} "
               "WHERE event = 'answered'")


def downgrade() -> None:
    with op.batch_alter_table('conversation_events', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_events_flow_created')
        batch_op.create_index('ix_conversation_events_flow_created',
                              ['flow', 'created_at', 'contact_key', 'state', 'event'], unique=False)
        batch_op.drop_column('retries')
        batch_op.drop_column('seconds')
    op.drop_table('analytics_rollups')
    op.drop_table('chat_funnel_days')
