"""Workspaces: install and uninstall bookkeeping."""

from __future__ import annotations

from sqlalchemy import update

from bot.services.context import ServiceContext
from storage.models import OutboundMessage, Workspace


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
