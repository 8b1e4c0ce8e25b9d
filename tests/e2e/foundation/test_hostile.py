"""Hostile input through the real signed HTTP stack: unverified requests do nothing, malformed signed bodies
get a one-line 4xx, tampered ids an "out of date" answer; never a 5xx, never a stored row or outbound call."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.handlers.reading import STALE_BUTTON, STALE_FORM
from bot.ids import SharedAction
from bot.sandbox.slack.payloads import app_home_opened_event, event_callback, slash_command
from bot.sandbox.slack.sender import sign
from bot.sandbox.slack.shapes import new_trigger_id
from bot.views.nudges import NudgeAction
from bot.views.okrs import OkrView
from bot.views.one_on_ones import OneOnOneAction, OneOnOneModal
from tests.support.hostile import (
    FORM_TYPE,
    JSON_TYPE,
    Trap,
    form_body,
    interaction_body,
    post,
    row_counts,
    signed_headers,
)
from tests.support.reading import listeners_done
from tests.support.stack import SIGNING_SECRET, TEAM, Stack

APOLOGY = "Sorry, something went wrong"
TAMPERED = ("99999999999999999999999", '{"objective":"abc"}', "1e400", "garbage", "-1", "0")


@pytest.fixture
def trap() -> Iterator[Trap]:
    listener = Trap()
    yield listener
    listener.close()


def button(action_id: str, value: str, *, response_url: str, user: str = "URAVI", block_id: str = "b1") -> dict:
    """A block_actions payload for one clicked button in a message in #general."""
    return {"type": "block_actions", "team": {"id": TEAM, "domain": "t0001"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0OKRBOT01",
            "trigger_id": new_trigger_id(user), "channel": {"id": "CGENERAL", "name": "general"},
            "container": {"type": "message", "channel_id": "CGENERAL", "message_ts": "1700000000.000100"},
            "response_url": response_url, "enterprise": None, "is_enterprise_install": False,
            "actions": [{"type": "button", "action_id": action_id, "block_id": block_id, "value": value,
                         "action_ts": "1700000001.000200"}]}


def submission(callback_id: str, metadata: str, *, user: str = "URAVI") -> dict:
    """A view_submission of a modal with one text input, carrying `metadata` as its private_metadata."""
    block = {"type": "input", "block_id": "note", "label": {"type": "plain_text", "text": "Note"},
             "element": {"type": "plain_text_input", "action_id": "note"}}
    view = {"id": "V0TAMPER", "hash": "1.abc", "type": "modal", "callback_id": callback_id, "team_id": TEAM,
            "private_metadata": metadata, "blocks": [block],
            "state": {"values": {"note": {"note": {"type": "plain_text_input", "value": "hello"}}}}}
    return {"type": "view_submission", "team": {"id": TEAM, "domain": "t0001"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0OKRBOT01",
            "trigger_id": new_trigger_id(user), "view": view, "response_urls": [], "enterprise": None}


def calls_after(stack: Stack, before: int, settle: float = 0.4) -> list[Any]:
    """Calls the loopback Slack received after the first `before` (after letting listeners finish)."""
    time.sleep(settle)
    listeners_done(stack)
    return stack.slack.calls[before:]


def guard_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "okrbot.http_guard"]


# ------------------------------------------------------------------------------------------- unverified
def forged_bodies(trap: Trap) -> list[tuple[str, bytes]]:
    """What an attacker would send: an action and a command naming the trap as response_url, an event."""
    return [
        (FORM_TYPE, interaction_body(button(OneOnOneAction.ACCEPT, "1", response_url=trap.url))),
        (FORM_TYPE, form_body({"command": "/kudos", "text": "<@URAVI|ravi> forged", "team_id": TEAM,
                               "user_id": "UMARIA", "channel_id": "CGENERAL", "response_url": trap.url,
                               "trigger_id": new_trigger_id("UMARIA")})),
        event_callback(TEAM, {"type": "message", "channel": "CGENERAL", "user": "URAVI", "text": "forged",
                              "ts": "1700000000.000300", "thread_ts": "1700000000.000100"}),
        event_callback(TEAM, app_home_opened_event("URAVI", channel="DURAVI")),
    ]


def header_variants(body: bytes) -> dict[str, dict[str, str]]:
    """Every way a request's signature headers can fail, for `body`."""
    now = int(time.time())
    good = sign(SIGNING_SECRET, body, now)
    return {
        "no headers": {},
        "missing timestamp": {"X-Slack-Signature": good},
        "empty timestamp": {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": good},
        "non-numeric timestamp": {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": good},
        "float timestamp": {"X-Slack-Request-Timestamp": f"{now}.5", "X-Slack-Signature": good},
        "negative timestamp": {"X-Slack-Request-Timestamp": f"-{now}", "X-Slack-Signature": good},
        "huge timestamp": {"X-Slack-Request-Timestamp": "9" * 30, "X-Slack-Signature": good},
        "timestamp with letters": {"X-Slack-Request-Timestamp": f"{now}x", "X-Slack-Signature": good},
        "hex timestamp": {"X-Slack-Request-Timestamp": hex(now), "X-Slack-Signature": good},
        "stale timestamp": {"X-Slack-Request-Timestamp": str(now - 600),
                            "X-Slack-Signature": sign(SIGNING_SECRET, body, now - 600)},
        "missing signature": {"X-Slack-Request-Timestamp": str(now)},
        "empty signature": {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": ""},
        "malformed signature": {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=xyz"},
        "upper-case signature": {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": good.upper()},
        "wrong secret": {"X-Slack-Request-Timestamp": str(now),
                         "X-Slack-Signature": sign("another-secret", body, now)},
        "body changed": {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": sign(SIGNING_SECRET, body + b" ",
                                                                                          now)},
    }


def test_unverified_requests_get_401_and_do_nothing(stack: Stack, trap: Trap, caplog: pytest.LogCaptureFixture) -> None:
    """Every failed signature (bad timestamps of all kinds, bad or missing signature, changed body): 401, one
    log line without the body, nothing stored, no call to Slack and no POST to the body's response_url."""
    caplog.set_level(logging.DEBUG)
    before_rows, before_calls = row_counts(stack.sessions), len(stack.slack.calls)
    for content_type, body in forged_bodies(trap):
        for name, headers in header_variants(body).items():
            caplog.clear()
            answer = post(stack.url, body, {"Content-Type": content_type, **headers})
            assert answer.status == 401, (name, answer.status, answer.text)
            assert "forged" not in answer.text and trap.url not in answer.text
            [line] = guard_lines(caplog)
            assert "request" in line.getMessage() and "forged" not in caplog.text and trap.url not in caplog.text
    assert calls_after(stack, before_calls) == []
    assert trap.hits == []
    assert row_counts(stack.sessions) == before_rows


def test_no_signing_secret_refuses_everything(sqlite_url: str, trap: Trap) -> None:
    """Without a signing secret nothing can be verified: every POST is a 401, none reaches Bolt."""
    from tests.support.stack import start_stack

    stack = start_stack(sqlite_url, env={"SLACK_SIGNING_SECRET": ""})
    try:
        content_type, body = forged_bodies(trap)[0]
        answer = post(stack.url, body, signed_headers(SIGNING_SECRET, body, content_type))
        assert answer.status == 401
        assert trap.hits == []
    finally:
        stack.close()


# ------------------------------------------------------------------------------------------- malformed, signed
MALFORMED: dict[str, tuple[str, bytes]] = {
    "non-UTF-8 bytes": (FORM_TYPE, b"payload=%7B%7D\xff\xfe\xfa"),
    "non-UTF-8 JSON": (JSON_TYPE, b'{"type": "event_callback", "x": "\xff"}'),
    "payload= broken JSON": (FORM_TYPE, b"payload=%7Bbroken"),
    "payload= a JSON list": (FORM_TYPE, interaction_body([1, 2])),
    "payload= a JSON string": (FORM_TYPE, interaction_body("a string")),
    "payload= a JSON null": (FORM_TYPE, interaction_body(None)),
    "JSON body not JSON": (JSON_TYPE, b"not json at all"),
    "JSON body []": (JSON_TYPE, b"[]"),
    "JSON body a number": (JSON_TYPE, b"42"),
    "JSON deeply nested": (JSON_TYPE, b"[" * 100_000 + b"]" * 100_000),
    "event null": (JSON_TYPE, json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": "EvNULL",
                                          "event": None}).encode()),
    "event a string": (JSON_TYPE, json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": "EvSTR",
                                              "event": "message"}).encode()),
    "event fields of the wrong type": (JSON_TYPE, json.dumps({
        "type": "event_callback", "team_id": TEAM, "event_id": "EvTYPES",
        "event": {"type": "message", "channel": 123, "user": {"id": "URAVI"}, "text": ["x"],
                  "ts": 1.5, "thread_ts": None}}).encode()),
    "event type a number": (JSON_TYPE, json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": "EvN",
                                                   "event": {"type": 5}}).encode()),
    "reaction item a list": (JSON_TYPE, json.dumps({
        "type": "event_callback", "team_id": TEAM, "event_id": "EvITEM",
        "event": {"type": "reaction_added", "user": "URAVI", "reaction": "clap", "item": ["message"]}}).encode()),
    "team_id a list": (JSON_TYPE, json.dumps({"type": "event_callback", "team_id": [TEAM], "event_id": "EvT",
                                              "event": {"type": "app_home_opened", "user": "URAVI"}}).encode()),
    "authorizations of strings": (JSON_TYPE, json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": "E",
                                                         "authorizations": ["x"], "event": {"type": "x"}}).encode()),
    "user a list": (FORM_TYPE, interaction_body({"type": "block_actions", "user": ["URAVI"], "actions": []})),
    "user id a number": (FORM_TYPE, interaction_body({"type": "block_actions", "user": {"id": 5}, "actions": []})),
    "actions of strings": (FORM_TYPE, interaction_body({"type": "block_actions", "user": {"id": "URAVI"},
                                                        "team": {"id": TEAM}, "actions": ["1on1.accept"]})),
    "action value an object": (FORM_TYPE, interaction_body({
        "type": "block_actions", "user": {"id": "URAVI"}, "team": {"id": TEAM},
        "actions": [{"action_id": "1on1.accept", "value": {"id": 1}}]})),
    "view a string": (FORM_TYPE, interaction_body({"type": "view_submission", "user": {"id": "URAVI"},
                                                   "team": {"id": TEAM}, "view": "modal"})),
    "view state values a list": (FORM_TYPE, interaction_body({
        "type": "view_submission", "user": {"id": "URAVI"}, "team": {"id": TEAM},
        "view": {"callback_id": "okr.new", "state": {"values": [1]}}})),
    "response_urls a string": (FORM_TYPE, interaction_body({"type": "view_submission", "user": {"id": "URAVI"},
                                                            "team": {"id": TEAM}, "response_urls": "x"})),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_signed_bodies_get_a_one_line_400(stack: Stack, case: str, caplog: pytest.LogCaptureFixture) -> None:
    """A correctly signed body that is not what Slack sends: 400 with a one-line JSON reason, one log line,
    nothing stored, no call to Slack."""
    content_type, body = MALFORMED[case]
    before_rows, before_calls = row_counts(stack.sessions), len(stack.slack.calls)
    caplog.clear()
    answer = post(stack.url, body, signed_headers(SIGNING_SECRET, body, content_type))
    assert answer.status == 400, answer.text
    reason = json.loads(answer.body)["error"]
    assert reason and "\n" not in reason and "Traceback" not in answer.text
    assert len(guard_lines(caplog)) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert calls_after(stack, before_calls) == []
    assert row_counts(stack.sessions) == before_rows


# ------------------------------------------------------------------------------------------- sizes and framing
def test_a_5mb_chunked_body_without_length_is_413(stack: Stack) -> None:
    """The size limit holds for chunked bodies too: 5 MB without Content-Length is refused with 413."""
    body = b"payload=" + b"x" * 5_000_000
    before_rows = row_counts(stack.sessions)
    answer = post(stack.url, body, signed_headers(SIGNING_SECRET, body, FORM_TYPE), chunked=True)
    assert answer.status == 413
    assert row_counts(stack.sessions) == before_rows


def test_a_small_chunked_body_is_read_whole(stack: Stack) -> None:
    """A signed chunked body is not read as empty: the Home event it carries is handled."""
    content_type, body = event_callback(TEAM, app_home_opened_event("URAVI", channel="DURAVI"))
    answer = post(stack.url, body, signed_headers(SIGNING_SECRET, body, content_type), chunked=True, chunk=100)
    assert answer.status == 200
    stack.slack.wait_for("views.publish", timeout=5)


@pytest.mark.parametrize("chunked", [False, True])
def test_an_empty_body_is_400(stack: Stack, chunked: bool) -> None:
    """An empty POST (with or without chunked framing), even signed: 400 before any parsing."""
    answer = post(stack.url, b"", signed_headers(SIGNING_SECRET, b"", FORM_TYPE), chunked=chunked)
    assert answer.status == 400 and json.loads(answer.body)["error"] == "empty body"


def test_malformed_chunked_framing_is_400(stack: Stack) -> None:
    """Chunk sizes that are not hex: 400, not a hang or a 5xx."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(stack.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                           b"Content-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
        answer = connection.recv(4096)
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400")


# ------------------------------------------------------------------------------------------- tampered values
BUTTONS = (OneOnOneAction.ACCEPT, OneOnOneAction.RESCHEDULE, OneOnOneAction.DECLINE, OneOnOneAction.ACCEPT_NEW_TIME,
           OneOnOneAction.REFUSE_NEW_TIME, OneOnOneAction.ADD_NOTE, OneOnOneAction.ADD_TASK,
           OneOnOneAction.MARK_DONE, OneOnOneAction.WRITE_SUMMARY, SharedAction.CHECK_IN, SharedAction.GIVE_FEEDBACK)


def said_to(stack: Stack, before: int) -> list[str]:
    """Every text okrbot sent since call `before` (response_url posts, ephemerals, DMs and modals)."""
    return [json.dumps(call.args) for call in calls_after(stack, before)]


@pytest.mark.parametrize("action_id", [a.value for a in BUTTONS])
def test_tampered_button_values_read_out_of_date(stack: Stack, action_id: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """Button values that are no id (huge, JSON, 1e400, words, <= 0): the person reads that the button is out of
    date, no traceback is logged, nothing changes."""
    before_rows = row_counts(stack.sessions)
    for value in TAMPERED:
        before = len(stack.slack.calls)
        url = stack.slack.new_response_url(channel="CGENERAL", user="URAVI")
        body = interaction_body(button(action_id, value, response_url=url))
        answer = post(stack.url, body, signed_headers(SIGNING_SECRET, body, FORM_TYPE))
        assert answer.status == 200, (value, answer.text)
        texts = said_to(stack, before)
        assert any(STALE_BUTTON in text for text in texts), (value, texts)
        assert not any(APOLOGY in text for text in texts)
    assert not [r for r in caplog.records if r.exc_info]
    assert row_counts(stack.sessions) == before_rows


def test_tampered_task_checkbox_reads_out_of_date(stack: Stack) -> None:
    """A task checkbox whose block id carries no real task id: the out-of-date answer, nothing changes."""
    before_rows, before = row_counts(stack.sessions), len(stack.slack.calls)
    url = stack.slack.new_response_url(channel="CGENERAL", user="URAVI")
    payload = button(OneOnOneAction.TOGGLE_TASK, "", response_url=url, block_id="1on1.task.99999999999999999999999")
    body = interaction_body(payload)
    assert post(stack.url, body, signed_headers(SIGNING_SECRET, body, FORM_TYPE)).status == 200
    assert any(STALE_BUTTON in text for text in said_to(stack, before))
    assert row_counts(stack.sessions) == before_rows


@pytest.mark.parametrize("action_id", [NudgeAction.OPEN_AGENDA.value, NudgeAction.SNOOZE.value])
def test_tampered_nudge_buttons_get_a_clear_answer(stack: Stack, action_id: str) -> None:
    """Nudge buttons with values that are no nudge: a clear answer, never the generic apology."""
    for value in TAMPERED:
        before = len(stack.slack.calls)
        url = stack.slack.new_response_url(channel="CGENERAL", user="UMARIA")
        body = interaction_body(button(action_id, value, response_url=url, user="UMARIA"))
        assert post(stack.url, body, signed_headers(SIGNING_SECRET, body, FORM_TYPE)).status == 200
        texts = said_to(stack, before)
        assert texts and not any(APOLOGY in text for text in texts), (value, texts)


MODALS = (OneOnOneModal.RESCHEDULE, OneOnOneModal.DECLINE, OneOnOneModal.NOTE, OneOnOneModal.TASK,
          OneOnOneModal.SUMMARY, OneOnOneModal.ACCEPT, OneOnOneModal.MOVE, OneOnOneModal.POINT, OneOnOneModal.SERIES,
          OneOnOneModal.MINE_EDIT, OkrView.CHECKIN)


@pytest.mark.parametrize("callback_id", [m.value for m in MODALS])
def test_tampered_private_metadata_is_a_form_error(stack: Stack, callback_id: str) -> None:
    """private_metadata ids that are no id: the form shows "out of date" under its field, nothing changes."""
    key = "objective" if callback_id == OkrView.CHECKIN else "id"
    before_rows = row_counts(stack.sessions)
    for value in (*TAMPERED, None):
        for metadata in (json.dumps({key: value}), json.dumps({key: 1e300}), '{"objective":"abc"}', "garbage",
                         "[1]", ""):
            body = interaction_body(submission(callback_id, metadata))
            answer = post(stack.url, body, signed_headers(SIGNING_SECRET, body, FORM_TYPE))
            assert answer.status == 200, answer.text
            errors = answer.json()["errors"] if answer.body else {}
            assert any(STALE_FORM in error for error in errors.values()), (metadata, answer.text)
    assert row_counts(stack.sessions) == before_rows


FORM_METADATA = {
    "kudos.give": ("garbage", "[]", '{"src": 5, "ts": []}', '{"src": "evil", "ts": "1"}', '{"objective":"abc"}'),
    "feedback.give": ('{"req": "99999999999999999999999", "to": "URAVI"}', '{"req": 1e400}', "garbage", "[]",
                      '{"req": {"objective": "abc"}}', '{"req": "abc"}', '{"req": -1}', '{"req": true}'),
}


@pytest.mark.parametrize("callback_id", sorted(FORM_METADATA))
def test_tampered_form_metadata_of_kudos_and_feedback_is_a_form_error(stack: Stack, callback_id: str) -> None:
    """Kudos and feedback forms with metadata that is not theirs: an "out of date" field error."""
    for metadata in FORM_METADATA[callback_id]:
        body = interaction_body(submission(callback_id, metadata))
        answer = post(stack.url, body, signed_headers(SIGNING_SECRET, body, FORM_TYPE))
        assert answer.status == 200
        errors = answer.json()["errors"]
        assert any("out of date" in error for error in errors.values()), (metadata, answer.text)


def test_a_command_naming_no_team_or_user_is_not_a_crash(stack: Stack) -> None:
    """A signed slash command without team or user: a clear answer, no 5xx, no apology."""
    content_type, body = slash_command(TEAM, "URAVI", "/okr", "list", channel_id="CGENERAL",
                                       response_url=stack.slack.new_response_url())
    stripped = b"&".join(part for part in body.split(b"&") if not part.startswith((b"team_id=", b"user_id=")))
    answer = post(stack.url, stripped, signed_headers(SIGNING_SECRET, stripped, content_type))
    assert answer.status < 500 and APOLOGY not in answer.text
