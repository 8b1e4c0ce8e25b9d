"""Misconfiguration found before anything starts, each as one line naming the setting and the problem."""

from __future__ import annotations

import errno
import socket

from bot.settings import ConfigError, Settings


def database_problem(error: BaseException) -> str:
    """One line for a database that cannot be used (unreachable, missing, unwritable, refused)."""
    orig = getattr(error, "orig", None) or error
    reason = (str(orig).strip().splitlines() or [error.__class__.__name__])[0]
    hint = ""
    if "unable to open database file" in reason or "readonly database" in reason:
        hint = " (does the SQLite file's directory exist, and may okrbot write there?)"
    elif "does not exist" in reason and "database" in reason:
        hint = " (create it, e.g. `createdb`, then run `okrbot migrate`)"
    elif "Connection refused" in reason or "resolve host" in reason or "timeout" in reason.lower():
        hint = " (is PostgreSQL running, and is DATABASE_URL's host and port right?)"
    return f"DATABASE_URL: cannot use the database: {reason}{hint}"


def check_port(bind: str) -> None:
    """Raise ConfigError when host:port cannot be bound (in use, or not allowed)."""
    host, _, port = bind.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise ConfigError(f"--bind {bind!r} is not host:port.") from None
    with socket.socket(socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]") or "0.0.0.0", number))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ConfigError(f"port {number} is already in use: stop what listens there, or set PORT "
                                  "(or --bind) to another port.") from None
            raise ConfigError(f"cannot listen on {bind}: {error.strerror}.") from None


def check_bot_token(settings: Settings) -> None:
    """Ask Slack once (auth.test) whether SLACK_BOT_TOKEN works, before starting workers that would each fail."""
    if not settings.slack_bot_token:
        return
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url,
                       timeout=10)
    try:
        client.auth_test()
    except SlackApiError as error:
        raise ConfigError(f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error')}): copy the Bot User "
                          "OAuth Token (xoxb-…) from the app's OAuth & Permissions page.") from None
    except OSError as error:
        raise ConfigError(f"cannot reach Slack at SLACK_API_URL {settings.slack_api_url}: {error}.") from None
