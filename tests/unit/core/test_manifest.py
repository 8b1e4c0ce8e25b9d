"""manifest.yml is Slack's truth about okrbot: valid against the official schema, and equal to the listeners."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from bot.commands.manifest import render_manifest
from bot.handlers import register_all

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "tests" / "fixtures" / "slack-reference"
SCHEMA_URL = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


class RecordingApp:
    """Records what handlers register through Bolt's decorator API (the registration surface only)."""

    def __init__(self) -> None:
        self.registered: dict[str, set[Any]] = {k: set() for k in
                                                ("command", "event", "shortcut", "action", "view", "options")}

    def _recorder(self, kind: str):  # noqa: ANN202
        def decorator_factory(key: Any = None, *args: Any, **kwargs: Any):  # noqa: ANN202
            if isinstance(key, dict):
                key = key.get("callback_id") or key.get("action_id") or key.get("type")
            self.registered[kind].add(key.pattern if isinstance(key, re.Pattern) else key)
            return lambda fn: fn

        return decorator_factory

    def __getattr__(self, name: str) -> Any:
        aliases = {"command": "command", "event": "event", "shortcut": "shortcut", "message_shortcut": "shortcut",
                   "global_shortcut": "shortcut", "action": "action", "block_action": "action", "view": "view",
                   "view_submission": "view", "view_closed": "view", "options": "options", "block_suggestion":
                   "options"}
        if name in aliases:
            return self._recorder(aliases[name])
        if name in ("use", "middleware", "error"):
            return lambda fn=None, *a, **k: fn
        raise AttributeError(name)


def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def registered() -> dict[str, set[Any]]:
    app = RecordingApp()
    register_all(app)  # type: ignore[arg-type]
    return app.registered


def validator() -> Draft7Validator:
    schemas = REFERENCE / "manifest-schema"
    resources = [(SCHEMA_URL + p.name, Resource.from_contents(json.loads(p.read_text())))
                 for p in (schemas / "schemas").glob("*.json")]
    root = json.loads((schemas / "manifest.schema.json").read_text())
    return Draft7Validator(root, registry=Registry().with_resources(resources))


@pytest.mark.parametrize("rendered", ["file", "http", "socket"])
def test_manifest_validates_against_slacks_schema(rendered: str) -> None:
    """manifest.yml, and what `okrbot manifest` prints for HTTP and Socket Mode, pass Slack's JSON Schema."""
    data = manifest() if rendered == "file" else yaml.safe_load(
        render_manifest("https://okrbot.example.com" if rendered == "http" else None, socket_mode=rendered == "socket"))
    errors = sorted(validator().iter_errors(data), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_every_declared_command_has_a_listener_and_back() -> None:
    """Slash commands in manifest.yml are exactly the ones the app registers."""
    declared = {c["command"] for c in manifest()["features"]["slash_commands"]}
    assert declared == registered()["command"]


def test_every_declared_event_has_a_listener_and_back() -> None:
    """Bot events in manifest.yml (message.* collapse to message) are exactly the app's event listeners."""
    declared = {e.split(".")[0] for e in manifest()["settings"]["event_subscriptions"]["bot_events"]}
    events = {e for e in registered()["event"] if isinstance(e, str)}
    assert declared == events


def test_every_declared_shortcut_has_a_listener_and_back() -> None:
    """Shortcut callback ids in manifest.yml are exactly the app's shortcut listeners."""
    declared = {s["callback_id"] for s in manifest()["features"].get("shortcuts", [])}
    assert declared == registered()["shortcut"]


def test_interactivity_is_on_when_the_app_has_buttons_or_modals() -> None:
    """Actions and view submissions need interactivity enabled."""
    listeners = registered()
    if listeners["action"] or listeners["view"]:
        assert manifest()["settings"]["interactivity"]["is_enabled"] is True


def test_declared_events_have_their_scopes() -> None:
    """Each subscribed event's required scope (from Slack's event reference) is requested."""
    events = {e["name"]: e for e in json.loads((REFERENCE / "events" / "events.json").read_text())}
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    missing = []
    for name in manifest()["settings"]["event_subscriptions"]["bot_events"]:
        info = events.get(name) or {}
        needed = set(info.get("scopes") or [])
        if needed and not needed & scopes:
            missing.append(f"{name} needs one of {sorted(needed)}")
    assert missing == []


def called_methods() -> set[str]:
    """Web API methods the code calls: client.chat_postMessage(...) style and outbox `method=` strings."""
    found: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        text = path.read_text()
        for family, rest in re.findall(r"\.(chat|users|conversations|reactions|views|team)_([a-zA-Z]+)\(", text):
            found.add(f"{family}.{rest}")
        found.update(re.findall(r"method=\"((?:chat|views|reactions|conversations)\.[a-zA-Z]+)\"", text))
    return found


def test_called_methods_have_their_scopes() -> None:
    """Every Web API method okrbot calls has its bot scope in the manifest (from Slack's method reference)."""
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    missing = []
    for method in sorted(called_methods()):
        reference = REFERENCE / "methods" / f"{method}.json"
        if not reference.exists():
            continue
        needed = set((json.loads(reference.read_text()).get("scope") or {}).get("bot") or [])
        if needed and not needed & scopes:
            missing.append(f"{method} needs one of {sorted(needed)}")
    assert {"users.info", "chat.getPermalink"} <= called_methods()  # the scan does find calls
    assert missing == []


def test_manifest_url_fills_every_request_url() -> None:
    """`okrbot manifest --url` points events, interactivity, commands and OAuth at that host."""
    data = yaml.safe_load(render_manifest("https://okr.example.org/"))
    urls = [data["settings"]["event_subscriptions"]["request_url"], data["settings"]["interactivity"]["request_url"],
            *[c["url"] for c in data["features"]["slash_commands"]]]
    assert set(urls) == {"https://okr.example.org/slack/events"}
    assert data["oauth_config"]["redirect_urls"] == ["https://okr.example.org/slack/oauth_redirect"]
    assert data["settings"]["socket_mode_enabled"] is False


def test_socket_mode_manifest_has_no_request_urls() -> None:
    """The Socket Mode manifest switches socket mode on and carries no URLs."""
    text = render_manifest(None, socket_mode=True)
    data = yaml.safe_load(text)
    assert data["settings"]["socket_mode_enabled"] is True
    assert "https://" not in text.replace("https://example.com/slack/oauth_redirect", "")


def test_packaged_manifest_equals_the_top_level_copy() -> None:
    """bot/manifest.yml (in the wheel, read by `okrbot manifest` and the sandbox) is byte-equal to manifest.yml."""
    assert (ROOT / "bot" / "manifest.yml").read_bytes() == (ROOT / "manifest.yml").read_bytes(), (
        "edit bot/manifest.yml and copy it to manifest.yml (cp bot/manifest.yml manifest.yml)")
