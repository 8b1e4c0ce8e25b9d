"""Replies shared by the feature listeners: open (or push) a modal, tell one person privately (no rules, no SQL)."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.handlers.reading import in_modal, trigger_of


def open_modal(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    """Open a modal, or push it when the click came from inside a modal."""
    if in_modal(body):
        client.views_push(trigger_id=trigger_of(body), view=view)
    else:
        client.views_open(trigger_id=trigger_of(body), view=view)


def tell_privately(client: WebClient, *, user: str, text: str, channel: str | None = None,
                   response_url: str | None = None, blocks: list[dict[str, Any]] | None = None) -> None:
    """Reach one person only: through the response_url, else an ephemeral in the channel, else their DM."""
    if response_url:
        from slack_sdk.webhook import WebhookClient

        WebhookClient(response_url).send(text=text, blocks=blocks, response_type="ephemeral",
                                         replace_original=False)
    elif channel and not str(channel).startswith("D"):
        client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
    else:
        client.chat_postMessage(channel=user, text=text, blocks=blocks)
