"""`okrbot socket` as an operator runs it: the real command in a subprocess, Slack's Web API and Socket Mode on
loopback (FakeSlack answers apps.connections.open with a FakeSocketMode URL)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.payloads import app_home_opened_event, event_callback, slash_command, view_submission
from tests.support.db import truncate_postgres
from tests.support.socket_mode_peer import FakeSocketMode
from tests.support.stack import BOT_TOKEN, SECRET_KEY, TEAM, populate

APP_TOKEN = "xapp-1-A0OKRBOT01-2001-5f1c0ffee"
OKRBOT = [sys.executable, "-c", "from bot.cli import main; main()"]
# Nothing from the developer's shell may leak in: credentials, okrbot settings, or a proxy the socket would use.
LEAKY = ("SLACK_", "OKRBOT_", "DATABASE_URL", "LOG_LEVEL", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy",
         "https_proxy", "all_proxy")


def environment(**values: str) -> dict[str, str]:
    """The test's environment without anything okrbot or slack_sdk would read, plus `values`."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(LEAKY)}
    return {**clean, "OKRBOT_SECRET_KEY": SECRET_KEY, **values}


@dataclass
class SocketApp:
    """A running `okrbot socket` and the Slack it talks to."""

    process: subprocess.Popen[bytes]
    slack: FakeSlack
    peer: FakeSocketMode
    log: Path

    def output(self) -> str:
        """Everything the process wrote so far (stdout and stderr)."""
        return self.log.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 10.0) -> None:
        """Block until `text` appears in the process's output."""
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not logged within {timeout}s; output:\n{self.output()[-3000:]}")
            time.sleep(0.05)

    def terminate(self) -> int:
        """SIGTERM, then SIGKILL if it lingers; returns the exit code once nothing of the process group is left."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            code = self.process.wait(timeout=10)
        with pytest.raises(ProcessLookupError):
            os.killpg(self.process.pid, 0)  # the whole group is gone: no stray child survives
        return code

    def close(self) -> None:
        """Stop the process (if still running), the socket peer and the fake Slack."""
        try:
            self.terminate()
        finally:
            self.peer.stop()
            self.slack.stop()


def migrate(database_url: str, cwd: Path) -> None:
    """`okrbot migrate`, as an operator runs it before the first start."""
    result = subprocess.run([*OKRBOT, "migrate"], cwd=cwd, env=environment(DATABASE_URL=database_url),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def start_socket_app(database_url: str, directory: Path, *, app_token: str = APP_TOKEN, bot_token: str = BOT_TOKEN,
                     wait: bool = True, arrange: Callable[[FakeSlack], None] | None = None) -> SocketApp:
    """FakeSlack (+ `arrange`) and FakeSocketMode, then `okrbot socket` in its own process group (connected
    when wait=True)."""
    slack = FakeSlack(team_id=TEAM, team_name="Acme", bot_user_id="UBOT", bot_token=BOT_TOKEN).start()
    populate(slack)
    if arrange is not None:
        arrange(slack)
    peer = FakeSocketMode().start()
    slack.socket_mode_url = peer.url
    log = directory / "okrbot-socket.log"
    env = environment(SLACK_APP_TOKEN=app_token, SLACK_BOT_TOKEN=bot_token, SLACK_API_URL=slack.base_url,
                      DATABASE_URL=database_url)
    with log.open("wb") as sink:
        # cwd is a scratch directory, so no .env of the developer's is read.
        process = subprocess.Popen([*OKRBOT, "socket"], cwd=directory, env=env, stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    app = SocketApp(process, slack, peer, log)
    if wait and not peer.connected.wait(60):
        app.close()
        raise AssertionError(f"okrbot socket did not connect; output:\n{app.output()[-3000:]}")
    return app


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SocketApp]:
    """One `okrbot socket` per database (a fresh SQLite file, or the run's PostgreSQL), migrated by the CLI."""
    directory = tmp_path_factory.mktemp(f"socket-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{directory / 'okrbot.db'}"
    else:
        url = request.getfixturevalue("pg_url")
        truncate_postgres(url)
    migrate(url, directory)
    running = start_socket_app(url, directory)
    try:
        yield running
    finally:
        running.close()


def okr_help(app: SocketApp, user: str) -> tuple[str, str]:
    """Send `/okr help` as Slack does over Socket Mode; returns (envelope id, path of its response_url)."""
    response_url = app.slack.new_response_url(channel="CGENERAL", user=user)
    envelope_id = app.peer.send_request(slash_command(TEAM, user, "/okr", "help", channel_id="CGENERAL",
                                                      response_url=response_url))
    return envelope_id, urlsplit(response_url).path


def home_opened(app: SocketApp, user: str, event_id: str, **options: object) -> str:
    """Send app_home_opened for `user` as an events_api envelope; returns the envelope id."""
    built = event_callback(TEAM, app_home_opened_event(user, channel=app.slack.dm_channel(user)), event_id=event_id)
    return app.peer.send_request(built, **options)


def publishes_for(app: SocketApp, user: str) -> int:
    return len([call for call in app.slack.calls_to("views.publish") if call.args.get("user_id") == user])


# --------------------------------------------------------------------------- requests over the socket


def test_slash_command_is_acknowledged_then_answered_privately(app: SocketApp) -> None:
    """/okr help over Socket Mode: the envelope is acked, and the usage reaches the person as an ephemeral."""
    envelope_id, path = okr_help(app, "URAVI")
    ack = app.peer.wait_for_ack(envelope_id, timeout=10)
    assert ack["envelope_id"] == envelope_id
    [reply] = app.slack.wait_for("response_url", lambda call: call.url == path, timeout=10)
    assert reply.args["response_type"] == "ephemeral"
    assert "/okr new" in reply.args["text"]
    assert any("/okr new" in e["text"] for e in app.slack.ephemerals("URAVI"))


def test_app_home_opened_publishes_the_home_tab(app: SocketApp) -> None:
    """An events_api envelope for app_home_opened is acked and publishes that person's Home tab."""
    envelope_id = home_opened(app, "ULENA", "EvSOCKHOME1")
    assert app.peer.wait_for_ack(envelope_id, timeout=10)["envelope_id"] == envelope_id
    app.slack.wait_for("views.publish", lambda call: call.args.get("user_id") == "ULENA", timeout=10)
    assert app.slack.home_view("ULENA")["type"] == "home"


def test_a_retried_event_is_acked_and_processed_once(app: SocketApp) -> None:
    """Slack's redelivery (same event_id, retry_attempt 1) is acknowledged and dropped: one Home publish."""
    app.peer.wait_for_ack(home_opened(app, "UPAT", "EvSOCKRETRY1"), timeout=10)
    app.slack.wait_for("views.publish", lambda call: call.args.get("user_id") == "UPAT", timeout=10)
    retry = home_opened(app, "UPAT", "EvSOCKRETRY1", retry_attempt=1, retry_reason="timeout")
    app.peer.wait_for_ack(retry, timeout=10)
    # The retry headers reach the inbox middleware, which says what it dropped.
    app.wait_for_log("dropping event EvSOCKRETRY1 already received (retry 1)")
    # A later event for someone else is published; the dropped retry published nothing meanwhile.
    app.peer.wait_for_ack(home_opened(app, "UADMIN", "EvSOCKMARK1"), timeout=10)
    app.slack.wait_for("views.publish", lambda call: call.args.get("user_id") == "UADMIN", timeout=10)
    assert publishes_for(app, "UPAT") == 1


def test_modal_field_errors_come_back_in_the_ack(app: SocketApp) -> None:
    """A view_submission the service refuses is answered in the ack payload with errors under the field."""
    response_url = app.slack.new_response_url(channel="CGENERAL", user="UMARIA")
    app.peer.send_request(slash_command(TEAM, "UMARIA", "/kudos", "", channel_id="CGENERAL",
                                        response_url=response_url))
    app.slack.wait_for("views.open", timeout=10)
    form = app.slack.open_views("UMARIA")[-1]
    envelope_id = app.peer.send_request(view_submission(TEAM, "UMARIA", form, {
        "kudos.receivers": ["UMARIA"], "kudos.message": "me"}))
    ack = app.peer.wait_for_ack(envelope_id, timeout=10)
    assert ack["payload"]["response_action"] == "errors"
    assert "yourself" in ack["payload"]["errors"]["kudos_receivers"]


# --------------------------------------------------------------------------- the connection's life


def test_a_disconnect_request_moves_the_app_to_a_new_url(app: SocketApp) -> None:
    """Slack's `disconnect` (refresh_requested): okrbot opens a new URL and keeps handling requests there."""
    before, opened = app.peer.connection_count, len(app.slack.calls_to("apps.connections.open"))
    app.peer.send_disconnect("refresh_requested")
    app.peer.wait_for_connections(before + 1, timeout=30)
    assert len(app.slack.calls_to("apps.connections.open")) == opened + 1
    envelope_id = home_opened(app, "UMARIA", "EvSOCKAFTERREFRESH")
    app.peer.wait_for_ack(envelope_id, timeout=10)
    app.slack.wait_for("views.publish", lambda call: call.args.get("user_id") == "UMARIA", timeout=10)


def test_a_connection_closed_by_slack_is_reopened(app: SocketApp) -> None:
    """When Slack closes the WebSocket (1001 going away), okrbot reconnects and commands work again."""
    before = app.peer.connection_count
    app.peer.close_connections(1001)
    app.peer.wait_for_connections(before + 1, timeout=30)
    envelope_id, path = okr_help(app, "UTOM")
    app.peer.wait_for_ack(envelope_id, timeout=10)
    [reply] = app.slack.wait_for("response_url", lambda call: call.url == path, timeout=10)
    assert "/okr new" in reply.args["text"]


# --------------------------------------------------------------------------- starting and stopping


def test_sigterm_stops_it_cleanly(sqlite_url: str, tmp_path: Path) -> None:
    """SIGTERM closes the WebSocket and exits 0 with no traceback, leaving no process behind."""
    app = start_socket_app(sqlite_url, tmp_path)
    try:
        app.peer.wait_for_ack(okr_help(app, "URAVI")[0], timeout=10)
        code = app.terminate()
        assert code == 0, app.output()[-3000:]
        assert app.peer.open_connections == 0
        assert "Traceback" not in app.output()
    finally:
        app.close()


@pytest.mark.parametrize(("app_token", "bot_token", "refused", "line"), [
    (APP_TOKEN, BOT_TOKEN, "apps.connections.open", "okrbot: Slack refused SLACK_APP_TOKEN (invalid_auth)"),
    (BOT_TOKEN, BOT_TOKEN, None, "okrbot: Slack refused SLACK_APP_TOKEN (not_allowed_token_type)"),
    (APP_TOKEN, "xoxb-revoked", None, "okrbot: Slack refused SLACK_BOT_TOKEN"),
], ids=["revoked-app-token", "bot-token-as-app-token", "wrong-bot-token"])
def test_a_refused_token_fails_in_one_clear_line(sqlite_url: str, tmp_path: Path, app_token: str, bot_token: str,
                                                 refused: str | None, line: str) -> None:
    """A revoked or mixed-up token: exit 2 with one line naming the variable, no traceback, no connection."""
    def revoke(slack: FakeSlack) -> None:
        if refused:
            slack.fail_next(refused, status=200, error="invalid_auth")

    app = start_socket_app(sqlite_url, tmp_path, app_token=app_token, bot_token=bot_token, wait=False,
                           arrange=revoke)
    try:
        code = app.process.wait(timeout=60)
        output = app.output()
        assert code == 2, output[-3000:]
        assert output.strip().splitlines()[-1].startswith(line)
        assert "Traceback" not in output
        assert app.peer.connection_count == 0
    finally:
        app.close()


def test_unreachable_slack_fails_in_one_clear_line(sqlite_url: str, tmp_path: Path) -> None:
    """With nothing listening at SLACK_API_URL: exit 2 with `cannot reach Slack at …`, no traceback."""
    with socket.socket() as placeholder:  # a port that was free a moment ago and has no listener now
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    env = environment(SLACK_APP_TOKEN=APP_TOKEN, SLACK_BOT_TOKEN=BOT_TOKEN, DATABASE_URL=sqlite_url,
                      SLACK_API_URL=f"http://127.0.0.1:{port}/api/")
    result = subprocess.run([*OKRBOT, "socket"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"okrbot: cannot reach Slack at http://127.0.0.1:{port}")
    assert "Traceback" not in result.stderr


MALFORMED_ENVELOPES = {
    "payload a list": ("events_api", [1, 2]),
    "payload a string": ("interactive", "payload"),
    "event null": ("events_api", {"type": "event_callback", "team_id": TEAM, "event_id": "EvSOCK1", "event": None}),
    "event fields of the wrong type": ("events_api", {"type": "event_callback", "team_id": TEAM,
                                                      "event_id": "EvSOCK2",
                                                      "event": {"type": "message", "channel": 5, "text": ["x"]}}),
    "view a string": ("interactive", {"type": "view_submission", "user": {"id": "URAVI"}, "view": "modal"}),
    "user a list": ("interactive", {"type": "block_actions", "user": ["URAVI"], "actions": []}),
}


def test_malformed_envelopes_are_acked_dropped_and_logged_in_one_line(app: SocketApp) -> None:
    """Envelopes whose payload is not shaped like Slack's: acknowledged (no redelivery), one log line each with
    the reason, no call to Slack; the connection keeps serving the next good request."""
    before = len(app.slack.calls)
    for name, (kind, payload) in MALFORMED_ENVELOPES.items():
        envelope_id = f"env-{abs(hash(name))}"
        app.peer._send_json({"envelope_id": envelope_id, "payload": payload, "type": kind,  # noqa: SLF001
                             "accepts_response_payload": False}, 5.0)
        app.peer.wait_for_ack(envelope_id, timeout=10)
        app.wait_for_log(f"dropped Socket Mode envelope {envelope_id}")
    time.sleep(0.5)
    assert app.slack.calls[before:] == []
    assert "Traceback" not in app.output()
    okr_help(app, "ULENA")
    app.slack.wait_for("response_url", lambda c: "/okr" in json.dumps(c.args), timeout=10)
