"""`okrbot manifest [--url URL | --socket-mode]`: manifest.yml ready for Slack's "Create an app from a manifest"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"  # packaged; the top-level copy is kept equal by a test


@click.command()
@click.option("--url", default=None, help="Public base URL of `okrbot serve`, e.g. https://okrbot.example.com")
@click.option("--socket-mode", is_flag=True, help="Print the manifest for Socket Mode (no request URLs).")
def manifest(url: str | None, socket_mode: bool) -> None:
    """Print manifest.yml ready for Slack's "Create an app from a manifest"."""
    click.echo(render_manifest(url, socket_mode=socket_mode), nl=False)


def render_manifest(url: str | None, *, socket_mode: bool = False) -> str:
    """manifest.yml with request URLs pointed at `url` (or Socket Mode switched on)."""
    import yaml

    data = yaml.safe_load(MANIFEST.read_text())
    settings_block = data.setdefault("settings", {})
    if socket_mode:
        settings_block["socket_mode_enabled"] = True
        _strip_urls(data)
    elif url:
        base = url.rstrip("/")
        settings_block["socket_mode_enabled"] = False
        settings_block.setdefault("event_subscriptions", {})["request_url"] = f"{base}/slack/events"
        settings_block.setdefault("interactivity", {})["request_url"] = f"{base}/slack/events"
        for command in data.get("features", {}).get("slash_commands", []):
            command["url"] = f"{base}/slack/events"
        data.setdefault("oauth_config", {})["redirect_urls"] = [f"{base}/slack/oauth_redirect"]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _strip_urls(data: dict[str, Any]) -> None:
    settings_block = data.get("settings", {})
    settings_block.get("event_subscriptions", {}).pop("request_url", None)
    settings_block.get("interactivity", {}).pop("request_url", None)
    for command in data.get("features", {}).get("slash_commands", []):
        command.pop("url", None)
    data.get("oauth_config", {}).pop("redirect_urls", None)


def register(cli: click.Group) -> None:
    """Add `okrbot manifest`."""
    cli.add_command(manifest)
