"""inbox of acknowledged events (replaces processed_events) and shared rate-limit holds

Revision ID: inbox_events
Revises: llm_exchanges
Create Date: 2026-11-30 20:10:00
"""
from alembic import op
import sqlalchemy as sa
import storage.db


revision = 'inbox_events'
down_revision = 'llm_exchanges'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=128), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('order_key', sa.String(length=160), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('locked_until', storage.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('owner', sa.String(length=64), nullable=True),
    sa.Column('received_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', storage.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_key', name='uq_inbox_event_key')
    )
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_order', ['order_key', 'id'], unique=False)
        batch_op.create_index('ix_inbox_status', ['status', 'id'], unique=False)

    op.create_table('rate_holds',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('until', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('team_id')
    )
    with op.batch_alter_table('processed_events', schema=None) as batch_op:
        batch_op.drop_index('ix_processed_events_time')
    op.drop_table('processed_events')


def downgrade() -> None:
    op.create_table('processed_events',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('received_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('processed_events', schema=None) as batch_op:
        batch_op.create_index('ix_processed_events_time', ['received_at'], unique=False)
    op.drop_table('rate_holds')
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_status')
        batch_op.drop_index('ix_inbox_order')
    op.drop_table('inbox_events')
