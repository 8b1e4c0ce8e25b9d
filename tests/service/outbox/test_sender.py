"""The outbox: written in the caller's transaction, delivered once, retried honestly, never dropped silently."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.clock import utcnow
from bot.sandbox.slack.fake import FakeSlack
from bot.services.core.outbox import Outbox
from bot.slack_directory import make_client
from bot.slack_port import OutboxSender
from storage.db import make_engine, make_sessions
from storage.models_delivery import OutboundMessage

TEAM = "T0001"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM, bot_token="xoxb-test") as fake:
        fake.add_user("URAVI", "ravi", tz="Asia/Kolkata")
        fake.add_user("UMARIA", "maria", tz="Europe/Berlin")
        fake.add_channel("CKUDOS", "kudos", members=["URAVI", "UMARIA"])
        yield fake


def sender_for(db_url: str, slack: FakeSlack, **options: object) -> OutboxSender:
    client = make_client("xoxb-test", slack.base_url)
    defaults = {"per_channel_interval": 0.0, "backoff": 0.05, "max_backoff": 0.2, "idle_poll": 0.02}
    return OutboxSender(make_sessions(make_engine(db_url)), lambda _team: client, **{**defaults, **options})


def queue(db_url: str, *rows: dict) -> None:
    sessions = make_sessions(make_engine(db_url))
    outbox = Outbox(utcnow)
    with sessions.begin() as session:
        for row in rows:
            outbox.add(session, team_id=TEAM, **row)


def stored(db_url: str, key: str) -> OutboundMessage:
    with make_sessions(make_engine(db_url))() as session:
        return session.scalar(select(OutboundMessage).where(OutboundMessage.dedupe_key == key))


def test_a_message_is_delivered_and_its_answer_kept(db_url: str, slack: FakeSlack) -> None:
    """A queued DM to a user id lands in their DM; the row is sent with Slack's channel and ts."""
    queue(db_url, {"key": "hello", "channel": "URAVI", "text": "Hello Ravi"})
    sender_for(db_url, slack).drain(5)
    [call] = slack.calls_to("chat.postMessage")
    row = stored(db_url, "hello")
    assert call.args["text"] == "Hello Ravi"
    assert row.status == "sent" and row.result["ts"] == call.response["ts"]
    assert slack.messages(row.result["channel"])[0]["text"] == "Hello Ravi"


def test_the_same_key_twice_is_queued_and_sent_once(db_url: str, slack: FakeSlack) -> None:
    """Writing a notification again (a retry, a double click) neither queues nor sends it twice."""
    same = {"key": "once", "channel": "URAVI", "text": "one"}
    queue(db_url, same, dict(same))
    queue(db_url, {"key": "once", "channel": "URAVI", "text": "one"})
    sender_for(db_url, slack).drain(5)
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_a_rolled_back_transaction_queues_nothing(db_url: str, slack: FakeSlack) -> None:
    """The row is part of the caller's transaction: if the change fails, nobody is notified."""
    sessions = make_sessions(make_engine(db_url))
    with pytest.raises(RuntimeError), sessions.begin() as session:
        Outbox(utcnow).add(session, team_id=TEAM, key="ghost", channel="URAVI", text="never")
        raise RuntimeError("the change failed")
    sender_for(db_url, slack).drain(2)
    assert slack.calls_to("chat.postMessage") == []


def test_two_429s_then_delivered_honouring_retry_after(db_url: str, slack: FakeSlack) -> None:
    """Slack's 429 answers are waited out for Retry-After seconds, then the message goes, once."""
    slack.fail_next("chat.postMessage", times=2, status=429, retry_after=1)
    queue(db_url, {"key": "limited", "channel": "URAVI", "text": "patience"})
    sender_for(db_url, slack).drain(10)
    calls = slack.calls_to("chat.postMessage")
    assert [c.http_status for c in calls] == [429, 429, 200]
    assert calls[1].at - calls[0].at >= 0.95 and calls[2].at - calls[1].at >= 0.95
    row = stored(db_url, "limited")
    assert row.status == "sent" and row.attempts == 1  # rate limiting is not a failure
    assert len([m for m in slack.messages(row.result["channel"]) if m["text"] == "patience"]) == 1


def test_a_429_seen_by_one_sender_holds_the_workspace_for_every_sender(db_url: str, slack: FakeSlack) -> None:
    """Sender A (one process) is told Retry-After 2; sender B (another process, its own memory) sends nothing to
    that workspace until the hold is over, then the row goes once."""
    slack.fail_next("chat.postMessage", times=1, status=429, retry_after=2)
    queue(db_url, {"key": "first", "channel": "URAVI", "text": "one"})
    first, second = sender_for(db_url, slack), sender_for(db_url, slack)
    assert first.run_once() == 1  # answered 429: held, not failed
    queue(db_url, {"key": "second", "channel": "UMARIA", "text": "two"})
    assert second.run_once() == 0  # B knew nothing of the 429 itself
    second.drain(10)
    calls = slack.calls_to("chat.postMessage")
    assert [c.http_status for c in calls] == [429, 200, 200]
    assert min(c.at for c in calls[1:]) - calls[0].at >= 1.9
    assert stored(db_url, "first").status == stored(db_url, "second").status == "sent"


def test_gives_up_after_n_server_errors_and_records_why(db_url: str, slack: FakeSlack) -> None:
    """After max_attempts 5xx answers the row is failed with the error, visible, not silently dropped."""
    slack.fail_next("chat.postMessage", times=10, status=500)
    queue(db_url, {"key": "doomed", "channel": "URAVI", "text": "x"})
    sender_for(db_url, slack, max_attempts=3).drain(10)
    row = stored(db_url, "doomed")
    assert len(slack.calls_to("chat.postMessage")) == 3
    assert row.status == "failed" and row.attempts == 3 and "500" in row.last_error


def test_server_errors_back_off_exponentially(db_url: str, slack: FakeSlack) -> None:
    """Each retry after a 5xx waits longer than the one before."""
    slack.fail_next("chat.postMessage", times=3, status=500)
    queue(db_url, {"key": "backoff", "channel": "URAVI", "text": "x"})
    sender_for(db_url, slack, backoff=0.2, max_backoff=5).drain(10)
    at = [c.at for c in slack.calls_to("chat.postMessage")]
    gaps = [b - a for a, b in zip(at, at[1:], strict=False)]
    assert len(at) == 4 and gaps[0] >= 0.18 and gaps[1] >= 0.38 and gaps[2] >= 0.78


def test_a_refusal_slack_will_not_change_fails_at_once(db_url: str, slack: FakeSlack) -> None:
    """A message Slack rejects (51 blocks: invalid_blocks) is failed with Slack's words after one try."""
    blocks = [{"type": "divider"}] * 51
    queue(db_url, {"key": "too-big", "channel": "URAVI", "text": "x", "blocks": blocks})
    sender_for(db_url, slack).drain(5)
    row = stored(db_url, "too-big")
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert row.status == "failed" and "invalid_blocks" in row.last_error


def test_unreachable_slack_is_retried_then_failed(db_url: str) -> None:
    """Connection errors count as failed attempts with backoff, and end as failed with the reason."""
    queue(db_url, {"key": "nobody-home", "channel": "URAVI", "text": "x"})
    client = make_client("xoxb-test", "http://127.0.0.1:9/api/", timeout=1)
    sender = OutboxSender(make_sessions(make_engine(db_url)), lambda _t: client, backoff=0.01, max_backoff=0.02,
                          max_attempts=2, per_channel_interval=0)
    sender.drain(10)
    row = stored(db_url, "nobody-home")
    assert row.status == "failed" and row.attempts == 2 and "could not reach Slack" in row.last_error


def test_an_update_waits_for_the_message_it_updates(db_url: str, slack: FakeSlack) -> None:
    """update_of: the chat.update goes after the original is posted, to its channel and ts."""
    queue(db_url, {"key": "post", "channel": "CKUDOS", "text": "1 clap"},
          {"key": "post:v2", "channel": "CKUDOS", "text": "2 claps", "update_of": "post"})
    sender_for(db_url, slack).drain(5)
    [posted] = slack.calls_to("chat.postMessage")
    [updated] = slack.calls_to("chat.update")
    assert updated.args["ts"] == posted.response["ts"] and updated.args["channel"] == "CKUDOS"
    assert slack.message("CKUDOS", posted.response["ts"])["text"] == "2 claps"


def test_a_thread_reply_goes_in_the_thread_of_the_referenced_message(db_url: str, slack: FakeSlack) -> None:
    """thread_of: the reply carries the original message's ts as thread_ts."""
    queue(db_url, {"key": "root", "channel": "CKUDOS", "text": "root"},
          {"key": "reply", "channel": "CKUDOS", "text": "reply", "thread_of": "root"})
    sender_for(db_url, slack).drain(5)
    root, reply = slack.calls_to("chat.postMessage")
    assert reply.args["thread_ts"] == root.response["ts"]


def test_on_sent_hooks_receive_slacks_answer(db_url: str, slack: FakeSlack) -> None:
    """A hook of the sender's table runs with the answer in the sender's transaction (e.g. to remember a ts)."""
    seen: list[tuple[str, str]] = []

    def remember(session, row, answer, arg) -> None:  # noqa: ANN001
        seen.append((arg, answer["ts"]))

    queue(db_url, {"key": "hooked", "channel": "URAVI", "text": "x", "on_sent": "test.remember:42"})
    sender_for(db_url, slack, hooks={"test.remember": remember}).drain(5)
    assert seen == [("42", slack.calls_to("chat.postMessage")[0].response["ts"])]


def test_one_channel_gets_at_most_one_message_per_interval(db_url: str, slack: FakeSlack) -> None:
    """Slack's 1 message per second per channel: three DMs to one person are spaced by the interval."""
    queue(db_url, *({"key": f"dm{i}", "channel": "URAVI", "text": f"m{i}"} for i in range(3)))
    sender_for(db_url, slack, per_channel_interval=0.3).drain(10)
    calls = slack.calls_to("chat.postMessage")
    assert [c.args["text"] for c in calls] == ["m0", "m1", "m2"]
    assert all(b.at - a.at >= 0.28 for a, b in zip(calls, calls[1:], strict=False))


def test_two_senders_deliver_200_rows_exactly_once(db_url: str, slack: FakeSlack) -> None:
    """Two sender processes sharing the outbox (SKIP LOCKED on PostgreSQL) deliver every row once."""
    for i in range(200):
        slack.add_user(f"U{i:05d}", f"person{i}")
    queue(db_url, *({"key": f"row{i}", "channel": f"U{i:05d}", "text": f"row {i}"} for i in range(200)))
    slack.latency = 0.002
    senders = [sender_for(db_url, slack, batch=10, workers=4, rate=10_000) for _ in range(2)]
    threads = [threading.Thread(target=s.drain, args=(60,)) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = Counter(c.args["text"] for c in slack.calls_to("chat.postMessage") if c.ok)
    assert len(texts) == 200 and set(texts.values()) == {1}
    with make_sessions(make_engine(db_url))() as session:
        assert set(session.scalars(select(OutboundMessage.status))) == {"sent"}


def test_a_delivered_rows_text_is_not_kept(db_url: str, slack: FakeSlack) -> None:
    """Once Slack has a notification (it may be private feedback), the outbox keeps only where it went."""

    def noop(session, row, answer, arg) -> None:  # noqa: ANN001
        return None

    queue(db_url, {"key": "secret", "channel": "URAVI", "text": "Your feedback: be bolder"},
          {"key": "secret-hooked", "channel": "URAVI", "text": "Feedback again", "on_sent": "test.noop:1"})
    sender_for(db_url, slack, hooks={"test.noop": noop}).drain(5)
    for key in ("secret", "secret-hooked"):
        row = stored(db_url, key)
        assert row.status == "sent" and row.result["ts"]
        assert "feedback" not in str(row.payload).lower()


def test_the_rate_bucket_survives_a_clock_that_jumps_back() -> None:
    """A monotonic clock that jumps backwards (a frozen test clock released) never stalls the sender."""
    import time as real_time

    from bot.slack_calls import TokenBucket

    bucket = TokenBucket(rate=100)
    bucket._last = real_time.monotonic() + 1.8e9  # as if made under a frozen clock far in the future
    started = real_time.monotonic()
    for _ in range(150):
        bucket.take()
    assert real_time.monotonic() - started < 5  # 150 tokens at 100/s: about half a second, never years


def test_updates_of_one_message_apply_in_the_order_written(db_url: str, slack: FakeSlack) -> None:
    """v2 deferred behind the post must not land after v3: the message ends with the newest content."""
    import time as real_time

    queue(db_url, {"key": "post", "channel": "CKUDOS", "text": "1 clap"},
          {"key": "post:v2", "channel": "CKUDOS", "text": "2 claps", "update_of": "post"})
    sender = sender_for(db_url, slack, batch=1, backoff=0.3, max_backoff=0.3)  # one row per pass
    slack.fail_next("chat.postMessage", times=1, status=500)
    sender.run_once()  # the post: 500, due again in 0.3 s
    sender.run_once()  # v2: its post is not there yet, so v2 waits a second
    real_time.sleep(0.35)
    sender.run_once()  # the post goes out
    queue(db_url, {"key": "post:v3", "channel": "CKUDOS", "text": "3 claps", "update_of": "post"})
    sender.run_once()  # v3 is due now, v2 only later: v3 must wait for v2
    sender.drain(15)
    [posted] = [c for c in slack.calls_to("chat.postMessage") if c.ok]
    assert [c.args["text"] for c in slack.calls_to("chat.update")] == ["2 claps", "3 claps"]
    assert slack.message("CKUDOS", posted.response["ts"])["text"] == "3 claps"


def test_rows_waiting_past_half_their_lease_go_back_and_are_posted_once(db_url: str, slack: FakeSlack) -> None:
    """A batch that would outlast its lease (one busy channel) gives back the rows not begun: a second, faster
    sender takes those over, and no message is posted by both (each of the 12 exactly once)."""
    queue(db_url, *({"key": f"busy{i}", "channel": "URAVI", "text": f"busy {i}"} for i in range(12)))
    slow = sender_for(db_url, slack, lease=2.0, per_channel_interval=0.4, batch=50)
    fast = sender_for(db_url, slack, lease=2.0, batch=50)
    first = threading.Thread(target=slow.drain, args=(60,))
    first.start()
    deadline = time.monotonic() + 10
    while not slack.calls_to("chat.postMessage") and time.monotonic() < deadline:
        time.sleep(0.01)  # the slow sender holds all 12 before the fast one starts
    second = threading.Thread(target=fast.drain, args=(60,))
    second.start()
    first.join()
    second.join()
    texts = Counter(c.args["text"] for c in slack.calls_to("chat.postMessage") if c.ok)
    assert len(texts) == 12 and set(texts.values()) == {1}
    with make_sessions(make_engine(db_url))() as session:
        assert set(session.scalars(select(OutboundMessage.status))) == {"sent"}
