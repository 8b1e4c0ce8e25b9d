"""llm exchanges: prompts sent to the optional language model ("What was sent")

Revision ID: llm_exchanges
Revises: privacy
"""
from alembic import op
import sqlalchemy as sa
import storage.db


revision = 'llm_exchanges'
down_revision = 'privacy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('llm_exchanges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('task', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('created_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('llm_exchanges', schema=None) as batch_op:
        batch_op.create_index('ix_llm_exchanges_user', ['team_id', 'user_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('llm_exchanges', schema=None) as batch_op:
        batch_op.drop_index('ix_llm_exchanges_user')
    op.drop_table('llm_exchanges')
