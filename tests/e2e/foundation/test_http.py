"""The signed HTTP endpoint as Slack uses it: signatures, replays, retries, health."""

from __future__ import annotations

import json
import time
import urllib.request

from sqlalchemy import func, select

from bot.sandbox.slack.payloads import app_home_opened_event, event_callback, slash_command
from storage.models_delivery import InboxEvent, OutboundMessage
from tests.support.stack import TEAM, Stack


def stored_events(stack: Stack) -> int:
    with stack.sessions() as session:
        return session.scalar(select(func.count()).select_from(InboxEvent))


def home_event(event_id: str = "EvHOME1") -> tuple[str, bytes]:
    return event_callback(TEAM, app_home_opened_event("URAVI", channel="DURAVI"), event_id=event_id)


def test_forged_signature_is_refused_and_changes_nothing(stack: Stack) -> None:
    """A body signed with the wrong secret gets 401; no event is recorded, nothing reaches Slack."""
    response = stack.send.send(home_event(), signature="v0=" + "0" * 64)
    assert response.status == 401
    time.sleep(0.2)
    assert stored_events(stack) == 0
    assert stack.slack.calls_to("views.publish") == []


def test_stale_timestamp_is_refused(stack: Stack) -> None:
    """A correctly signed request older than 5 minutes is a replay: 401, nothing recorded."""
    response = stack.send.send(home_event(), timestamp=int(time.time()) - 6 * 60)
    assert response.status == 401
    assert stored_events(stack) == 0


def test_unsigned_body_is_refused(stack: Stack) -> None:
    """A request without Slack's signature headers gets 401."""
    response = stack.send.send(home_event(), unsigned=True)
    assert response.status == 401
    assert stored_events(stack) == 0


def test_url_verification_echoes_the_challenge(stack: Stack) -> None:
    """Saving the Request URL in Slack works: the challenge comes back."""
    response = stack.send.verify_url("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert response.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text


def test_a_retried_event_is_processed_once(stack: Stack) -> None:
    """The same event_id delivered again with X-Slack-Retry-Num is acknowledged and dropped."""
    first = stack.send.send(home_event("EvRETRY1"))
    second = stack.send.send(home_event("EvRETRY1"), retry_num=1)
    assert (first.status, second.status) == (200, 200)
    stack.slack.wait_for("views.publish", timeout=5)
    time.sleep(0.5)  # give a wrongly processed retry the time to show up
    assert len(stack.slack.calls_to("views.publish")) == 1
    assert stored_events(stack) == 1


def test_a_retry_arriving_before_the_first_finishes_is_still_dropped(stack: Stack) -> None:
    """Slack may retry while the first delivery is in flight: the unique event id still lets one through."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda n: stack.send.send(home_event("EvRACE1"), retry_num=n or None).status,
                                 range(4)))
    assert statuses == [200, 200, 200, 200]
    stack.slack.wait_for("views.publish", timeout=5)
    time.sleep(0.5)
    assert len(stack.slack.calls_to("views.publish")) == 1


def test_health_is_ok_with_a_current_database(stack: Stack) -> None:
    """GET /healthz answers 200 with a small JSON status."""
    with urllib.request.urlopen(stack.server.url + "/healthz", timeout=5) as answer:  # noqa: S310
        body = json.loads(answer.read())
        assert answer.status == 200
    assert body["status"] == "ok" and body["database"] == "ok"


def test_oversized_bodies_are_refused_before_parsing(stack: Stack) -> None:
    """A body far beyond anything Slack sends gets 413, not a parse."""
    response = stack.send.send(("application/json", b"{" + b" " * 1_100_000 + b"}"))
    assert response.status == 413


def test_unknown_command_is_not_a_server_error(stack: Stack) -> None:
    """A command okrbot does not declare is answered without a 5xx or a traceback."""
    response = stack.send.send(slash_command(TEAM, "URAVI", "/nope", "x", channel_id="CGENERAL",
                                             response_url=stack.slack.new_response_url()))
    assert response.status < 500
    assert "Traceback" not in response.text


def test_uninstall_stops_pending_deliveries(stack: Stack) -> None:
    """app_uninstalled fails the team's queued notifications with the reason, none is sent."""
    with stack.sessions.begin() as session:
        stack.services.ctx.outbox.add(session, team_id=TEAM, key="late", channel="URAVI", text="hello",
                                      not_before=stack.clock().replace(year=2099))
    response = stack.send.send(event_callback(TEAM, {"type": "app_uninstalled"}))
    assert response.status == 200
    deadline = time.monotonic() + 5
    status = None
    while time.monotonic() < deadline:
        with stack.sessions() as session:
            row = session.scalar(select(OutboundMessage).where(OutboundMessage.dedupe_key == "late"))
            status, error = row.status, row.last_error
        if status == "failed":
            break
        time.sleep(0.05)
    assert status == "failed" and "uninstalled" in error


def test_a_429_on_a_direct_reply_is_waited_out(stack: Stack) -> None:
    """views.publish answered 429 once: the Home tab is still published, after Retry-After."""
    stack.slack.fail_next("views.publish", times=1, status=429, retry_after=1)
    assert stack.send.send(home_event("EvHOME429")).status == 200
    calls = stack.slack.wait_for("views.publish", lambda c: c.ok, timeout=10)
    attempts = stack.slack.calls_to("views.publish")
    assert len(calls) == 1 and [c.http_status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.95
