"""No token, signing secret, request body or private text in any log line, at DEBUG: a real `okrbot serve`
(gunicorn) driven through every path, its whole output grepped for seeded secrets and private strings."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot import log_safety
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.payloads import FORM, JSON, app_home_opened_event, event_callback, message_event, slash_command
from bot.sandbox.slack.sender import sign
from bot.sandbox.slack.shapes import new_trigger_id
from bot.views import feedback as feedback_views
from bot.views.one_on_ones import OneOnOneAction
from tests.e2e.foundation.test_socket_mode import OKRBOT, environment
from tests.support.hostile import Trap, interaction_body, post, signed_headers
from tests.support.stack import TEAM, populate

SEEDED_TOKEN = "xoxb-4242-SEEDEDBOTTOKEN-q8w7e6"
SEEDED_SECRET = "seeded-signing-secret-5d1e9c"
SEEDED_CLIENT_SECRET = "seeded-client-secret-0b7a2f"
PRIVATE = "PRIVATE-feedback-Zq7 about the launch"
PRIVATE_MARK = "PRIVATE-feedback-Zq7"
SECRETS = (SEEDED_TOKEN, "SEEDEDBOTTOKEN", SEEDED_SECRET, SEEDED_CLIENT_SECRET, PRIVATE_MARK, "xoxp-", "xapp-1-",
           "xoxe.", "xoxb-")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[str, FakeSlack, Path]]:
    """`okrbot serve` at LOG_LEVEL=DEBUG on a fresh port, against FakeSlack; yields (url, slack, log file)."""
    slack = FakeSlack(team_id=TEAM, team_name="Acme", bot_user_id="UBOT", bot_token=SEEDED_TOKEN).start()
    populate(slack)
    port = free_port()
    log = tmp_path / "serve.log"
    env = environment(SLACK_BOT_TOKEN=SEEDED_TOKEN, SLACK_SIGNING_SECRET=SEEDED_SECRET, SLACK_API_URL=slack.base_url,
                      DATABASE_URL=sqlite_url, LOG_LEVEL="DEBUG", WEB_CONCURRENCY="1")
    with log.open("wb") as sink:
        process = subprocess.Popen([*OKRBOT, "serve", "--workers", "1", "--threads", "4", "--bind",
                                    f"127.0.0.1:{port}"], cwd=tmp_path, env=env, stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2):  # noqa: S310 - loopback
                    break
            except OSError as error:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError("okrbot serve did not start:\n" + log.read_text(errors="replace")[-3000:]) \
                        from error
                time.sleep(0.2)
        yield url + "/slack/events", slack, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        slack.stop()


def exercise(url: str, slack: FakeSlack, trap: Trap) -> None:
    """Every path a request can take, each carrying the private text somewhere."""
    now = int(time.time())

    def send(content_type: str, body: bytes, **options: Any) -> int:
        headers = signed_headers(SEEDED_SECRET, body, content_type)
        headers.update(options.pop("headers", {}))
        return post(url, body, headers, **options).status

    feedback_view = {"id": "VFEED1", "hash": "1.x", "type": "modal", "callback_id": feedback_views.CALLBACK,
                     "team_id": TEAM, "private_metadata": json.dumps({"req": None, "to": None}), "blocks": [],
                     "state": {"values": {
                         feedback_views.BlockId.RECEIVER: {feedback_views.FeedbackAction.RECEIVER: {
                             "type": "users_select", "selected_user": "URAVI"}},
                         feedback_views.BlockId.TEXT: {feedback_views.FeedbackAction.TEXT: {
                             "type": "plain_text_input", "value": PRIVATE}}}}}
    submission = interaction_body({"type": "view_submission", "team": {"id": TEAM}, "api_app_id": "A0OKRBOT01",
                                   "user": {"id": "UPAT", "team_id": TEAM}, "trigger_id": new_trigger_id("UPAT"),
                                   "view": feedback_view, "response_urls": [], "enterprise": None})
    # a genuine feedback form, delivered (DM with the private text through slack_sdk), then late (5 min old)
    assert send(FORM, submission) == 200
    stale = now - 400
    assert post(url, submission, {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(stale),
                                  "X-Slack-Signature": sign(SEEDED_SECRET, submission, stale)}).status == 401
    # unverified bodies naming a response_url, with every bad timestamp
    forged = interaction_body({"type": "block_actions", "user": {"id": "URAVI"}, "team": {"id": TEAM},
                               "response_url": trap.url, "trigger_id": new_trigger_id("URAVI"),
                               "actions": [{"action_id": OneOnOneAction.ACCEPT, "value": "1", "text": PRIVATE}]})
    for stamp in ("abc", "", "1.5", "-5", "9" * 30):
        assert post(url, forged, {"Content-Type": FORM, "X-Slack-Request-Timestamp": stamp,
                                  "X-Slack-Signature": sign(SEEDED_SECRET, forged, now)}).status == 401
    assert post(url, forged, {"Content-Type": FORM}).status == 401
    # malformed signed bodies with the private text inside
    for content_type, body in ((FORM, b"payload=%7B" + PRIVATE.encode()), (JSON, PRIVATE.encode()),
                               (JSON, json.dumps({"type": "event_callback", "event": {"type": 5, "text": PRIVATE}})
                                .encode()), (FORM, b"payload=" + PRIVATE.encode() + b"\xff")):
        assert send(content_type, body) == 400
    # a thread reply and a command with private text, the Home tab, a tampered button, a chunked body
    assert send(*event_callback(TEAM, message_event("URAVI", "CGENERAL", PRIVATE, ts="1700000000.000300",
                                                    thread_ts="1700000000.000100"))) == 200
    assert send(*slash_command(TEAM, "UMARIA", "/kudos", f"<@URAVI|ravi> {PRIVATE}", channel_id="CGENERAL",
                               response_url=slack.new_response_url(channel="CGENERAL", user="UMARIA"))) == 200
    assert send(*slash_command(TEAM, "UMARIA", "/okr", f"{PRIVATE} \x00 <!channel>", channel_id="CGENERAL",
                               response_url=slack.new_response_url(channel="CGENERAL", user="UMARIA"))) == 200
    assert send(*event_callback(TEAM, app_home_opened_event("URAVI", channel="DURAVI"))) == 200
    tampered = interaction_body({"type": "block_actions", "user": {"id": "URAVI"}, "team": {"id": TEAM},
                                 "trigger_id": new_trigger_id("URAVI"),
                                 "response_url": slack.new_response_url(channel="CGENERAL", user="URAVI"),
                                 "actions": [{"action_id": OneOnOneAction.ACCEPT, "value": "99999999999999999999999"}]})
    assert send(FORM, tampered) == 200
    assert send(FORM, b"payload=" + PRIVATE.encode() * 400_000, chunked=True) == 413
    assert send(FORM, PRIVATE.encode(), chunked=True) < 500
    slack.wait_for("chat.postMessage", timeout=15)  # the feedback DM went out through the outbox
    time.sleep(1.0)


def test_a_debug_session_of_okrbot_serve_logs_no_secret_and_no_private_text(
        served: tuple[str, FakeSlack, Path]) -> None:
    """At LOG_LEVEL=DEBUG, every path (verified, unverified, malformed, tampered, chunked, outbound): the
    server's whole output holds no seeded token, secret, or private text, and says why it refused."""
    url, slack, log = served
    trap = Trap()
    try:
        exercise(url, slack, trap)
    finally:
        trap.close()
    output = log.read_text(errors="replace")
    print(output[-6000:])  # shown when the test fails
    assert trap.hits == []
    assert "refused POST /slack/events: bad signature" in output or "stale timestamp" in output
    assert "malformed timestamp" in output and "body too large" in output
    for secret in SECRETS:
        assert secret not in output, (secret, [line for line in output.splitlines() if secret in line][:3])
    assert PRIVATE_MARK in json.dumps([c.args for c in slack.calls])  # the text did travel, just not to logs


class _OAuthSlack(BaseHTTPRequestHandler):
    """oauth.v2.access answering with tokens, as Slack does on install."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"ok": True, "access_token": SEEDED_TOKEN, "token_type": "bot", "scope": "chat:write",
                           "bot_user_id": "UBOT", "app_id": "A0OKRBOT01", "team": {"id": TEAM, "name": "Acme"},
                           "authed_user": {"id": "UMARIA", "access_token": "xoxp-1-SEEDEDUSER-77",
                                           "refresh_token": "xoxe-1-SEEDEDREFRESH"},
                           "refresh_token": "xoxe-1-SEEDEDREFRESH2"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize("quiet", [True, False])
def test_oauth_answers_at_debug_never_log_tokens(caplog: pytest.LogCaptureFixture, quiet: bool) -> None:
    """slack_sdk logs oauth.v2.access answers at DEBUG: with log_safety installed the tokens never reach a line,
    whether its loggers are quietened at the source (quiet) or left at DEBUG."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OAuthSlack)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    levels = {name: logging.getLogger(name).level for name in ("slack_sdk", "slack_bolt", "okrbot.bolt")}
    try:
        log_safety.install(secrets=[SEEDED_CLIENT_SECRET], quiet=quiet)
        if not quiet:
            for name in levels:
                logging.getLogger(name).setLevel(logging.DEBUG)
        caplog.set_level(logging.DEBUG)
        client = WebClient(base_url=f"http://127.0.0.1:{server.server_port}/")
        answer = client.oauth_v2_access(client_id="123.456", client_secret=SEEDED_CLIENT_SECRET, code="code-1")
        assert answer["access_token"] == SEEDED_TOKEN
        text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
        if not quiet:
            assert "oauth.v2.access" in text or "withheld" in text  # the DEBUG lines were there, made safe
        for secret in (SEEDED_TOKEN, "SEEDEDUSER", "SEEDEDREFRESH", SEEDED_CLIENT_SECRET):
            assert secret not in text
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        server.shutdown()
        server.server_close()
