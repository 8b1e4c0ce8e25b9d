"""The Web API client and the directory port: who a Slack user is, by id or email, and a message's permalink."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.core.ports import SlackUser

ClientFor = Callable[[str], WebClient]


def make_client(token: str | None, base_url: str, timeout: int = 10, *, retry_rate_limits: int = 0) -> WebClient:
    """The real WebClient, pointed at `base_url` (Slack, or the loopback stand-in).

    `retry_rate_limits`: how many 429s to wait out in the calling thread (for direct replies such as
    views.publish; the outbox sender handles 429 itself and must not sleep in a worker).
    """
    client = WebClient(token=token, base_url=base_url, timeout=timeout)
    if retry_rate_limits:
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=retry_rate_limits))
    return client


class SlackDirectory:
    """`ports.Directory` over the Web API."""

    def __init__(self, client_for: ClientFor) -> None:
        self._client_for = client_for

    def user(self, team_id: str, user_id: str) -> SlackUser | None:
        """users.info, or None for an unknown user."""
        try:
            answer = self._client_for(team_id).users_info(user=user_id)
        except SlackApiError as error:
            if error.response.get("error") in ("user_not_found", "users_not_found"):
                return None
            raise
        return _slack_user(answer["user"])

    def user_by_email(self, team_id: str, email: str) -> SlackUser | None:
        """users.lookupByEmail, or None."""
        try:
            answer = self._client_for(team_id).users_lookupByEmail(email=email)
        except SlackApiError as error:
            if error.response.get("error") in ("users_not_found", "user_not_found"):
                return None
            raise
        return _slack_user(answer["user"])

    def permalink(self, team_id: str, channel: str, ts: str) -> str | None:
        """chat.getPermalink, or None when Slack refuses."""
        try:
            return self._client_for(team_id).chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
        except SlackApiError:
            return None


def _slack_user(user: dict[str, Any]) -> SlackUser:
    profile = user.get("profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
    return SlackUser(user_id=user["id"], name=name or user["id"], tz=user.get("tz"), email=profile.get("email"),
                     is_bot=bool(user.get("is_bot")) or user.get("id") == "USLACKBOT",
                     deleted=bool(user.get("deleted")), is_admin=bool(user.get("is_admin") or user.get("is_owner")))
