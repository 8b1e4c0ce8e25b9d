"""Small readings of Slack payloads and replies shared by the feature listeners (no rules, no SQL)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient


def team_of(body: dict[str, Any]) -> str:
    """The workspace a payload comes from."""
    return (body.get("team") or {}).get("id") or body.get("team_id", "")


def open_modal(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    """Open a modal, or push it when the click came from inside a modal."""
    if (body.get("view") or {}).get("type") == "modal":
        client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)
