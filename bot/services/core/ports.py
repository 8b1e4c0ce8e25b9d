"""What services need from Slack, as plain protocols: services never import a Slack client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SlackUser:
    """A Slack user as users.info describes them."""

    user_id: str
    name: str
    tz: str | None = None
    email: str | None = None
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False


class Directory(Protocol):
    """Looks people and messages up in Slack (implemented by bot.slack_directory.SlackDirectory)."""

    def user(self, team_id: str, user_id: str) -> SlackUser | None:
        """The user, or None when Slack does not know them."""

    def user_by_email(self, team_id: str, email: str) -> SlackUser | None:
        """The user with this email, or None."""

    def permalink(self, team_id: str, channel: str, ts: str) -> str | None:
        """A link to the message, or None when Slack will not give one."""
