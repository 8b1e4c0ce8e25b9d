"""Kill runs: `okrbot serve` SIGKILLed at random moments during a burst of kudos reactions, then restarted.

What an operator meets when a host dies: 16 concurrent senders deliver N distinct `reaction_added` kudos (10
givers × 50 authors), each retried like Slack does when no 200 comes within 3 s; `okrbot serve` (2 workers, 8
threads, its inbox workers and outbox senders) is killed with SIGKILL three times at random moments and
restarted at once. Then everything drains and is counted: kudos lost (acknowledged or not), kudos doubled, DMs
posted twice, and the time from the last acknowledgement to a drained inbox and outbox. Target: 0, 0, 0.

Run: `python -m bench chaos` (`--quick`: 300 reactions instead of 1,000). Writes bench/results/chaos.md.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime
from pathlib import Path

from bench.common import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM,
    databases,
    machine_busy,
    scratch_directory,
    table,
    write_result,
)
from tests.support.chaos import Storm, free_port, kudos_reactions, serve, wait_drained, wait_healthy

NAME = "chaos"
GIVERS = tuple(f"UGIVER{n:02d}" for n in range(10))
AUTHORS = tuple(f"UAUTHOR{n:02d}" for n in range(50))
KILLS = 3


def start_slack():  # noqa: ANN201 - a FakeSlack
    """The loopback Slack with the givers, the authors and #general."""
    from bot.sandbox.fake_slack import FakeSlack

    fake = FakeSlack(team_id=TEAM, team_name="Chaos", bot_user_id="UBOT", bot_token=BOT_TOKEN).start()
    for user in (*GIVERS, *AUTHORS):
        fake.add_user(user, user.lower(), real_name=user.title(), email=f"{user.lower()}@example.com", tz="UTC")
    fake.add_channel("CGENERAL", "general", members=[*GIVERS, *AUTHORS])
    return fake


def kill_run(label: str, database_url: str, count: int, directory: Path) -> list[object]:
    """One kill run; returns its table row."""
    slack = start_slack()
    port = free_port()
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.base_url,
           "DATABASE_URL": database_url, "OKRBOT_KUDOS_DAILY_LIMIT": "100000", "OKRBOT_SEND_RATE": "200",
           "OKRBOT_INBOX_LEASE": "5", "OKRBOT_OUTBOX_LEASE": "30", "LOG_LEVEL": "WARNING"}
    server = serve(env, directory, port=port, name=f"serve-{label}", workers=2, threads=8).start()
    events = kudos_reactions(count, GIVERS, AUTHORS, run=label[:2].upper())
    moments = sorted(random.sample(range(count // 10, count * 9 // 10), KILLS))  # noqa: S311 - not crypto
    kills: list[float] = []
    lock = threading.Lock()

    def maybe_kill(acked: int) -> None:
        with lock:
            if len(kills) >= KILLS or acked < moments[len(kills)]:
                return
            started = time.monotonic()
            server.kill()
            server.start()
            kills.append(time.monotonic() - started)

    try:
        wait_healthy(port, server)
        storm = Storm(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, deadline=600)
        started = time.monotonic()
        storm.run(events, on_ack=lambda acked: threading.Thread(target=maybe_kill, args=(acked,)).start())
        burst = time.monotonic() - started
        wait_healthy(port, server)
        outcome = wait_drained(database_url, slack, [expected for _, _, expected in events], timeout=600)
    finally:
        server.stop()
        slack.stop()
    acked = len(storm.acked)
    retries = sum(storm.attempts.values()) - count
    return [label, count, len(kills), acked, retries, len(outcome.missing), outcome.kudos - (count - len(
        outcome.missing)), len(outcome.doubled_dms), count - len(outcome.dm_posts), f"{burst:.0f}",
        f"{outcome.drain_seconds:.1f}"]


def main(quick: bool = False) -> None:
    """Run the kill run on every database and write bench/results/chaos.md."""
    count = 300 if quick else 1000
    load = machine_busy()
    rows = []
    with scratch_directory("okrbot-chaos-") as directory, databases(directory) as backends:
        for label, url in backends:
            rows.append(kill_run(label, url, count, directory))
    headers = ["database", "reactions", "kills", "acked", "Slack retries", "kudos lost", "kudos doubled",
               "DMs posted twice", "DMs missing", "burst s", "drain s"]
    markdown = "\n".join([
        "## Kill runs: SIGKILL of `okrbot serve` during a kudos burst (`bench/chaos.py`)", "",
        f"Taken {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}{' (quick)' if quick else ''}; machine busy "
        f"{load:.0%} of all cores before the run (shared machine). `okrbot serve` (2 workers × 8 threads) killed with "
        f"SIGKILL {KILLS} times at random moments and restarted at once; 16 senders retry each event until it is "
        "acknowledged (no 200 within 3 s, or no answer). Drain: from the last acknowledgement to an empty inbox "
        "and outbox (it includes waiting out the leases a killed process held: OKRBOT_INBOX_LEASE=5, "
        "OKRBOT_OUTBOX_LEASE=30).", "",
        table(headers, rows), "",
        "Target: 0 lost, 0 doubled, 0 posted twice (issue #10).",
    ])
    print(write_result(NAME, markdown))
