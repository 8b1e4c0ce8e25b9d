"""leader view in SQL: covering indexes for status counts, latest obstacles and last 1-on-1s (issue 15)

Revision ID: scale_home
Revises: scale_tree
"""
from alembic import op
import sqlalchemy as sa


revision = 'scale_home'
down_revision = 'scale_tree'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('key_results', schema=None) as batch_op:
        batch_op.create_index('ix_key_results_status', ['objective_id', 'status', 'start_value', 'target_value',
                                                        'current_value', 'updated_at'], unique=False)
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.create_index('ix_check_ins_obstacle', ['key_result_id', 'created_at'], unique=False,
                              sqlite_where=sa.text("obstacles != ''"), postgresql_where=sa.text("obstacles != ''"))
    with op.batch_alter_table('one_on_ones', schema=None) as batch_op:
        batch_op.create_index('ix_one_on_ones_held', ['team_id', 'requester_id', 'manager_id', 'state', 'done_at',
                                                      'agreed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('one_on_ones', schema=None) as batch_op:
        batch_op.drop_index('ix_one_on_ones_held')
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index('ix_check_ins_obstacle')
    with op.batch_alter_table('key_results', schema=None) as batch_op:
        batch_op.drop_index('ix_key_results_status')
