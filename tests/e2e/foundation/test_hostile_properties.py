"""Properties of the endpoint under arbitrary input (hypothesis): arbitrary bodies, headers and payload shapes,
signed or not, never get a 5xx; an unverified one never causes an outbound call or a stored row."""

from __future__ import annotations

import json
import string
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.sandbox.slack.sender import sign
from tests.support.hostile import FORM_TYPE, JSON_TYPE, Trap, interaction_body, post, row_counts
from tests.support.reading import listeners_done
from tests.support.stack import SIGNING_SECRET, TEAM, Stack, start_stack

# The machine is shared: a modest number of examples, no per-example deadline (a request may wait on a lock).
settings.register_profile("hostile", max_examples=50, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HOSTILE = settings.get_profile("hostile")
TRAP = Trap()  # every generated response_url points here; nothing may ever reach it unverified

HEADER_TEXT = st.text(alphabet=string.ascii_letters + string.digits + " .-=+/_:,", max_size=40)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)
SLACK_KEYS = ("type", "team", "team_id", "user", "user_id", "channel", "channel_id", "event", "view", "actions",
              "container", "message", "trigger_id", "callback_id", "command", "text", "authorizations",
              "response_urls", "enterprise", "is_ext_shared_channel", "event_id", "api_app_id")
TYPES = st.sampled_from(["block_actions", "view_submission", "view_closed", "event_callback", "message_action",
                         "shortcut", "url_verification", "block_suggestion", "app_rate_limited", "nonsense"])


@st.composite
def payloads(draw: st.DrawFn) -> dict:
    """A dict shaped roughly like a Slack payload: known keys with arbitrary JSON values, a response_url trap."""
    payload = draw(st.dictionaries(st.sampled_from(SLACK_KEYS), JSON_VALUES, max_size=8))
    if draw(st.booleans()):
        payload["type"] = draw(TYPES)
    if draw(st.booleans()):
        payload["event"] = draw(st.dictionaries(st.sampled_from(["type", "user", "channel", "text", "ts",
                                                                 "thread_ts", "item", "tab", "view", "subtype"]),
                                                JSON_VALUES, max_size=6))
    if draw(st.booleans()):
        payload["actions"] = draw(st.lists(st.dictionaries(st.sampled_from(["action_id", "value", "block_id",
                                                                            "selected_user", "type"]),
                                                           JSON_VALUES | st.sampled_from(["1on1.accept",
                                                                                          "okr.checkin.open",
                                                                                          "home.more"]),
                                                           max_size=4), max_size=2))
    payload["response_url"] = TRAP.url
    return payload


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str, bytes]:
    """(content type, body): raw bytes, JSON text, an interaction form, or a slash-command form."""
    kind = draw(st.sampled_from(["bytes", "json", "interaction", "command"]))
    if kind == "bytes":
        return draw(st.sampled_from([FORM_TYPE, JSON_TYPE, "text/plain", ""])), draw(st.binary(max_size=600))
    if kind == "json":
        return JSON_TYPE, json.dumps(draw(payloads() | JSON_VALUES)).encode()
    if kind == "interaction":
        return FORM_TYPE, interaction_body(draw(payloads() | JSON_VALUES))
    fields = draw(st.dictionaries(st.sampled_from(["command", "text", "team_id", "user_id", "channel_id",
                                                   "trigger_id", "payload", "ssl_check"]),
                                  st.text(max_size=40) | st.sampled_from(["/okr", "/kudos", "/feedback",
                                                                          "/request-1on1", TEAM, "URAVI"]),
                                  max_size=7))
    from urllib.parse import urlencode

    return FORM_TYPE, urlencode({**fields, "response_url": TRAP.url}).encode()


@pytest.fixture(scope="module")
def hostile_stack(tmp_path_factory: pytest.TempPathFactory, sqlite_template) -> Iterator[Stack]:  # noqa: ANN001
    """One okrbot on SQLite for every example (storage is not the subject here)."""
    from tests.support.db import fresh_sqlite

    stack = start_stack(fresh_sqlite(sqlite_template, tmp_path_factory.mktemp("hostile") / "okrbot.db"))
    try:
        yield stack
    finally:
        stack.close()


@HOSTILE
@given(body=bodies(), timestamp=HEADER_TEXT | st.integers().map(str), signature=HEADER_TEXT,
       sign_wrong=st.booleans())
def test_unverified_anything_is_refused_without_effect(hostile_stack: Stack, body: tuple[str, bytes],
                                                       timestamp: str, signature: str, sign_wrong: bool) -> None:
    """Any body with any timestamp and signature headers it was not signed with: 4xx (never 5xx), nothing
    stored, no call to Slack, nothing posted to the response_url it names."""
    stack = hostile_stack
    content_type, raw = body
    if sign_wrong and timestamp.isdigit() and len(timestamp) <= 10:
        signature = sign("not-the-secret", raw, int(timestamp))
    before_rows, before_calls, before_hits = row_counts(stack.sessions), len(stack.slack.calls), len(TRAP.hits)
    answer = post(stack.url, raw, {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp,
                                   "X-Slack-Signature": signature})
    assert 400 <= answer.status < 500, answer.text
    assert row_counts(stack.sessions) == before_rows
    assert stack.slack.calls[before_calls:] == [] and TRAP.hits[before_hits:] == []


@HOSTILE
@given(body=bodies())
@example(body=(JSON_TYPE, b'{"type": "block_actions", "actions": []}'))  # found by hypothesis: Bolt reads actions[0]
@example(body=(JSON_TYPE, b'{"type": "interactive_message", "callback_id": "c"}'))
def test_signed_anything_never_gets_a_5xx(hostile_stack: Stack, body: tuple[str, bytes]) -> None:
    """Any body, correctly signed: an answer below 500 (a 4xx with a reason, or what Bolt answers)."""
    content_type, raw = body
    stamp = int(time.time())
    answer = post(hostile_stack.url, raw, {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(stamp),
                                           "X-Slack-Signature": sign(SIGNING_SECRET, raw, stamp)})
    assert answer.status < 500, answer.text
    assert "Traceback" not in answer.text


def test_listeners_of_signed_examples_finished(hostile_stack: Stack) -> None:
    """After the examples, every listener they started finishes (none hangs on odd input)."""
    listeners_done(hostile_stack, timeout=30)
