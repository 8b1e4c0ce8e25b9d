"""Delivering nudges exactly once when a sender dies mid-call: the message metadata carries the outbox key,
and a row that may already be in Slack is looked up there before it is posted again."""

from __future__ import annotations

from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy import update

from storage.models_delivery import OutboundMessage
from tests.service.nudges.conftest import Env, utc

TUESDAY_10_BERLIN = utc(2026, 12, 15, 9)


def posts(env: Env) -> list:
    """Successful chat.postMessage calls so far."""
    return [c for c in env.slack.calls_to("chat.postMessage") if c.ok]


def left_in_flight(env: Env, key: str) -> None:
    """What a sender killed during its Slack call leaves: the row `sending`, its lease run out."""
    with env.sessions.begin() as session:
        session.execute(update(OutboundMessage).where(OutboundMessage.dedupe_key == key)
                        .values(status="sending", locked_until=env.clock() - timedelta(seconds=1)))


def test_every_posted_nudge_carries_its_outbox_key(env: Env) -> None:
    """Each DM is posted with metadata naming its outbox row."""
    env.scan(TUESDAY_10_BERLIN)
    env.runtime.sender().drain(10)
    keys = sorted(c.args["metadata"]["event_payload"]["key"] for c in posts(env))
    assert keys == sorted(env.queued())
    assert {c.args["metadata"]["event_type"] for c in posts(env)} == {"okrbot_outbox"}


def test_a_dm_that_reached_slack_before_its_sender_died_is_not_posted_again(env: Env) -> None:
    """Ravi's DM is in Slack but its row was left in flight: the next sender records it as sent, posts nothing."""
    env.scan(TUESDAY_10_BERLIN)
    key = "nudge:2026-12:UMARIA:URAVI:prepare"
    [row] = [r for r in env.outbox() if r.dedupe_key == key]
    client = WebClient(token="xoxb-test", base_url=env.slack.base_url)
    first = client.chat_postMessage(channel="URAVI", text=row.payload["text"], blocks=row.payload["blocks"],
                                    metadata={"event_type": "okrbot_outbox", "event_payload": {"key": key}})
    left_in_flight(env, key)
    env.runtime.sender().drain(10)
    assert [c.args["channel"] for c in posts(env)] == ["URAVI", "UMARIA"]  # the first one is the dead sender's
    [stored] = [r for r in env.outbox() if r.dedupe_key == key]
    assert stored.status == "sent" and stored.result["ts"] == first["ts"]


def test_a_dm_that_never_reached_slack_is_posted_once(env: Env) -> None:
    """A row left in flight whose message Slack does not have is posted, once."""
    env.scan(TUESDAY_10_BERLIN)
    key = "nudge:2026-12:UMARIA:URAVI:prepare"
    left_in_flight(env, key)
    env.runtime.sender().drain(10)
    assert sorted(c.args["channel"] for c in posts(env)) == ["UMARIA", "URAVI"]


def test_when_slack_cannot_say_the_dm_is_posted_rather_than_lost(env: Env) -> None:
    """conversations.history failing (say, a missing scope): the in-flight row is posted, not dropped."""
    env.scan(TUESDAY_10_BERLIN)
    left_in_flight(env, "nudge:2026-12:UMARIA:URAVI:prepare")
    env.slack.fail_next("conversations.history", status=200, error="missing_scope")
    env.runtime.sender().drain(10)
    assert sorted(c.args["channel"] for c in posts(env)) == ["UMARIA", "URAVI"]
    assert {r.status for r in env.outbox()} == {"sent"}
