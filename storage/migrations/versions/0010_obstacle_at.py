"""leader view: key_results.obstacle_at, the time of the latest check-in with an obstacle, kept by triggers (issue 15)

The leader view lists off-track key results oldest obstacle first. Finding each one's latest obstacle among
its check-ins cost one index probe per off-track key result (20,230 of them for a VP over 5,020 people);
the column makes it a read of the key result's own row. Triggers on check_ins keep it in the writing
transaction, whoever writes: the OKR service, imports, bulk loads, erasure, cascades. A check-in counts as
an obstacle when its `obstacles` text is not empty (as the partial index ix_check_ins_obstacle). On SQLite,
a later migration that recreates check_ins (batch mode) must create these triggers again.

Revision ID: obstacle_at
Revises: review
"""
from alembic import op
import sqlalchemy as sa
import storage.db


revision = 'obstacle_at'
down_revision = 'review'
branch_labels = None
depends_on = None

LATEST = ("(SELECT max(c.created_at) FROM check_ins c "
          "WHERE c.key_result_id = key_results.id AND c.obstacles != '')")
BACKFILL = f"UPDATE key_results SET obstacle_at = {LATEST}"

SQLITE = (
    # A new obstacle moves the time forward (check-ins may arrive out of order: only a later one does).
    """CREATE TRIGGER check_ins_obstacle_at_insert AFTER INSERT ON check_ins WHEN NEW.obstacles != ''
    BEGIN
        UPDATE key_results SET obstacle_at = NEW.created_at
        WHERE id = NEW.key_result_id AND (obstacle_at IS NULL OR obstacle_at < NEW.created_at);
    END""",
    # An edited or deleted check-in: the latest is found again among what is left.
    f"""CREATE TRIGGER check_ins_obstacle_at_update AFTER UPDATE OF obstacles, created_at, key_result_id
    ON check_ins
    BEGIN
        UPDATE key_results SET obstacle_at = {LATEST} WHERE id IN (OLD.key_result_id, NEW.key_result_id);
    END""",
    f"""CREATE TRIGGER check_ins_obstacle_at_delete AFTER DELETE ON check_ins WHEN OLD.obstacles != ''
    BEGIN
        UPDATE key_results SET obstacle_at = {LATEST} WHERE id = OLD.key_result_id;
    END""",
)
POSTGRESQL = (
    f"""CREATE FUNCTION key_results_obstacle_at() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            UPDATE key_results SET obstacle_at = NEW.created_at
            WHERE id = NEW.key_result_id AND (obstacle_at IS NULL OR obstacle_at < NEW.created_at);
        ELSIF TG_OP = 'UPDATE' THEN
            UPDATE key_results SET obstacle_at = {LATEST} WHERE id IN (OLD.key_result_id, NEW.key_result_id);
        ELSE
            UPDATE key_results SET obstacle_at = {LATEST} WHERE id = OLD.key_result_id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER check_ins_obstacle_at_insert AFTER INSERT ON check_ins FOR EACH ROW
    WHEN (NEW.obstacles != '') EXECUTE FUNCTION key_results_obstacle_at()""",
    """CREATE TRIGGER check_ins_obstacle_at_update AFTER UPDATE OF obstacles, created_at, key_result_id
    ON check_ins FOR EACH ROW EXECUTE FUNCTION key_results_obstacle_at()""",
    """CREATE TRIGGER check_ins_obstacle_at_delete AFTER DELETE ON check_ins FOR EACH ROW
    WHEN (OLD.obstacles != '') EXECUTE FUNCTION key_results_obstacle_at()""",
)
TRIGGERS = ("check_ins_obstacle_at_insert", "check_ins_obstacle_at_update", "check_ins_obstacle_at_delete")


def upgrade() -> None:
    op.add_column('key_results', sa.Column('obstacle_at', storage.db.UTCDateTime(), nullable=True))
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)
    op.execute(BACKFILL)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON check_ins" if postgresql else f"DROP TRIGGER IF EXISTS {name}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS key_results_obstacle_at()")
    # Not batch mode: on SQLite it would copy key_results and drop the old table, and with foreign keys on,
    # dropping it deletes every check-in by cascade. SQLite 3.35 and later drop a column in place.
    op.execute("ALTER TABLE key_results DROP COLUMN obstacle_at")
