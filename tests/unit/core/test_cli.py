"""The okrbot command as an operator uses it: clear one-line failures, migrate, manifest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.stack import SECRET_KEY

ROOT = Path(__file__).resolve().parents[3]
CREDENTIALS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


def okrbot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `okrbot ARGS` in a clean environment (no credentials unless given)."""
    clean = {k: v for k, v in os.environ.items() if k not in CREDENTIALS and not k.startswith("OKRBOT_")}
    clean.update(env)
    return subprocess.run([sys.executable, "-c", "from bot.cli import main; main()", *args], cwd=cwd, env=clean,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("command", "named"), [("serve", "SLACK_SIGNING_SECRET"), ("socket", "SLACK_APP_TOKEN"),
                                                ("scheduler", "SLACK_BOT_TOKEN")])
def test_modes_without_credentials_fail_in_one_line(tmp_path: Path, command: str, named: str) -> None:
    """serve, socket and scheduler without their variables print one line naming it, no traceback."""
    result = okrbot(command, cwd=tmp_path)
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_refuses_an_outdated_schema(tmp_path: Path) -> None:
    """On a non-default database that was never migrated, serve says to run `okrbot migrate`."""
    url = f"sqlite:///{tmp_path / 'other.db'}"
    result = okrbot("serve", cwd=tmp_path, SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1", DATABASE_URL=url,
                    OKRBOT_SECRET_KEY=SECRET_KEY)
    assert result.returncode == 1
    assert "okrbot migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    """`okrbot migrate` brings an empty database to head; a second run changes nothing."""
    url = f"sqlite:///{tmp_path / 'okrbot.db'}"
    first = okrbot("migrate", cwd=tmp_path, DATABASE_URL=url)
    second = okrbot("migrate", cwd=tmp_path, DATABASE_URL=url)
    assert first.returncode == 0 and "was empty" in first.stdout
    assert second.returncode == 0 and "was" not in second.stdout


def test_manifest_command_prints_pasteable_yaml(tmp_path: Path) -> None:
    """`okrbot manifest --url` prints YAML with the request URLs on that host."""
    result = okrbot("manifest", "--url", "https://okr.example.net", cwd=tmp_path)
    data = yaml.safe_load(result.stdout)
    assert data["settings"]["event_subscriptions"]["request_url"] == "https://okr.example.net/slack/events"
    assert data["display_information"]["name"] == "okrbot"
