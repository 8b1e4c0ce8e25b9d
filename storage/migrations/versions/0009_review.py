"""quarter review (issue 17): quarter_reviews and objective_reviews

The report's words and the manager's comment are TEXT columns holding `enc1:…` ciphertexts (storage/crypto.py).

Revision ID: review
Revises: scale_home
"""
from alembic import op
import sqlalchemy as sa
import storage.db


revision = 'review'
down_revision = 'scale_home'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quarter_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.String(length=32), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('manager_id', sa.String(length=32), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('prompted_at', storage.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', storage.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('one_on_one_id', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['one_on_one_id'], ['one_on_ones.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team_id', 'owner_id', 'quarter', name='uq_quarter_review_natural')
    )
    with op.batch_alter_table('quarter_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_quarter_reviews_quarter', ['team_id', 'quarter', 'state'], unique=False)
        batch_op.create_index('ix_quarter_reviews_one_on_one', ['one_on_one_id'], unique=False)
    op.create_table('objective_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('objective_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Float(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('helped', sa.Text(), nullable=False),
    sa.Column('in_the_way', sa.Text(), nullable=False),
    sa.Column('carry', sa.Text(), nullable=False),
    sa.Column('obstacles', sa.JSON(), nullable=False),
    sa.Column('manager_grade', sa.Float(), nullable=True),
    sa.Column('manager_comment', sa.Text(), nullable=False),
    sa.Column('carried_to_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['review_id'], ['quarter_reviews.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['objective_id'], ['objectives.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['carried_to_id'], ['objectives.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('review_id', 'objective_id', name='uq_objective_review_natural')
    )
    with op.batch_alter_table('objective_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_objective_reviews_objective', ['objective_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('objective_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_objective_reviews_objective')
    op.drop_table('objective_reviews')
    with op.batch_alter_table('quarter_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_quarter_reviews_one_on_one')
        batch_op.drop_index('ix_quarter_reviews_quarter')
    op.drop_table('quarter_reviews')
