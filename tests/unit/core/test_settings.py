"""Settings: every variable of DESIGN.md, one clear line per missing requirement, secrets never shown."""

from __future__ import annotations

import logging

import pytest

from bot.settings import ConfigError, Settings, load_settings

DESIGN_VARIABLES = [
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET",
    "SLACK_API_URL", "DATABASE_URL", "PORT", "OKRBOT_KUDOS_REACTIONS", "OKRBOT_KUDOS_DAILY_LIMIT",
    "OKRBOT_KUDOS_CHANNEL", "OKRBOT_OKR_CHANNEL", "OKRBOT_NUDGE_DAY", "OKRBOT_NUDGE_HOUR",
    "OKRBOT_DEFAULT_TIMEZONE", "OKRBOT_REQUEST_REMINDER_DAYS", "OKRBOT_SEND_RATE", "OKRBOT_ADMINS",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    """No variable or .env of the developer's leaks into these tests."""
    for name in DESIGN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_every_design_variable_is_a_setting() -> None:
    """Each variable of DESIGN.md's settings table is read by Settings."""
    aliases = {field.alias for field in Settings.model_fields.values()}
    assert set(DESIGN_VARIABLES) <= aliases


def test_defaults_match_the_design() -> None:
    """The defaults are the ones DESIGN.md documents."""
    s = load_settings()
    assert (s.slack_api_url, s.database_url, s.port) == ("https://slack.com/api/", "sqlite:///okrbot.db", 3000)
    assert s.kudos_reactions == ("clap", "tada", "raised_hands")
    assert (s.kudos_daily_limit, s.nudge_day, s.nudge_hour, s.default_timezone) == (5, 15, 10, "UTC")
    assert (s.request_reminder_days, s.send_rate, s.admins) == (3, 20.0, frozenset())


def test_env_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    """Variables come from the environment, and from .env in the working directory."""
    (tmp_path / ".env").write_text("OKRBOT_NUDGE_DAY=20\nOKRBOT_KUDOS_REACTIONS=:heart:, fire\n")
    monkeypatch.setenv("OKRBOT_ADMINS", "U1, U2")
    s = load_settings()
    assert s.nudge_day == 20
    assert s.kudos_reactions == ("heart", "fire")
    assert s.admins == frozenset({"U1", "U2"})


@pytest.mark.parametrize(("mode", "env", "named"), [
    ("http", {}, "SLACK_SIGNING_SECRET"),
    ("http", {"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
    ("socket", {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
    ("socket", {"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN"),
    ("scheduler", {}, "SLACK_BOT_TOKEN"),
])
def test_a_mode_missing_a_variable_fails_with_one_line_naming_it(
        monkeypatch: pytest.MonkeyPatch, mode: str, env: dict[str, str], named: str) -> None:
    """HTTP, Socket Mode and the scheduler each name the first variable they lack, on one line."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    s = load_settings()
    check = {"http": s.require_http, "socket": s.require_socket, "scheduler": s.require_bot_token}[mode]
    with pytest.raises(ConfigError) as caught:
        check()
    assert str(caught.value).startswith(named)
    assert "\n" not in str(caught.value)


def test_oauth_credentials_satisfy_http_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a client id and secret (many workspaces), HTTP mode needs no bot token."""
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setenv("SLACK_CLIENT_ID", "123.456")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "shh")
    load_settings().require_http()


@pytest.mark.parametrize(("name", "value"), [("OKRBOT_NUDGE_DAY", "31"), ("OKRBOT_DEFAULT_TIMEZONE", "Mars/Olympus"),
                                             ("PORT", "http"), ("OKRBOT_SEND_RATE", "0")])
def test_invalid_values_fail_with_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch, name: str,
                                                               value: str) -> None:
    """A bad value is reported by its environment variable name, not a pydantic traceback."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(name)
    assert "\n" not in str(caught.value)


def test_secrets_never_appear_in_repr_or_logs(monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    """Tokens and secrets are SecretStr: printing or logging the settings shows no secret."""
    secrets = {"SLACK_BOT_TOKEN": "xoxb-very-secret", "SLACK_SIGNING_SECRET": "sign-very-secret",
               "SLACK_APP_TOKEN": "xapp-very-secret", "SLACK_CLIENT_SECRET": "client-very-secret"}
    for key, value in secrets.items():
        monkeypatch.setenv(key, value)
    s = load_settings()
    with caplog.at_level(logging.INFO):
        logging.getLogger("okrbot").info("settings: %s %r", s, s)
    shown = repr(s) + str(s) + caplog.text + s.model_dump_json()
    assert not [v for v in secrets.values() if v in shown]
