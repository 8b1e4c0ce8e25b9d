"""The mid-month nudge at scale: 2,000 managers × 5 reports, scanned and delivered, then a sender killed halfway.

What runs where (so each figure is the bot's own):
- the loopback Slack (FakeSlack, 30 ms per call, every person a member) in its own process;
- the data set is written by the parent (OKRs with check-ins, open tasks, kudos, feedback requests, replies);
- the bot in a fresh process: one scan (`NudgeService.scan`, what the scheduler runs) then delivery by the
  real outbox sender through the real WebClient, with OKRBOT_SEND_RATE raised and several workers.
  Its CPU time (`time.process_time`), SQL statements (`before_cursor_execute`) and peak RSS
  (`getrusage`) are measured there;
- kill and restart: the same nudges scanned again, a sender process SIGKILLed when half is delivered,
  a new one started; the Slack transcript then says how often each outbox row was posted (every message
  carries its outbox key in its metadata).

Run: `python -m bench nudge` (`--quick`: 1,000 pairs) or `python -m bench.nudge --pairs 2000`.
Writes bench/results/nudge.md. PostgreSQL too when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import BOT_TOKEN, TEAM, databases, scratch_directory, table, write_result

NAME = "nudge"
LATENCY = 0.030
REPORTS_PER_MANAGER = 5
SCAN_AT = datetime(2026, 12, 15, 12, tzinfo=UTC)  # Tuesday: 10:00 or later on the 15th in every zone below
ZONES = ("UTC", "Europe/London", "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney")
SEND_RATE = 2000.0  # OKRBOT_SEND_RATE, raised for the bench (Slack's 1 message per second per channel stays)
WORKERS = 16
BATCH = 200
TARGET_CPU_MS = 2.0
TARGET_STATEMENTS = 1.0
TARGET_RSS_MB = 250  # issue 15: under 250 MB at 100,000 pairs


def peak_rss_mb() -> float:
    """This process's peak RSS in MB: VmHWM of its own address space. (`getrusage`'s ru_maxrss survives exec on
    Linux, so a spawned child would report its parent's peak, e.g. the seeding's, as its own.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- the loopback Slack process


def _fake_slack_child(connection: Any, users: list[tuple[str, str, str]], latency: float,
                      socket_mode_url: str | None = None, count_only: bool = True) -> None:
    import sys

    from bot.sandbox.slack.fake import FakeSlack

    # A killed sender leaves requests whose answers cannot be written back: that is the point, not news.
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of this child process

    fake = FakeSlack(team_id=TEAM, team_name="Bench", bot_user_id="UBOT", bot_token=BOT_TOKEN,
                     latency=latency)
    fake.count_only = count_only  # count postings per outbox key; keeping 100,000 bodies would make Slack the limit
    fake.start()
    for user_id, name, tz in users:
        fake.add_user(user_id, name, tz=tz)
    fake.add_channel("COKRS", "okrs", members=[u for u, _, _ in users[:100]])
    fake.socket_mode_url = socket_mode_url  # what apps.connections.open answers (bench/chaos.py's `okrbot socket`)
    connection.send(fake.base_url)
    while True:
        command = connection.recv()
        if command == "stop":
            break
        if command == "clear":
            fake.counted.clear()
            fake.clear_calls()
            connection.send("cleared")
        elif command == "posted":
            counted = dict(fake.counted) if count_only else dict(Counter(
                (c.method, c.ok, ((c.args.get("metadata") or {}).get("event_payload") or {}).get("key"))
                for c in fake.calls_to("chat.postMessage")))
            posted = {key: n for (method, ok, key), n in counted.items() if method == "chat.postMessage" and ok}
            failed = sum(n for (method, ok, _), n in counted.items() if method == "chat.postMessage" and not ok)
            connection.send((posted, failed))
        elif command == "rss":
            connection.send(peak_rss_mb())
    fake.stop()
    connection.close()


class SlackProcess:
    """FakeSlack in a child process; answers how often each message was posted."""

    def __init__(self, users: list[tuple[str, str, str]], latency: float, socket_mode_url: str | None = None,
                 count_only: bool = True) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_fake_slack_child,
                                        args=(child, users, latency, socket_mode_url, count_only), daemon=True)
        self._process.start()
        self.base_url: str = self._connection.recv()

    def posted(self) -> tuple[Counter[str], int]:
        """(outbox key → successful chat.postMessage calls carrying it, failed calls)."""
        self._connection.send("posted")
        posted, failed = self._connection.recv()
        return Counter(posted), failed

    def rss(self) -> float:
        """The loopback Slack process's peak RSS in MB."""
        self._connection.send("rss")
        return float(self._connection.recv())

    def clear(self) -> None:
        """Forget the transcript."""
        self._connection.send("clear")
        self._connection.recv()

    def stop(self) -> None:
        """Stop the child."""
        self._connection.send("stop")
        self._process.join(10)


# --------------------------------------------------------------------------- the data set


def people_of(managers: int) -> list[tuple[str, str, str]]:
    """(user id, name, tz) of every manager and report."""
    found = []
    for m in range(managers):
        found.append((f"UM{m:05d}", f"manager {m}", ZONES[m % len(ZONES)]))
        found += [(f"UR{m:05d}{r}", f"report {m}.{r}", ZONES[(m + r) % len(ZONES)]) for r in range(REPORTS_PER_MANAGER)]
    return found


def seed(url: str, managers: int) -> dict[str, int]:
    """Write the data set with bulk inserts; returns row counts."""
    from sqlalchemy import func, insert, select, text

    from storage.db import make_engine
    from storage.models import CheckIn, KeyResult, Objective, OkrComment, Person, Workspace
    from storage.models_feedback import FeedbackRequest
    from storage.models_kudos import Kudos
    from storage.models_one_on_ones import OneOnOne, Task

    engine = make_engine(url)
    synced = SCAN_AT - timedelta(hours=1)
    october, november = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 18, tzinfo=UTC)
    reports = [(f"UR{m:05d}{r}", f"UM{m:05d}") for m in range(managers) for r in range(REPORTS_PER_MANAGER)]
    counts: dict[str, int] = {}
    with engine.begin() as connection:
        connection.execute(insert(Workspace), [{"team_id": TEAM, "name": "Bench",
                                                "installed_at": datetime(2026, 12, 1, tzinfo=UTC)}])
        people = [{"team_id": TEAM, "user_id": u, "name": n, "tz": tz, "is_active": True, "is_bot": False,
                   "is_admin": False, "synced_at": synced,
                   "manager_id": None if u.startswith("UM") else "UM" + u[2:7],
                   "away_until": date(2026, 12, 31) if u.startswith("UR") and int(u[2:7]) % 50 == 1 and u[-1] == "0"
                   else None} for u, n, tz in people_of(managers)]
        connection.execute(insert(Person), people)
        connection.execute(insert(Objective), [
            {"team_id": TEAM, "owner_id": r, "quarter": "2026-Q4", "title": f"Make {r} customers happier",
             "channel_id": "COKRS", "message_ts": f"1790000000.{i:06d}", "created_at": october,
             "updated_at": october} for i, (r, _) in enumerate(reports)])
        objective_ids = dict(connection.execute(select(Objective.owner_id, Objective.id)).all())
        krs = []
        for r, _ in reports:
            for n, (title, current, status) in enumerate((("Weekly active teams", 70, None),
                                                          ("Time to first value (days)", 20, "off_track"),
                                                          ("Support tickets answered", 95, None))):
                krs.append({"team_id": TEAM, "objective_id": objective_ids[r], "title": title, "position": n,
                            "start_value": 0, "target_value": 100, "current_value": current, "unit": "",
                            "status": status, "updated_at": october})
        connection.execute(insert(KeyResult), krs)
        kr_rows = connection.execute(select(KeyResult.id, KeyResult.position, Objective.owner_id)
                                     .join(Objective, KeyResult.objective_id == Objective.id)).all()
        checkins = []
        for kr_id, position, owner in kr_rows:
            checkins.append({"team_id": TEAM, "key_result_id": kr_id, "author_id": owner, "value": 10,
                             "status": None, "obstacles": "Waiting for the data team" if position == 1 else "",
                             "next_steps": "", "created_at": november})
            checkins.append({"team_id": TEAM, "key_result_id": kr_id, "author_id": owner, "value": 20, "status": None,
                             "obstacles": "", "next_steps": "Pair with support" if position == 0 else "",
                             "created_at": datetime(2026, 12, 5, tzinfo=UTC)})
        connection.execute(insert(CheckIn), checkins)
        connection.execute(insert(OneOnOne), [
            {"team_id": TEAM, "requester_id": r, "manager_id": m, "topic": "", "state": "done",
             "requested_at": november, "done_at": datetime(2026, 12, 3, tzinfo=UTC) if i % 20 == 7 else november}
            for i, (r, m) in enumerate(reports)])
        ooo = connection.execute(select(OneOnOne.id, OneOnOne.requester_id, OneOnOne.manager_id)).all()
        connection.execute(insert(Task), [
            {"team_id": TEAM, "one_on_one_id": i, "assignee_id": who, "author_id": m, "text": text, "done": done,
             "carried_count": 1, "created_at": november}
            for i, r, m in ooo for who, text, done in ((r, "Share the churn analysis", False),
                                                       (m, "Book the offsite", True))])
        connection.execute(insert(Kudos), [
            {"team_id": TEAM, "giver_id": reports[(i + 1) % len(reports)][0], "receiver_id": r,
             "message": "Thanks for the quick fix!", "source": "command", "channel_id": "CKUDOS",
             "message_ts": f"cmd{i}", "reaction": "", "giver_local_day": date(2026, 12, 7),
             "created_at": datetime(2026, 12, 7, tzinfo=UTC)} for i, (r, _) in enumerate(reports)])
        connection.execute(insert(FeedbackRequest), [
            {"team_id": TEAM, "requester_id": reports[(i + 2) % len(reports)][0], "giver_id": r, "about": "Q4",
             "state": "pending", "created_at": datetime(2026, 12, 1, tzinfo=UTC)}
            for i, (r, _) in enumerate(reports) if i % 10 == 0])
        connection.execute(insert(OkrComment), [
            {"team_id": TEAM, "objective_id": objective_ids[r], "kind": "reply", "user_id": m, "channel_id": "COKRS",
             "message_ts": f"1790000100.{i:06d}", "reaction": "", "text": "How can I help here?",
             "created_at": datetime(2026, 12, 9, tzinfo=UTC)} for i, (r, m) in enumerate(reports) if i % 5 == 0])
        for model in (Person, Objective, KeyResult, CheckIn, OneOnOne, Task, Kudos, FeedbackRequest, OkrComment):
            counts[model.__tablename__] = connection.execute(select(func.count()).select_from(model)).scalar_one()
    # A live database has planner statistics (autovacuum); a bulk load scanned at once would not.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    return counts


def reset_nudges(url: str) -> None:
    """Forget every nudge and outbox row (the data set stays)."""
    from sqlalchemy import delete

    from storage.db import make_engine
    from storage.models_delivery import OutboundMessage
    from storage.models_nudges import Nudge

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(delete(OutboundMessage))
        connection.execute(delete(Nudge))
    engine.dispose()


def outbox_keys(url: str) -> list[str]:
    """The dedupe key of every outbox row (each message carries its key in its Slack metadata)."""
    from sqlalchemy import select

    from storage.db import make_engine
    from storage.models_delivery import OutboundMessage

    engine = make_engine(url)
    with engine.connect() as connection:
        keys = list(connection.scalars(select(OutboundMessage.dedupe_key)))
    engine.dispose()
    return keys


def sent_count(url: str) -> int:
    """Outbox rows delivered so far."""
    from sqlalchemy import func, select

    from storage.db import make_engine
    from storage.models_delivery import OutboundMessage

    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).where(OutboundMessage.status == "sent")).scalar_one()
    engine.dispose()
    return int(count)


# --------------------------------------------------------------------------- the bot process


class _Counted:
    """How many statements ran inside `counting` (a number only: see there)."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()


@contextlib.contextmanager
def counting(engine: Any) -> Iterator[_Counted]:
    """Count the statements `engine` sends inside the block (all threads), keeping no text.

    bench.common.count_statements keeps every statement's text: at 100,000 pairs the scan's 1,726 statements
    (1,000-row INSERTs rendered with PostgreSQL's named placeholders, up to 300 KB each) held ~95 MB in the very
    process whose peak memory is measured, and were the scan's whole growth with size on PostgreSQL.
    """
    from sqlalchemy import event

    counted = _Counted()

    def before(*_args: Any) -> None:
        with counted.lock:
            counted.count += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _runtime(url: str, slack_url: str, **sender: Any) -> Any:
    from bot.runtime import build_runtime
    from bot.settings import Settings

    settings = Settings(_env_file=None, DATABASE_URL=url, SLACK_BOT_TOKEN=BOT_TOKEN,  # type: ignore[call-arg]
                        SLACK_API_URL=slack_url, OKRBOT_SEND_RATE=os.environ.get("BENCH_SEND_RATE", str(SEND_RATE)))
    options = {"workers": int(os.environ.get("BENCH_WORKERS", WORKERS)), "batch": BATCH, **sender}
    return build_runtime(settings, clock=lambda: SCAN_AT + (datetime.now(UTC) - _STARTED), migrate="skip",
                         **options)


_STARTED = datetime.now(UTC)


def _bot_child(connection: Any, url: str, slack_url: str, deliver: bool) -> None:
    """Scan (and deliver); send back the figures."""
    import logging

    logging.basicConfig(level=logging.WARNING)
    runtime = _runtime(url, slack_url)
    figures: dict[str, Any] = {}
    with counting(runtime.engine) as scanned:
        cpu, wall = time.process_time(), time.perf_counter()
        report = runtime.services.nudges.scan()
        figures["scan_cpu"], figures["scan_wall"] = time.process_time() - cpu, time.perf_counter() - wall
    figures["scan_statements"] = scanned.count
    figures["scan_rss_mb"] = peak_rss_mb()  # peak so far: the scan
    figures["messages"] = report.total
    figures["decided"] = report.decided
    figures["skipped"] = len(report.outcomes)
    if deliver:
        sender = runtime.sender()
        with counting(runtime.engine) as sent:
            cpu, wall = time.process_time(), time.perf_counter()
            sender.drain(timeout=1800)
            figures["send_cpu"], figures["send_wall"] = time.process_time() - cpu, time.perf_counter() - wall
        figures["send_statements"] = sent.count
    figures["max_rss_mb"] = peak_rss_mb()
    runtime.close()
    connection.send(figures)
    connection.close()


def run_bot(url: str, slack_url: str, *, deliver: bool = True) -> dict[str, Any]:
    """The bot's scan (and delivery) in a fresh process; its figures."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_bot_child, args=(child, url, slack_url, deliver), daemon=True)
    process.start()
    child.close()
    if not parent.poll(3600):
        raise TimeoutError("the bot process gave no figures within an hour")
    figures = parent.recv()
    process.join(30)
    return figures


def _sender_child(url: str, slack_url: str, lease: float) -> None:
    import logging

    logging.basicConfig(level=logging.ERROR)
    runtime = _runtime(url, slack_url, lease=lease)
    runtime.sender().drain(timeout=3600)
    runtime.close()


def kill_and_restart(url: str, slack: SlackProcess, total: int) -> dict[str, Any]:
    """Deliver with one sender process, SIGKILL it when half is sent, finish with a new one; count postings."""
    context = multiprocessing.get_context("spawn")
    first = context.Process(target=_sender_child, args=(url, slack.base_url, 5.0), daemon=True)
    first.start()
    deadline = time.monotonic() + 1800
    while sent_count(url) < total // 2 and time.monotonic() < deadline and first.is_alive():
        time.sleep(0.05)
    sent_at_kill = sent_count(url)
    os.kill(first.pid, signal.SIGKILL)
    first.join(10)
    second = context.Process(target=_sender_child, args=(url, slack.base_url, 5.0), daemon=True)
    started = time.perf_counter()
    second.start()
    second.join(3600)
    rows = outbox_keys(url)
    posted, failed = slack.posted()
    counts = [posted.get(key, 0) for key in rows]
    return {"rows": len(rows), "sent_at_kill": sent_at_kill, "restart_wall": time.perf_counter() - started,
            "once": sum(1 for c in counts if c == 1), "missing": sum(1 for c in counts if c == 0),
            "twice": sum(1 for c in counts if c > 1), "extra_posts": sum(c - 1 for c in counts if c > 1),
            "failed_calls": failed}


# --------------------------------------------------------------------------- the bench


def measure(label: str, url: str, managers: int, kill: bool = True,
            deliver: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    """Seed, scan and deliver, check the transcript; then kill and restart. Returns both sets of figures.

    Each phase gets a fresh loopback Slack: the restart phase nudges the same pairs again (same keys), and
    must not find the first phase's messages.
    """
    pairs = managers * REPORTS_PER_MANAGER
    print(f"  {label}: seeding {pairs} pairs…", flush=True)
    seeded = seed(url, managers)
    print(f"  {label}: scan and delivery…", flush=True)
    slack = SlackProcess(people_of(managers), LATENCY)
    load_before = os.getloadavg()[0]
    try:
        figures = run_bot(url, slack.base_url, deliver=deliver)
        figures["load"] = (load_before, os.getloadavg()[0])
        rows = outbox_keys(url)
        posted, failed = slack.posted()
        figures["slack_rss_mb"] = slack.rss()
    finally:
        slack.stop()
    figures.update(pairs=pairs, rows=len(rows), seeded=seeded,
                   once=sum(1 for key in rows if posted.get(key, 0) == 1),
                   not_once=sum(1 for key in rows if posted.get(key, 0) != 1) + sum(posted.values()) - len(rows),
                   failed_calls=failed)
    if not kill:
        reset_nudges(url)
        return figures, {}
    print(f"  {label}: kill and restart…", flush=True)
    reset_nudges(url)
    slack = SlackProcess(people_of(managers), LATENCY)
    try:
        rescan = run_bot(url, slack.base_url, deliver=False)
        killed = kill_and_restart(url, slack, rescan["messages"])
    finally:
        slack.stop()
    return figures, killed


def main(quick: bool = False, pairs: int | None = None, argv: list[str] | None = None) -> None:
    """Run the bench and write bench/results/nudge.md (`--pairs 10000,100000`: several sizes, one table)."""
    parser = argparse.ArgumentParser(prog="python -m bench nudge", description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", default=None, help="pairs to nudge, comma-separated (default 10,000; --quick 1,000)")
    parser.add_argument("--kill-up-to", type=int, default=10_000,
                        help="run the kill-and-restart phase for sizes up to this many pairs (default 10,000)")
    parser.add_argument("--deliver-up-to", type=int, default=10**9,
                        help="deliver the DMs for sizes up to this many pairs; above, measure the scan only")
    parser.add_argument("--send-rate", type=float, default=SEND_RATE, help=f"OKRBOT_SEND_RATE (default {SEND_RATE:g})")
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"sender workers (default {WORKERS})")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default=None,
                        help="only this database (default: SQLite, and PostgreSQL when TEST_DATABASE_URL is set)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv or [])
    sizes = [int(n) for n in args.pairs.split(",")] if args.pairs else [pairs or (1000 if quick or args.quick
                                                                                  else 10_000)]
    os.environ["BENCH_SEND_RATE"] = f"{args.send_rate:g}"
    os.environ["BENCH_WORKERS"] = str(args.workers)
    results = []
    with scratch_directory("okrbot-nudge-") as directory, databases(directory) as found:
        chosen = [(label, url) for label, url in found if args.database in (None, label.lower())]
        if not chosen:
            raise SystemExit(f"no {args.database} database (PostgreSQL needs TEST_DATABASE_URL)")
        for label, url in chosen:
            for size in sizes:
                managers = max(1, size // REPORTS_PER_MANAGER)
                results.append((label, *measure(label, url, managers, kill=size <= args.kill_up_to,
                                                deliver=size <= args.deliver_up_to)))
                if size != sizes[-1]:
                    wipe(url)
    write_result(NAME, render(results, args.send_rate, args.workers))


def wipe(url: str) -> None:
    """Delete every row, so the next size starts from an empty database."""
    from sqlalchemy import text

    from storage.db import Base, make_engine

    engine = make_engine(url)
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name != "alembic_version"]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # DELETE would check each objective's referencing rows, one by one
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table_ in tables:
                connection.execute(table_.delete())
    engine.dispose()


def render(results: list[tuple[str, dict[str, Any], dict[str, Any]]], send_rate: float,
           workers: int = WORKERS) -> str:
    """The Markdown section."""
    sizes = ", ".join(f"{n:,}" for n in dict.fromkeys(f["pairs"] for _, f, _ in results))
    lines = ["## Mid-month nudge at scale (`bench/nudge.py`)", "",
             f"Managers × {REPORTS_PER_MANAGER} reports = {sizes} pairs, each "
             "report with an objective of 3 key results (one off track with an obstacle), 6 check-ins, an open task "
             "from last month's 1-on-1, kudos this month; some with feedback requests and OKR-thread replies; 5% "
             "of pairs already had their December 1-on-1 and 0.4% are away (skipped and listed). People are spread "
             f"over {len(ZONES)} timezones that are all past 10:00 on 15 December at the scan ({SCAN_AT:%H:%M} UTC). "
             f"The loopback Slack runs in its own process, answers each call after {LATENCY * 1000:.0f} ms and only "
             f"counts postings per outbox key (no bodies kept); the sender runs {workers} workers with "
             f"OKRBOT_SEND_RATE={send_rate:g} (Slack's 1 message/s per channel kept). Bot CPU is "
             "`time.process_time()` of the bot process (scan + delivery), statements are counted (no text kept) with "
             "`before_cursor_execute`; *scan RSS* is the bot process's peak RSS when the scan ends, *bot RSS* after "
             "delivery too. The scan reads people in pages of 500 managers and commits chunks of 1,000 pairs "
             "(`bot/services/nudges/people.py`, `nudges/scan.py`); the previous version (all people and pairs held "
             "at once) is gone from the code, its figures are in the issue (145 MB at 10,000 pairs, 822 MB at "
             "100,000).", ""]
    rows = []
    for label, f, _ in results:
        total_cpu = f["scan_cpu"] + f.get("send_cpu", 0.0)
        total_wall = f["scan_wall"] + f.get("send_wall", 0.0)
        rate = f["rows"] / f["send_wall"] if f.get("send_wall") else 0.0
        rows.append([label, f"{f['pairs']:,}", f"{f['rows']:,}", f"{f['scan_wall']:.1f}",
                     f"{f['pairs'] / f['scan_wall']:,.0f}", f"{f.get('send_wall', 0):.1f}",
                     f"{rate:,.0f} ({rate / send_rate:.0%} of {send_rate:g})" if rate else "–",
                     f"{f['pairs'] / total_wall:,.0f}", f"{f['scan_cpu'] / f['pairs'] * 1000:.2f}",
                     f"{total_cpu / f['pairs'] * 1000:.2f}", f"{f['scan_statements']}",
                     f"{f['scan_statements'] / f['pairs']:.4f}",
                     f"{f.get('send_statements', 0) / max(1, f['rows']):.2f}", f"{f['scan_rss_mb']:.0f}",
                     f"{f['max_rss_mb']:.0f}", f"{f.get('slack_rss_mb', 0):.0f}",
                     f"{f['once']:,}/{f['rows']:,}" if "send_wall" in f else "– (scan only)"])
    lines.append(table(["database", "pairs", "DMs", "scan s", "scan pairs/s", "delivery s",
                        "DMs/s (of OKRBOT_SEND_RATE)", "pairs/s end to end", "scan CPU ms/pair", "bot CPU ms/pair",
                        "scan statements", "statements/pair", "sender statements/DM", "scan RSS MB", "bot RSS MB",
                        "Slack RSS MB", "DMs posted once"], rows))
    lines += ["", "Load average (1 min, 2 cores) when the scan started → when delivery ended: " + "; ".join(
        f"{label} {f['pairs']:,}: {f['load'][0]:.1f} → {f['load'][1]:.1f}" for label, f, _ in results if "load" in f)
        + ". Wall times include waiting for a core; CPU per pair and statements are not."]
    killed = [(label, f, k) for label, f, k in results if k]
    if killed:
        lines += ["", "Kill and restart: the nudges scanned again, a sender process SIGKILLed when half of the DMs "
                  "were delivered, a new sender process started (lease 5 s); then each outbox row's postings counted "
                  "at the loopback Slack.", ""]
        kill_rows = [[label, f"{f['pairs']:,}", f"{k['rows']:,}", f"{k['sent_at_kill']:,}", f"{k['once']:,}",
                      f"{k['twice']:,}", f"{k['missing']:,}", f"{k['restart_wall']:.1f}"] for label, f, k in killed]
        lines.append(table(["database", "pairs", "DMs", "delivered at the kill", "posted once", "posted twice",
                            "never posted", "restart to done s"], kill_rows))
    lines += ["", f"Targets: bot CPU under {TARGET_CPU_MS:g} ms per nudge, statements per nudge under "
              f"{TARGET_STATEMENTS:g}, scan peak memory under {TARGET_RSS_MB} MB and the same (within 10%) at every "
              "size, every nudge delivered exactly once.", ""]
    for label, f, k in results:
        cpu = (f["scan_cpu"] + f.get("send_cpu", 0.0)) / f["pairs"] * 1000
        per = f["scan_statements"] / f["pairs"]
        line = (f"- {label} {f['pairs']:,} pairs: bot CPU {cpu:.2f} ms/nudge {'✅' if cpu < TARGET_CPU_MS else '❌'}; "
                f"scan statements {per:.4f}/nudge {'✅' if per < TARGET_STATEMENTS else '❌'}; "
                f"scan RSS {f['scan_rss_mb']:.0f} MB {'✅' if f['scan_rss_mb'] < TARGET_RSS_MB else '❌'}; "
                + (f"delivered once {f['once']:,}/{f['rows']:,} {'✅' if f['not_once'] == 0 else '❌'}"
                   if "send_wall" in f else "scan only (not delivered in this run)"))
        if k:
            line += f"; after SIGKILL {k['once']:,}/{k['rows']:,} once {'✅' if k['once'] == k['rows'] else '❌'}"
        lines.append(line)
    for label in dict.fromkeys(label for label, _, _ in results):
        mine = sorted((f for lab, f, _ in results if lab == label), key=lambda f: f["pairs"])
        if len(mine) < 2:
            continue
        a, b = mine[0], mine[-1]
        grow = b["pairs"] / a["pairs"]

        def shape(x: float, y: float, grow: float = grow) -> str:
            ratio = y / max(x, 1e-9)
            return f"×{ratio:.2f} ({'flat' if ratio < 1.1 else 'linear' if ratio > grow / 2 else 'sub-linear'})"

        lines.append(f"- {label}, {a['pairs']:,} → {b['pairs']:,} pairs (×{grow:.0f}): scan RSS "
                     f"{a['scan_rss_mb']:.0f} → {b['scan_rss_mb']:.0f} MB {shape(a['scan_rss_mb'], b['scan_rss_mb'])}"
                     f" {'✅' if b['scan_rss_mb'] <= a['scan_rss_mb'] * 1.1 else '❌'}; bot RSS "
                     f"{shape(a['max_rss_mb'], b['max_rss_mb'])}; scan CPU per pair "
                     f"{shape(a['scan_cpu'] / a['pairs'], b['scan_cpu'] / b['pairs'])}; statements per pair "
                     f"{shape(a['scan_statements'] / a['pairs'], b['scan_statements'] / b['pairs'])}; DMs/s "
                     + (f"{shape(a['rows'] / a['send_wall'], b['rows'] / b['send_wall'])}" if "send_wall" in a
                        and "send_wall" in b else "– (scan only at one size)") + "; Slack RSS "
                     f"{shape(a.get('slack_rss_mb', 1), b.get('slack_rss_mb', 1))}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main(argv=sys.argv[1:])
    print((Path(__file__).resolve().parent / "results" / f"{NAME}.md").read_text())
