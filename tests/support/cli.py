"""Running `okrbot` in tests: in-process through click's runner, or as a real process (OKRBOT, from ROOT)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from bot.cli import cli
from tests.support.stack import BOT_TOKEN, SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
OKRBOT = [sys.executable, "-c", "from bot.cli import main; main()"]


def cli_variables(runtime: Any, slack: Any = None, **extra: str) -> dict[str, str]:
    """The environment `okrbot` reads: the runtime's database (and, given `slack`, the loopback Slack)."""
    values = {"DATABASE_URL": runtime.settings.database_url, "LOG_LEVEL": "WARNING",
              "OKRBOT_SECRET_KEY": runtime.settings.secret_key.get_secret_value() if runtime.settings.secret_key
              else SECRET_KEY}
    if slack is not None:
        values |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.base_url}
    return values | extra


def invoke(variables: dict[str, str], *args: str) -> Result:
    """Run `okrbot args…` in-process with these environment variables."""
    return CliRunner().invoke(cli, list(args), env=variables, catch_exceptions=False)
