"""reporting tree as a closure table (reporting_lines), backfilled from people

Revision ID: scale_tree
Revises: meetings
"""
from alembic import op
import sqlalchemy as sa


revision = 'scale_tree'
down_revision = 'meetings'
branch_labels = None
depends_on = None

# Same rule as storage.reporting.lines_select (copied, so this migration never changes with the app):
# a line per (manager up the chain, active person), walking up through active managers, at most 30 levels.
BACKFILL = """
INSERT INTO reporting_lines (team_id, ancestor_id, descendant_id, depth)
WITH RECURSIVE up(team_id, descendant, ancestor, depth) AS (
    SELECT p.team_id, p.user_id, p.manager_id, 1 FROM people p
    WHERE p.is_active = :yes AND p.manager_id IS NOT NULL AND p.manager_id != p.user_id
    UNION ALL
    SELECT up.team_id, up.descendant, m.manager_id, up.depth + 1 FROM up
    JOIN people m ON m.team_id = up.team_id AND m.user_id = up.ancestor
    WHERE m.is_active = :yes AND m.manager_id IS NOT NULL AND m.manager_id != up.descendant AND up.depth < 30
)
SELECT team_id, ancestor, descendant, MIN(depth) FROM up GROUP BY team_id, ancestor, descendant
"""


def upgrade() -> None:
    op.create_table('reporting_lines',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('ancestor_id', sa.String(length=32), nullable=False),
    sa.Column('descendant_id', sa.String(length=32), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'ancestor_id', 'descendant_id')
    )
    with op.batch_alter_table('reporting_lines', schema=None) as batch_op:
        batch_op.create_index('ix_reporting_lines_descendant', ['team_id', 'descendant_id'], unique=False)
    op.get_bind().execute(sa.text(BACKFILL).bindparams(sa.bindparam('yes', True, type_=sa.Boolean())))


def downgrade() -> None:
    with op.batch_alter_table('reporting_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_reporting_lines_descendant')
    op.drop_table('reporting_lines')
