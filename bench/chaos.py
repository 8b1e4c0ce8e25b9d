"""Kill runs: okrbot's processes SIGKILLed at random moments, then restarted. Two scenarios:

Kudos burst: `okrbot serve` SIGKILLed at random moments during a burst of kudos reactions, then restarted.

What an operator meets when a host dies: 16 concurrent senders deliver N distinct `reaction_added` kudos (10
givers × 50 authors), each retried like Slack does when no 200 comes within 3 s; `okrbot serve` (2 workers, 8
threads, its inbox workers and outbox senders) is killed with SIGKILL three times at random moments and
restarted at once. Then everything drains and is counted: kudos lost (acknowledged or not), kudos doubled, DMs
posted twice, and the time from the last acknowledgement to a drained inbox and outbox. Target: 0, 0, 0.

Nudge run: bench/nudge.py's data set (default 10,000 pairs) scanned by `okrbot nudge --at … --no-deliver`,
SIGKILLed once after its first chunk committed and run again; then the DMs are delivered by the outbox senders
of `okrbot serve`, `okrbot socket` (connected to the loopback Socket Mode peer) and `okrbot scheduler`, each of
them SIGKILLed twice at random moments and restarted at once. Counted from the Slack transcript (every message
carries its outbox key): DMs never posted, posted twice, nudges recorded twice, time to drain.

Run: `python -m bench chaos` (`--quick`: 300 reactions instead of 1,000, 1,000 pairs instead of 10,000), or
`python -m bench.chaos [--scenario kudos|nudge] [--pairs N]`. Writes bench/results/chaos.md (a scenario run
alone keeps the other's section).
"""

from __future__ import annotations

import argparse
import random
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bench import nudge
from bench.common import (
    BOT_TOKEN,
    RESULTS,
    SIGNING_SECRET,
    TEAM,
    databases,
    machine_busy,
    scratch_directory,
    table,
    write_result,
)
from tests.support.chaos import (
    Process,
    SocketStorm,
    Storm,
    free_port,
    kudos_reactions,
    serve,
    socket_app,
    wait_drained,
    wait_healthy,
)

NAME = "chaos"
GIVERS = tuple(f"UGIVER{n:02d}" for n in range(10))
AUTHORS = tuple(f"UAUTHOR{n:02d}" for n in range(50))
KILLS = 3


def start_slack():  # noqa: ANN201 - a FakeSlack
    """The loopback Slack with the givers, the authors and #general."""
    from bot.sandbox.slack.fake import FakeSlack

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


KUDOS_HEADING = "## Kill runs: SIGKILL of `okrbot serve` during a kudos burst"
NUDGE_HEADING = "## Kill runs: SIGKILL of serve, socket and scheduler during a nudge run"


def kudos_section(quick: bool, load: float) -> str:
    """The kudos-burst scenario on every database, as Markdown."""
    count = 300 if quick else 1000
    rows = []
    with scratch_directory("okrbot-chaos-") as directory, databases(directory) as backends:
        for label, url in backends:
            rows.append(kill_run(label, url, count, directory))
    headers = ["database", "reactions", "kills", "acked", "Slack retries", "kudos lost", "kudos doubled",
               "DMs posted twice", "DMs missing", "burst s", "drain s"]
    return "\n".join([
        f"{KUDOS_HEADING} (`bench/chaos.py`)", "",
        f"Taken {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}{' (quick)' if quick else ''}; machine busy "
        f"{load:.0%} of all cores before the run (shared machine). `okrbot serve` (2 workers × 8 threads) killed with "
        f"SIGKILL {KILLS} times at random moments and restarted at once; 16 senders retry each event until it is "
        "acknowledged (no 200 within 3 s, or no answer). Drain: from the last acknowledgement to an empty inbox "
        "and outbox (it includes waiting out the leases a killed process held: OKRBOT_INBOX_LEASE=5, "
        "OKRBOT_OUTBOX_LEASE=30).", "",
        table(headers, rows), "",
        "Target: 0 lost, 0 doubled, 0 posted twice (issue #10).",
    ])


# --------------------------------------------------------------------------- the nudge run

NUDGE_KILLS = ("serve", "socket", "scheduler") * 2
NUDGE_REACTIONS = 200  # per front door
APP_TOKEN = "xapp-1-A0BENCH01-2001-chaos"


def _nudge_keys(output: str) -> set[str]:
    """The outbox keys a `okrbot nudge` run printed (one line per DM)."""
    return set(re.findall(r"\b(nudge:\S+)", output))


def _scalar(url: str, sql: str, **params: object) -> int:
    """Run one statement in its own transaction; its single value (or the rows it changed)."""
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return int(result.scalar() or 0) if result.returns_rows else int(result.rowcount or 0)
    finally:
        engine.dispose()


def nudge_run(label: str, database_url: str, pairs: int, directory: Path) -> list[object]:
    """One nudge kill run; returns its table row."""
    from tests.support.socket_mode_peer import FakeSocketMode

    managers = max(1, pairs // nudge.REPORTS_PER_MANAGER)
    nudge.seed(database_url, managers)
    members = [user for user, _, _ in nudge.people_of(managers)[:100]]  # the members of #okrs
    givers, authors = [u for u in members if u.startswith("UM")][:4], [u for u in members if u.startswith("UR")]
    reactions = [kudos_reactions(NUDGE_REACTIONS, givers, authors, run="H", channel="COKRS"),
                 kudos_reactions(NUDGE_REACTIONS, givers, authors, run="S", channel="COKRS", start=NUDGE_REACTIONS)]
    peer = FakeSocketMode().start()
    slack = nudge.SlackProcess(nudge.people_of(managers), nudge.LATENCY, socket_mode_url=peer.url,
                               count_only=False)  # kudos reactions read the messages they react to
    at = nudge.SCAN_AT.isoformat()
    port = free_port()
    env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_APP_TOKEN": APP_TOKEN,
           "SLACK_API_URL": slack.base_url, "DATABASE_URL": database_url, "OKRBOT_SEND_RATE": str(nudge.SEND_RATE),
           "OKRBOT_KUDOS_DAILY_LIMIT": "100000", "OKRBOT_INBOX_LEASE": "5", "OKRBOT_OUTBOX_LEASE": "30",
           "LOG_LEVEL": "WARNING"}
    processes = {"serve": serve(env, directory, port=port, name=f"nudge-serve-{label}", workers=2, threads=4),
                 "socket": socket_app(env, directory, name=f"nudge-socket-{label}"),
                 "scheduler": Process(["scheduler"], env, directory / f"nudge-scheduler-{label}.log")}
    kills: list[tuple[str, int]] = []
    try:
        # What the scan will send, from a dry run (it writes nothing).
        dry = Process(["nudge", "--at", at, "--dry-run"], env, directory / f"nudge-dry-{label}.log").start()
        code = dry.process.wait(timeout=1800) if dry.process is not None else 1
        expected = _nudge_keys(dry.output())
        if code != 0 or not expected:
            raise RuntimeError(f"the dry run failed:\n{dry.output()[-2000:]}")
        for process in processes.values():
            process.start()
        wait_healthy(port, processes["serve"])
        if not peer.connected.wait(90):
            raise RuntimeError(f"okrbot socket did not connect:\n{processes['socket'].output()[-2000:]}")
        # The scan, killed once after its first chunk of nudges committed, then run again to the end.
        scan = Process(["nudge", "--at", at, "--no-deliver"], env, directory / f"nudge-scan-{label}.log").start()
        while scan.process is not None and scan.process.poll() is None and \
                not _scalar(database_url, "SELECT count(*) FROM nudges"):
            time.sleep(0.05)
        if scan.process is not None and scan.process.poll() is None:
            scan.kill()
            kills.append(("scan", _scalar(database_url, "SELECT count(*) FROM nudges")))
        scan.start()
        if scan.process is not None and scan.process.wait(timeout=1800) != 0:
            raise RuntimeError(f"the scan failed:\n{scan.output()[-2000:]}")
        # The scan ran as of 15 December; the serving processes run on the real clock: its DMs are due now.
        started = time.monotonic()
        _scalar(database_url, "UPDATE outbox SET next_attempt_at = :now WHERE status = 'pending'",
                now=datetime.now(UTC))
        total = len(expected)
        # Meanwhile Slack delivers kudos reactions to both front doors: over HTTP to serve, over Socket Mode to
        # socket (each event again until acknowledged, like Slack).
        storms = [Storm(f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, senders=4, deadline=1800),
                  SocketStorm(peer, senders=4, deadline=1800)]
        streams = [threading.Thread(target=storm.run, args=(batch,), daemon=True)
                   for storm, batch in zip(storms, reactions, strict=True)]
        for stream in streams:
            stream.start()
        order = random.sample(NUDGE_KILLS, len(NUDGE_KILLS))
        moments = sorted(random.sample(range(total // 10, total * 9 // 10), len(order)))  # noqa: S311
        last_restart = started
        for name, moment in zip(order, moments, strict=True):
            while _scalar(database_url, "SELECT count(*) FROM outbox WHERE status = 'sent'") < moment:
                if time.monotonic() - started > 1800:
                    raise TimeoutError("delivery stalled")
                time.sleep(0.1)
            processes[name].kill()
            kills.append((name, moment))
            processes[name].start()
            last_restart = time.monotonic()
        for stream in streams:
            stream.join()
        busy = ("SELECT (SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')) + "
                "(SELECT count(*) FROM inbox_events WHERE status = 'pending')")
        while _scalar(database_url, busy) and time.monotonic() - started < 1800:
            time.sleep(0.25)
        finished = time.monotonic()
        stored = _kudos(database_url)
        rows = set(nudge.outbox_keys(database_url))
        posted, failed = slack.posted()
        doubled = _scalar(database_url, "SELECT count(*) FROM (SELECT 1 FROM nudges GROUP BY team_id, manager_id, "
                          "report_id, period HAVING count(*) > 1) AS twice")
    finally:
        for process in processes.values():
            process.stop()
        slack.stop()
        peer.stop()
    kudos_expected = [triple for batch in reactions for _, _, triple in batch]
    kudos_lost = sum(1 for triple in kudos_expected if stored[triple] == 0)
    kudos_doubled = sum(1 for triple in kudos_expected if stored[triple] > 1)
    kudos_dms = sum(1 for key in posted if str(key).startswith("kudos-dm:"))
    acked = sum(len(storm.acked) for storm in storms)
    lost = sum(1 for key in expected if posted.get(key, 0) == 0)
    twice = sum(1 for key in expected | rows if posted.get(key, 0) > 1)
    unexpected = len({key for key in rows if key.startswith("nudge:")} - expected)
    return [label, f"{managers * nudge.REPORTS_PER_MANAGER:,}", f"{total:,}", len(kills),
            ", ".join(f"{name}@{at:,}" for name, at in kills), f"{len(rows):,}", lost, doubled, twice, unexpected,
            f"{acked}/{len(kudos_expected)}", kudos_lost, kudos_doubled, len(kudos_expected) - kudos_dms, failed,
            f"{finished - started:.1f}", f"{finished - last_restart:.1f}"]


def _kudos(url: str) -> Counter[tuple[str, str, str]]:
    """(giver, receiver, message ts) of every kudos given by reaction, with how many rows each has."""
    from sqlalchemy import select

    from storage.db import make_engine
    from storage.models_kudos import Kudos

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return Counter(tuple(row) for row in connection.execute(  # type: ignore[misc]
                select(Kudos.giver_id, Kudos.receiver_id, Kudos.message_ts).where(Kudos.source == "reaction")))
    finally:
        engine.dispose()


def nudge_section(pairs: int, load: float) -> str:
    """The nudge-run scenario on every database, as Markdown."""
    rows = []
    with scratch_directory("okrbot-chaos-nudge-") as directory, databases(directory) as backends:
        for label, url in backends:
            rows.append(nudge_run(label, url, pairs, directory))
    headers = ["database", "pairs", "nudge DMs expected", "kills", "killed (in order, @ nudges stored or DMs sent)",
               "outbox rows", "nudge DMs lost", "nudges doubled", "DMs posted twice", "DMs not expected",
               "kudos acked", "kudos lost", "kudos doubled", "kudos DMs missing", "failed Slack calls",
               "delivery s", "drain after last restart s"]
    return "\n".join([
        f"{NUDGE_HEADING} (`bench/chaos.py`)", "",
        f"Taken {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; machine busy {load:.0%} of all cores before the run "
        "(shared machine). bench/nudge.py's data set and loopback Slack (its own process, 30 ms per call); the "
        "DMs expected are those of a dry run (`okrbot nudge --at … --dry-run`). The scan (`okrbot nudge --at … "
        "--no-deliver`) is SIGKILLed once after its first chunk committed and run again. Its DMs are then "
        "delivered by the outbox senders of `okrbot serve` (2 workers), `okrbot socket` (connected to the "
        "loopback Socket Mode peer) and `okrbot scheduler`, all running at once with OKRBOT_SEND_RATE="
        f"{nudge.SEND_RATE:g}; each of the three is SIGKILLed twice, in random order at random moments of the "
        "delivery (a count of DMs sent), and restarted at once. Lost: an expected DM never posted; posted twice: "
        "an outbox key in more than one successful chat.postMessage; nudges doubled: a pair with two nudge rows "
        "for the month (a unique constraint, checked anyway). Meanwhile "
        f"{NUDGE_REACTIONS} kudos reactions go to `okrbot serve` over HTTP and "
        f"{NUDGE_REACTIONS} to `okrbot socket` over Socket Mode (4 senders each; an event not acknowledged in 3 s "
        "comes again, as Slack does): every acknowledged kudos must be stored once and DMed once. Delivery: from "
        "the DMs becoming due to an empty outbox and inbox; drain: from the last restart to then (it includes "
        "waiting out the 30 s outbox lease and 5 s inbox lease a killed process held).", "",
        table(headers, rows), "",
        "Target: 0 lost, 0 doubled, 0 posted twice (issue #10).",
    ])


def _merge(heading: str, section: str) -> str:
    """chaos.md with `section` in place of the one starting with `heading` (the other scenario's kept)."""
    path = RESULTS / f"{NAME}.md"
    old = path.read_text() if path.exists() else ""
    parts = [p if p.startswith("## ") else "## " + p for p in re.split(r"^## ", old, flags=re.M) if p.strip()]
    kept = {KUDOS_HEADING: "", NUDGE_HEADING: ""}
    for part in parts:
        for known in kept:
            if part.startswith(known):
                kept[known] = part.strip()
    kept[heading] = section.strip()
    return "\n\n".join(part for part in kept.values() if part) + "\n"


def main(quick: bool = False, pairs: int | None = None, scenarios: tuple[str, ...] = ("kudos", "nudge")) -> None:
    """Run the scenarios on every database and write bench/results/chaos.md."""
    load = machine_busy()
    if "kudos" in scenarios:
        print(write_result(NAME, _merge(KUDOS_HEADING, kudos_section(quick, load))))
    if "nudge" in scenarios:
        pairs = pairs or (1000 if quick else 10_000)
        print(write_result(NAME, _merge(NUDGE_HEADING, nudge_section(pairs, machine_busy()))))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", choices=("kudos", "nudge"), action="append",
                        help="run only this scenario (repeatable; default both)")
    parser.add_argument("--pairs", type=int, default=None, help="pairs for the nudge run (default 10,000)")
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args()
    main(quick=arguments.quick, pairs=arguments.pairs, scenarios=tuple(arguments.scenario or ("kudos", "nudge")))
