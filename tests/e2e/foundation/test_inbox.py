"""The inbox: what okrbot acknowledges to Slack has its effect exactly once, through kills, retries, duplicates,
failures and poisoned events."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import replay_event
from bot.sandbox.slack.fake import FakeSlack
from bot.sandbox.slack.payloads import event_callback, message_event, reaction_event
from storage.models_delivery import InboxEvent
from storage.models_kudos import Kudos
from tests.support.chaos import Storm, dm_posts, free_port, kudos_reactions, serve, wait_drained, wait_healthy
from tests.support.cli import cli_variables, invoke
from tests.support.stack import BOT_TOKEN, SIGNING_SECRET, TEAM, Stack, populate, start_stack

HUMANS = ("UMARIA", "URAVI", "ULENA", "UTOM", "UPAT", "UADMIN")


def clap(giver: str, author: str, ts: str, event_id: str, *, removed: bool = False) -> tuple[str, bytes]:
    """A signed-later :clap: reaction_added (or _removed) by `giver` on `author`'s message `ts` in #general."""
    return event_callback(TEAM, reaction_event(giver, "clap", channel="CGENERAL", ts=ts, item_user=author,
                                               removed=removed), event_id=event_id)


def kudos_rows(stack: Stack) -> list[tuple[str, str, str]]:
    with stack.sessions() as session:
        return [(k.giver_id, k.receiver_id, k.message_ts) for k in session.scalars(select(Kudos).order_by(Kudos.id))]


def inbox_rows(stack: Stack) -> list[InboxEvent]:
    with stack.sessions() as session:
        return list(session.scalars(select(InboxEvent).order_by(InboxEvent.id)))


def wait_until(predicate, timeout: float = 15.0, what: str = "condition") -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(0.05)


# ---- okrbot serve killed with SIGKILL during a burst of kudos


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(team_id=TEAM, team_name="Acme", bot_user_id="UBOT", bot_token=BOT_TOKEN).start()
    populate(fake)
    yield fake
    fake.stop()


def test_serve_killed_twice_during_200_kudos_counts_and_dms_each_once(db_url: str, slack: FakeSlack,
                                                                      tmp_path: Path) -> None:
    """SIGKILL of `okrbot serve` twice during 200 distinct kudos reactions (retried like Slack), then restarted:
    every kudos is stored once and every receiver DM is posted once."""
    port = free_port()
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.base_url,
           "DATABASE_URL": db_url, "OKRBOT_KUDOS_DAILY_LIMIT": "1000", "OKRBOT_INBOX_LEASE": "3",
           # Short leases so the test does not wait minutes for rows a killed process held; the outbox lease must
           # still outlast one sender batch (one DM per second per receiver), or a live sender's rows are retaken.
           "OKRBOT_OUTBOX_LEASE": "20", "LOG_LEVEL": "WARNING"}
    server = serve(env, tmp_path, port=port).start()
    events = kudos_reactions(200, HUMANS, HUMANS)
    kills: list[int] = []
    busy = threading.Lock()

    def kill_at(acked: int) -> None:
        if acked < (60, 130)[min(len(kills), 1)] or len(kills) >= 2 or not busy.acquire(blocking=False):
            return
        try:
            kills.append(acked)
            server.kill()  # mid-burst: events in the inbox, rows claimed, DMs being sent
            server.start()
        finally:
            busy.release()

    try:
        wait_healthy(port, server)
        storm = Storm(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET)
        storm.run(events, on_ack=lambda acked: threading.Thread(target=kill_at, args=(acked,)).start())
        assert len(storm.acked) == 200, f"only {len(storm.acked)} of 200 events were acknowledged"
        wait_healthy(port, server)
        outcome = wait_drained(db_url, slack, [expected for _, _, expected in events])
    finally:
        server.stop()
    assert len(kills) == 2
    assert outcome.missing == [] and outcome.kudos == 200
    assert len(outcome.dm_posts) == 200 and outcome.doubled_dms == []
    assert outcome.inbox.get("failed", 0) == 0


def test_two_schedulers_and_two_serves_share_one_inbox_without_doing_a_row_twice(pg_url: str, slack: FakeSlack,
                                                                                tmp_path: Path) -> None:
    """PostgreSQL: 300 stored kudos events drained by two `okrbot scheduler` and two `okrbot serve` (two workers
    each) at once: every row is done by exactly one worker on its first attempt, several processes shared the
    work, and each kudos and DM exists once."""
    from bot.inbox import Inbox
    from storage.db import make_engine, make_sessions
    from tests.support.chaos import Process
    from tests.support.db import truncate_postgres

    truncate_postgres(pg_url)
    engine = make_engine(pg_url)
    inbox = Inbox(make_sessions(engine))
    events = kudos_reactions(300, HUMANS, HUMANS, run="P")
    for _event_id, (_, body), _ in events:
        assert inbox.accept(json.loads(body))
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.base_url,
           "DATABASE_URL": pg_url, "OKRBOT_KUDOS_DAILY_LIMIT": "1000", "LOG_LEVEL": "WARNING"}
    ports = [free_port(), free_port()]
    processes = [serve(env, tmp_path, port=port, name=f"serve{n}") for n, port in enumerate(ports)]
    processes += [Process(["scheduler"], env, tmp_path / f"scheduler{n}.log") for n in range(2)]
    try:
        for process in processes:
            process.start()
        outcome = wait_drained(pg_url, slack, [expected for _, _, expected in events])
    finally:
        for process in processes:
            process.stop()
    with make_sessions(engine)() as session:
        rows = list(session.scalars(select(InboxEvent)))
    engine.dispose()
    assert len(rows) == 300 and {row.status for row in rows} == {"done"}
    assert {row.attempts for row in rows} == {1}
    assert len({row.owner.rsplit(":", 1)[0] for row in rows}) >= 2  # host:pid of the worker that did it
    assert outcome.missing == [] and outcome.kudos == 300
    assert len(outcome.dm_posts) == 300 and outcome.doubled_dms == []


# ---- in-process: retries, duplicates, a failure, a poisoned event, a worker that died after the work


def test_a_retried_kudos_reaction_counts_once(stack: Stack) -> None:
    """The same reaction event delivered twice (the second with X-Slack-Retry-Num): one kudos, one DM."""
    assert stack.send.send(clap("URAVI", "ULENA", "1700000001.000100", "EvRETRYK")).status == 200
    assert stack.send.send(clap("URAVI", "ULENA", "1700000001.000100", "EvRETRYK"), retry_num=1).status == 200
    stack.deliver()
    assert kudos_rows(stack) == [("URAVI", "ULENA", "1700000001.000100")]
    assert list(dm_posts(stack.slack).values()) == [1]
    assert [row.status for row in inbox_rows(stack)] == ["done"]


def test_one_event_from_four_senders_at_once_counts_once(stack: Stack) -> None:
    """Four concurrent deliveries of one reaction event are one inbox row: one kudos, one DM."""
    built = clap("UTOM", "UPAT", "1700000002.000100", "EvFOURK")
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda n: stack.send.send(built, retry_num=n or None).status, range(4)))
    assert statuses == [200] * 4
    stack.deliver()
    assert kudos_rows(stack) == [("UTOM", "UPAT", "1700000002.000100")]
    assert list(dm_posts(stack.slack).values()) == [1]
    assert len(inbox_rows(stack)) == 1


def test_work_that_fails_once_is_retried_and_counts_once(stack: Stack) -> None:
    """Slack's users.info answers 500 on the first try: the row is retried, one kudos and one DM result."""
    stack.slack.fail_next("users.info", times=1, status=500)
    assert stack.send.send(clap("ULENA", "UTOM", "1700000003.000100", "EvFAILONCE")).status == 200
    stack.deliver()
    assert kudos_rows(stack) == [("ULENA", "UTOM", "1700000003.000100")]
    assert list(dm_posts(stack.slack).values()) == [1]
    [row] = inbox_rows(stack)
    assert (row.status, row.attempts) == ("done", 2)


def test_a_poisoned_event_is_parked_without_holding_up_others(stack: Stack) -> None:
    """An event whose work fails every time is parked `failed` with its error after N attempts; other events run
    meanwhile, the event behind it on the same message runs once it is parked, and --retry-failed reruns it."""
    assert stack.send.send(clap("URAVI", "ULENA", "1700000004.000100", "EvWARM")).status == 200
    stack.deliver()  # Ravi and Lena are known now: their next kudos need no users.info
    attempts = stack.runtime.inbox_worker().max_attempts
    stack.slack.fail_next("users.info", times=attempts, status=500)  # Tom is unknown: each attempt asks Slack
    assert stack.send.send(clap("UTOM", "URAVI", "1700000005.000100", "EvPOISON")).status == 200
    assert stack.send.send(clap("ULENA", "URAVI", "1700000005.000100", "EvBEHIND")).status == 200
    assert stack.send.send(clap("ULENA", "URAVI", "1700000006.000100", "EvOTHER")).status == 200
    stack.deliver()
    rows = {row.event_key: row for row in inbox_rows(stack)}
    assert rows["EvPOISON"].status == "failed" and rows["EvPOISON"].attempts == attempts
    assert "internal_error" in (rows["EvPOISON"].last_error or "")
    assert rows["EvBEHIND"].status == rows["EvOTHER"].status == "done"
    assert ("UTOM", "URAVI", "1700000005.000100") not in kudos_rows(stack)

    listed = invoke(cli_variables(stack.runtime), "inbox")
    assert "1 failed" in listed.output and "EvPOISON" in listed.output and "internal_error" in listed.output
    retried = invoke(cli_variables(stack.runtime), "inbox", "--retry-failed")
    assert "1 failed rows queued again" in retried.output
    stack.deliver()
    assert kudos_rows(stack).count(("UTOM", "URAVI", "1700000005.000100")) == 1
    assert sorted(dm_posts(stack.slack).values()) == [1, 1, 1, 1]


def test_a_row_whose_worker_died_after_the_work_is_taken_again_without_a_second_effect(db_url: str) -> None:
    """A worker commits a kudos and dies before marking its row done: after the lease another worker takes the
    row; the kudos and its DM still exist once."""
    stack = start_stack(db_url, sender=False)  # no background worker: this test plays the dead one
    try:
        body = {"type": "event_callback", "team_id": TEAM, "event_id": "EvDIED",
                "event": reaction_event("UPAT", "clap", channel="CGENERAL", ts="1700000007.000100",
                                        item_user="UMARIA")}
        assert stack.runtime.inbox.accept(body)
        [(row_id, payload, _)] = stack.runtime.inbox.claim("dead-worker", limit=10, lease=30)
        replay_event(stack.runtime.worker_app, payload)  # the work commits; the worker dies before done()
        assert stack.runtime.inbox_worker().run_once() == 0  # still leased
        stack.clock.advance(seconds=31)
        stack.deliver()
        [row] = inbox_rows(stack)
        assert (row.id, row.status, row.attempts) == (row_id, "done", 2)
        assert kudos_rows(stack) == [("UPAT", "UMARIA", "1700000007.000100")]
        assert list(dm_posts(stack.slack).values()) == [1]
    finally:
        stack.close()


def test_a_removed_reaction_never_overtakes_its_addition(db_url: str) -> None:
    """reaction_added then reaction_removed of one kudos, stored before any worker runs: the kudos is given, then
    taken back (the removal waits for the addition of the same message)."""
    stack = start_stack(db_url, sender=False)
    try:
        ts = "1700000008.000100"
        for event_id, removed in (("EvADD", False), ("EvREMOVE", True)):
            assert stack.send.send(clap("UMARIA", "URAVI", ts, event_id, removed=removed)).status == 200
        first = stack.runtime.inbox.claim("w1", limit=10, lease=30)
        assert [payload["event_id"] for _, payload, _ in first] == ["EvADD"]  # the removal is not offered yet
        assert stack.runtime.inbox.claim("w2", limit=10, lease=30) == []
        replay_event(stack.runtime.worker_app, first[0][1])
        stack.runtime.inbox.done(first[0][0], "w1")
        stack.deliver()
        assert kudos_rows(stack) == []
        assert [row.status for row in inbox_rows(stack)] == ["done", "done"]
    finally:
        stack.close()


def test_events_okrbot_does_not_act_on_are_not_stored(stack: Stack) -> None:
    """A top-level channel message, a reaction on a file and an :eyes: where no objective lives are acknowledged
    but not kept; a thread reply is kept until worked on, then only its key remains."""
    chatter = event_callback(TEAM, message_event("URAVI", "CGENERAL", "lunch?", ts="1700000009.000100"))
    reply = event_callback(TEAM, message_event("URAVI", "CGENERAL", "secret plans", ts="1700000009.000300",
                                               thread_ts="1700000009.000200"), event_id="EvREPLY")
    on_file = event_callback(TEAM, {"type": "reaction_added", "user": "URAVI", "reaction": "clap",
                                    "item": {"type": "file", "file": "F1"}})
    eyes = event_callback(TEAM, reaction_event("URAVI", "eyes", channel="CGENERAL", ts="1700000009.000100",
                                               item_user="ULENA"))
    for built in (chatter, reply, on_file, eyes):
        assert stack.send.send(built).status == 200
    stack.deliver()
    rows = inbox_rows(stack)
    assert [(row.event_key, row.status, row.payload) for row in rows] == [("EvREPLY", "done", None)]


def test_prune_deletes_done_rows_older_than_a_day(stack: Stack) -> None:
    """The housekeeping job deletes done rows older than a day and keeps newer and failed ones."""
    from bot.scheduler import prune_inbox

    assert stack.send.send(clap("URAVI", "UTOM", "1700000010.000100", "EvOLD")).status == 200
    stack.deliver()
    stack.clock.advance(hours=25)
    assert stack.send.send(clap("URAVI", "UTOM", "1700000011.000100", "EvNEW")).status == 200
    stack.deliver()
    assert prune_inbox(stack.runtime) == 1
    assert [row.event_key for row in inbox_rows(stack)] == ["EvNEW"]


def test_the_ack_insert_survives_a_connection_the_database_closed(pg_url: str) -> None:
    """PostgreSQL: the inbox pool skips pre-ping; when the database has closed its connection (a restart), the
    insert is retried once on a new one and the event is still stored."""
    from sqlalchemy import text

    from bot.runtime import build_runtime
    from bot.settings import Settings
    from storage.db import make_engine
    from tests.support.db import truncate_postgres

    truncate_postgres(pg_url)
    runtime = build_runtime(Settings(_env_file=None, DATABASE_URL=pg_url), migrate="skip")  # type: ignore[call-arg]
    admin = make_engine(pg_url)
    try:
        home = {"type": "app_home_opened", "user": "URAVI", "tab": "home"}
        assert runtime.inbox.accept(json.loads(event_callback(TEAM, home, event_id="EvBEFORE")[1]))
        with admin.begin() as connection:
            killed = connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                                             "datname = current_database() AND pid <> pg_backend_pid()")).all()
        assert killed  # the inbox's pooled connection was among them
        assert runtime.inbox.accept(json.loads(event_callback(TEAM, home, event_id="EvAFTER")[1]))
        assert runtime.inbox.counts()["pending"] == 2
    finally:
        admin.dispose()
        runtime.close()
