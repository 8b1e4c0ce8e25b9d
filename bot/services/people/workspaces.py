"""Workspaces: install and uninstall bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Table, delete, func, inspect, select, text, update
from sqlalchemy.orm import Session

from bot.services.core.context import ServiceContext
from bot.services.core.errors import UserFacingError
from storage.db import Base
from storage.models import Workspace
from storage.models_delivery import OutboundMessage

# slack_sdk's OAuth tables (revision prod_oauth): tokens and install history, keyed by team_id too.
SLACK_TEAM_TABLES = ("slack_installations", "slack_bots")


@dataclass(frozen=True)
class WorkspaceRow:
    """One workspace as `okrbot workspaces` lists it."""

    team_id: str
    name: str
    installed_at: datetime
    uninstalled_at: datetime | None
    people: int


class WorkspaceService:
    """Records installs and uninstalls of okrbot per Slack team."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def installed(self, *, team_id: str, name: str = "", bot_user_id: str | None = None) -> None:
        """Remember (or re-activate) a workspace."""
        with self._ctx.sessions.begin() as session:
            workspace = session.get(Workspace, team_id)
            if workspace is None:
                workspace = Workspace(team_id=team_id, installed_at=self._ctx.clock())
                session.add(workspace)
            workspace.name = name or workspace.name
            workspace.bot_user_id = bot_user_id or workspace.bot_user_id
            workspace.uninstalled_at = None

    def uninstalled(self, *, team_id: str) -> int:
        """Mark the workspace uninstalled and fail its pending deliveries; returns how many were cancelled."""
        now = self._ctx.clock()
        with self._ctx.sessions.begin() as session:
            workspace = session.get(Workspace, team_id)
            if workspace is None:
                session.add(Workspace(team_id=team_id, installed_at=now, uninstalled_at=now))
            else:
                workspace.uninstalled_at = now
            result = session.execute(update(OutboundMessage).where(
                OutboundMessage.team_id == team_id, OutboundMessage.status.in_(("pending", "sending")))
                .values(status="failed", last_error="workspace uninstalled okrbot"))
            return result.rowcount or 0

    def listing(self) -> list[WorkspaceRow]:
        """Every workspace okrbot knows, installed ones first, with how many people it has."""
        from storage.models import Person

        with self._ctx.sessions() as session:
            people = dict(session.execute(select(Person.team_id, func.count()).group_by(Person.team_id)).all())
            rows = session.scalars(select(Workspace).order_by(Workspace.uninstalled_at.is_not(None),
                                                               Workspace.team_id)).all()
            return [WorkspaceRow(w.team_id, w.name, w.installed_at, w.uninstalled_at, people.get(w.team_id, 0))
                    for w in rows]

    def purge_expired_oauth_states(self) -> int:
        """Delete OAuth states (installs started, never finished) past their expiry; returns how many."""
        now = self._ctx.clock().astimezone(UTC).replace(tzinfo=None)  # slack_sdk stores naive UTC
        with self._ctx.sessions.begin() as session:
            if "slack_oauth_states" not in inspect(session.connection()).get_table_names():
                return 0
            return session.execute(text("DELETE FROM slack_oauth_states WHERE expire_at < :now"),
                                   {"now": now}).rowcount or 0

    def purge(self, team_id: str, *, dry_run: bool) -> dict[str, int]:
        """Delete every row of an uninstalled workspace (all tables with its team_id, and their link tables).

        Returns rows per table (counted, or deleted); refuses a workspace that is installed or unknown.
        """
        with self._ctx.sessions.begin() as session:
            workspace = session.get(Workspace, team_id)
            if workspace is None:
                raise UserFacingError(f"no workspace {team_id}: `okrbot workspaces` lists them")
            if workspace.uninstalled_at is None:
                raise UserFacingError(f"workspace {team_id} is installed: uninstall okrbot from it first")
            counts: dict[str, int] = {}
            for table in reversed(Base.metadata.sorted_tables):  # children before their parents
                where = _team_rows(table, team_id)
                if where is None:
                    continue
                count = session.scalar(select(func.count()).select_from(table).where(where)) or 0
                if count and not dry_run:
                    session.execute(delete(table).where(where))
                if count:
                    counts[table.name] = count
            counts.update(_purge_slack_tables(session, team_id, dry_run=dry_run))
            if dry_run:
                session.rollback()
            return counts


def _team_rows(table: Table, team_id: str):  # noqa: ANN202 - a SQL condition, or None
    """The condition selecting `team_id`'s rows of `table` (through a parent for link tables)."""
    if "team_id" in table.c:
        return table.c.team_id == team_id
    for fk in table.foreign_keys:
        parent = fk.column.table
        if "team_id" in parent.c:
            return fk.parent.in_(select(fk.column).where(parent.c.team_id == team_id))
    return None


def _purge_slack_tables(session: Session, team_id: str, *, dry_run: bool) -> dict[str, int]:
    existing = set(inspect(session.connection()).get_table_names())
    counts: dict[str, int] = {}
    for name in SLACK_TEAM_TABLES:
        if name not in existing:
            continue
        count = session.execute(text(f"SELECT COUNT(*) FROM {name} WHERE team_id = :team"),
                                {"team": team_id}).scalar() or 0
        if count and not dry_run:
            session.execute(text(f"DELETE FROM {name} WHERE team_id = :team"), {"team": team_id})
        if count:
            counts[name] = count
    return counts
