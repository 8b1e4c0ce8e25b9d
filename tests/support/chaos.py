"""Killing okrbot while Slack delivers events: real `okrbot serve` / `okrbot socket` processes, SIGKILL, restart,
and senders that retry like Slack (over HTTP: no 200 within 3 s, or no answer at all, and the same event comes
again with X-Slack-Retry-Num; over Socket Mode: no ack within 3 s, and the event comes again in a new envelope
with retry_attempt).

Used by the inbox e2e tests (tests/e2e/foundation/test_inbox.py, test_socket_kill.py) and by bench/chaos.py.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.sandbox.slack.payloads import Built, event_callback, reaction_event
from bot.sandbox.slack.sender import SlackSender
from storage.db import make_engine, make_sessions
from storage.models_delivery import InboxEvent, OutboundMessage
from storage.models_kudos import Kudos
from tests.support.stack import SECRET_KEY

OKRBOT = [sys.executable, "-c", "from bot.cli import main; main()"]
LEAKY = ("SLACK_", "OKRBOT_", "DATABASE_URL", "LOG_LEVEL", "WEB_CONCURRENCY")
SLACK_TIMEOUT = 3.0  # Slack retries an event it got no 200 for within 3 seconds


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    """One okrbot command (`serve`, `socket`, `scheduler`) in its own process group, logging to a file."""

    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        """Start it (again)."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith(LEAKY)}
        with self.log.open("ab") as sink:
            env = {**clean, "OKRBOT_SECRET_KEY": SECRET_KEY, **self.env}  # production modes need a key
            self.process = subprocess.Popen([*OKRBOT, *self.argv], env=env, cwd=self.log.parent,
                                            stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill(self) -> None:
        """SIGKILL the whole process group (gunicorn's master and workers at once), like `kill -9` of a host."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 20 s."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        """What it logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def serve(env: dict[str, str], directory: Path, *, port: int, name: str = "serve", workers: int = 2,
          threads: int = 4) -> Process:
    """`okrbot serve` on 127.0.0.1:`port` (not started)."""
    argv = ["serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)]
    return Process(argv, env, directory / f"{name}.log")


def socket_app(env: dict[str, str], directory: Path, *, name: str = "socket") -> Process:
    """`okrbot socket` (not started); `env` names SLACK_APP_TOKEN and a SLACK_API_URL whose
    apps.connections.open answers a FakeSocketMode URL."""
    return Process(["socket"], env, directory / f"{name}.log")


def wait_healthy(port: int, process: Process, timeout: float = 90.0) -> None:
    """Block until /healthz answers 200 (raises with the log when the process dies or takes too long)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.process is not None and process.process.poll() is not None:
            raise AssertionError(f"okrbot exited with {process.process.returncode}:\n{process.output()[-3000:]}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return
        time.sleep(0.1)
    raise AssertionError(f"okrbot did not become healthy in {timeout:.0f}s:\n{process.output()[-3000:]}")


def kudos_reactions(count: int, givers: Sequence[str], authors: Sequence[str], *, run: str = "K",
                    channel: str = "CGENERAL", start: int = 0) -> list[tuple[str, Built, tuple[str, str, str]]]:
    """`count` distinct :clap: reactions (event id, signed-later request, (giver, author, message ts)); two lists
    made with different `start`s (and far enough apart) are on different messages."""
    events = []
    pairs = [(g, a) for g in givers for a in authors if g != a]
    for index in range(start, start + count):
        giver, author = pairs[index % len(pairs)]
        ts = f"{1_700_000_000 + index}.{index % 1000:06d}"
        event = reaction_event(giver, "clap", channel=channel, ts=ts, item_user=author)
        events.append((f"Ev{run}{index:06d}", event_callback("T0001", event, event_id=f"Ev{run}{index:06d}"),
                       (giver, author, ts)))
    return events


@dataclass
class Storm:
    """Delivers events from `senders` threads, retrying each until it gets a 200 (Slack gives up after 3 retries;
    here every event must end acknowledged so that each can be checked)."""

    url: str
    secret: str
    senders: int = 16
    deadline: float = 300.0
    acked: Counter[str] = field(default_factory=Counter)
    attempts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, events: Sequence[tuple[str, Built, Any]], on_ack: Callable[[int], None] | None = None) -> None:
        """Send every event (each sender takes every `senders`-th one); returns when all are acknowledged."""
        client = SlackSender(self.url, self.secret, timeout=SLACK_TIMEOUT)
        stop_at = time.monotonic() + self.deadline

        def sender(offset: int) -> None:
            for event_id, built, _ in events[offset::self.senders]:
                retry = 0
                while time.monotonic() < stop_at:
                    with self._lock:
                        self.attempts[event_id] += 1
                    try:
                        status = client.send(built, retry_num=min(retry, 3) or None).status
                    except (OSError, http.client.HTTPException):
                        status = 0  # refused, reset or timed out: Slack retries
                    if status == 200:
                        with self._lock:
                            self.acked[event_id] += 1
                            done = sum(1 for _ in self.acked)
                        if on_ack is not None:
                            on_ack(done)
                        break
                    retry += 1
                    time.sleep(0.2)

        threads = [threading.Thread(target=sender, args=(n,), daemon=True) for n in range(self.senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


@dataclass
class SocketStorm:
    """Delivers events over Socket Mode (a FakeSocketMode peer) from `senders` threads, each event again in a new
    envelope (retry_attempt + 1) until one is acknowledged: Slack's way when an ack does not come within 3 s,
    e.g. because the app's process died with the envelope in hand."""

    peer: Any  # tests.support.socket_mode_peer.FakeSocketMode
    senders: int = 8
    deadline: float = 300.0
    acked: Counter[str] = field(default_factory=Counter)
    attempts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, events: Sequence[tuple[str, Built, Any]], on_ack: Callable[[int], None] | None = None) -> None:
        """Send every event (each sender takes every `senders`-th one); returns when all are acknowledged."""
        stop_at = time.monotonic() + self.deadline

        def sender(offset: int) -> None:
            for event_id, built, _ in events[offset::self.senders]:
                retry = 0
                while time.monotonic() < stop_at:
                    with self._lock:
                        self.attempts[event_id] += 1
                    try:
                        envelope = self.peer.send_request(built, retry_attempt=min(retry, 3),
                                                          retry_reason="timeout" if retry else "",
                                                          timeout=SLACK_TIMEOUT)
                        self.peer.wait_for_ack(envelope, timeout=SLACK_TIMEOUT)
                    except (AssertionError, OSError):  # no open connection, or no ack in time: Slack sends again
                        retry += 1
                        time.sleep(0.2)
                        continue
                    with self._lock:
                        self.acked[event_id] += 1
                        done = len(self.acked)
                    if on_ack is not None:
                        on_ack(done)
                    break

        threads = [threading.Thread(target=sender, args=(n,), daemon=True) for n in range(self.senders)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


@dataclass
class Outcome:
    """What the database and Slack hold once the inbox and the outbox are drained."""

    kudos: int
    missing: list[tuple[str, str, str]]
    dm_posts: Counter[str]
    inbox: dict[str, int]
    drain_seconds: float

    @property
    def doubled_dms(self) -> list[str]:
        """Kudos DM keys posted more than once."""
        return [key for key, n in self.dm_posts.items() if n > 1]


def dm_posts(slack: Any) -> Counter[str]:
    """Kudos DMs that reached Slack, by outbox key (from the message metadata every outbox post carries)."""
    posts: Counter[str] = Counter()
    for call in slack.calls_to("chat.postMessage"):
        key = ((call.args.get("metadata") or {}).get("event_payload") or {}).get("key", "")
        if call.ok and str(key).startswith("kudos-dm:"):
            posts[key] += 1
    return posts


def wait_drained(database_url: str, slack: Any, expected: Sequence[tuple[str, str, str]], *,
                 timeout: float = 240.0) -> Outcome:
    """Wait until no inbox row is pending, no outbox row is pending or sending, and every DM is in; then count."""
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    started = time.monotonic()
    try:
        while True:
            with sessions() as session:
                inbox = dict(session.execute(select(InboxEvent.status, func.count()).group_by(InboxEvent.status)).all())
                outbox_busy = session.scalar(select(func.count()).select_from(OutboundMessage).where(
                    OutboundMessage.status.in_(("pending", "sending"))))
                kudos = {(k.giver_id, k.receiver_id, k.message_ts) for k in session.scalars(select(Kudos))}
            posts = dm_posts(slack)
            settled = not inbox.get("pending") and not outbox_busy and len(posts) >= len(expected)
            if settled or time.monotonic() - started > timeout:
                return Outcome(len(kudos), [e for e in expected if e not in kudos], posts, inbox,
                               time.monotonic() - started)
            time.sleep(0.25)
    finally:
        engine.dispose()
