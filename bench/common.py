"""What every bench shares: machine facts, percentiles, Markdown tables, databases, servers, a load generator.

Benches measure; they never assert. Each bench module exposes `main(quick: bool) -> None` and writes
`bench/results/<name>.md`; `python -m bench` runs them and assembles bench/RESULTS.md.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import multiprocessing
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
VENV_BIN = Path(sys.executable).parent

# The bench workspace: a manager, reports, a peer; channels okrbot posts in.
TEAM = "T0001"
BOT_TOKEN = "xoxb-bench"
SIGNING_SECRET = "bench-signing-secret"
MEMBERS = (
    ("UMARIA", "maria", "Europe/Berlin"),
    ("URAVI", "ravi", "Asia/Kolkata"),
    ("ULENA", "lena", "America/New_York"),
    ("UTOM", "tom", "America/Los_Angeles"),
    ("UPAT", "pat", "Europe/London"),
)
CHANNELS = (("CGENERAL", "general"), ("CKUDOS", "kudos"), ("COKRS", "okrs"))


# --------------------------------------------------------------------------- figures and tables


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) by the nearest-rank method; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def ms(seconds: float) -> str:
    """Seconds as milliseconds with one decimal ("12.3"); "–" for NaN."""
    return "–" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    """A Markdown table; `align` is one letter per column (l or r), numbers right-aligned by default."""
    align = align or "l" + "r" * (len(headers) - 1)
    marks = [":---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_result(name: str, markdown: str) -> Path:
    """Write bench/results/<name>.md (the runner folds it into bench/RESULTS.md)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.md"
    path.write_text(markdown.rstrip() + "\n")
    return path


def cpu_model() -> str:
    """The CPU model as /proc/cpuinfo names it (or what the platform module knows)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def postgres_version(url: str | None) -> str | None:
    """`SHOW server_version` of the PostgreSQL at `url`, None when unset or unreachable."""
    if not url:
        return None
    from storage.db import make_engine

    try:
        engine = make_engine(url)
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - a fact for the header, never a reason to stop
        return f"unreachable ({error.__class__.__name__})"
    return str(version).split()[0]


def machine_facts() -> list[tuple[str, str]]:
    """What the figures depend on: cores, CPU, Python, SQLite, PostgreSQL, key libraries, date."""
    from importlib.metadata import version

    facts = [
        ("Date", datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("CPU", f"{os.cpu_count()} cores, {cpu_model()}"),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("PostgreSQL", postgres_version(pg_base_url()) or "not measured (TEST_DATABASE_URL unset)"),
    ]
    libraries = ", ".join(f"{name} {version(name)}" for name in ("slack_bolt", "slack_sdk", "SQLAlchemy", "gunicorn"))
    facts.append(("Libraries", libraries))
    return facts


# --------------------------------------------------------------------------- SQL statement counter


@dataclass
class StatementCount:
    """SQL statements an engine executed inside `count_statements` (text of each, in order)."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many statements ran."""
        return len(self.statements)


@contextlib.contextmanager
def count_statements(engine: Engine) -> Iterator[StatementCount]:
    """Count every statement `engine` sends to the database inside the block (all threads)."""
    counted = StatementCount()
    lock = threading.Lock()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        with lock:
            counted.statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", before)


# --------------------------------------------------------------------------- databases


def pg_base_url() -> str | None:
    """TEST_DATABASE_URL, when benches should also run on PostgreSQL."""
    return os.environ.get("TEST_DATABASE_URL") or None


@contextlib.contextmanager
def sqlite_database(directory: Path) -> Iterator[str]:
    """A migrated SQLite file in `directory` (removed with it)."""
    from storage.migrate import upgrade

    url = f"sqlite:///{directory / 'okrbot-bench.db'}"
    upgrade(url)
    yield url


@contextlib.contextmanager
def postgres_database(base_url: str) -> Iterator[str]:
    """A private, migrated PostgreSQL database beside `base_url`'s, dropped afterwards."""
    import uuid

    from sqlalchemy.engine import make_url

    from storage.db import make_engine, normalise_url
    from storage.migrate import upgrade

    name = f"okrbot_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(base_url)).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def databases(directory: Path) -> Iterator[list[tuple[str, str]]]:
    """[(label, url)]: SQLite always, PostgreSQL too when TEST_DATABASE_URL is set."""
    with contextlib.ExitStack() as stack:
        found = [("SQLite", stack.enter_context(sqlite_database(directory)))]
        base = pg_base_url()
        if base:
            found.append(("PostgreSQL", stack.enter_context(postgres_database(base))))
        yield found


# --------------------------------------------------------------------------- the loopback Slack


def start_fake_slack(latency: float = 0.0) -> Any:
    """A started FakeSlack holding the bench workspace (stop() it when done)."""
    from bot.sandbox.slack.fake import FakeSlack

    fake = FakeSlack(team_id=TEAM, team_name="Bench", bot_user_id="UBOT", bot_token=BOT_TOKEN,
                     latency=latency).start()
    for user_id, name, tz in MEMBERS:
        fake.add_user(user_id, name, real_name=name.title(), email=f"{name}@example.com", tz=tz)
    members = [user_id for user_id, _name, _tz in MEMBERS]
    for channel_id, name in CHANNELS:
        fake.add_channel(channel_id, name, members=members)
    return fake


# --------------------------------------------------------------------------- servers in their own processes


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """A server started as a child process (its own process group), stopped with SIGTERM by its pid."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int, log_dir: Path) -> None:
        self.name, self.argv, self.port = name, argv, port
        self.log_path = log_dir / f"{name.replace(' ', '-').lower()}.log"
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        self._log = self.log_path.open("wb")
        # cwd: a scratch directory, so no stray .env or okrbot.db in the checkout changes what is measured.
        self.process = subprocess.Popen(argv, env=full_env, cwd=log_dir, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, path: str = "/healthz", timeout: float = 60.0, workers: int = 1) -> None:
        """Wait until the server answers HTTP on `path` and `workers` workers have loaded the app."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", path)
                connection.getresponse().read()
                connection.close()
                if self.log_path.read_text(errors="replace").count("Booting worker") >= workers:
                    # Workers import and build the app after "Booting worker": give the last one time to load.
                    time.sleep(1.5)
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer within {timeout:.0f}s:\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by the server and its workers (background threads included)."""
        return sum(process_cpu(pid) for pid in [self.process.pid, *children(self.process.pid)])

    def settle(self, quiet: float = 0.02, interval: float = 0.25, timeout: float = 15.0) -> None:
        """Wait until the server stops using CPU (work its listeners do after the ack has finished)."""
        deadline = time.monotonic() + timeout
        last = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(interval)
            now = self.cpu_seconds()
            if now - last < quiet:
                return
            last = now

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the server printed."""
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        """SIGTERM to the server (gunicorn stops its workers gracefully), SIGKILL after 15 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()


@contextlib.contextmanager
def scratch_directory(prefix: str) -> Iterator[Path]:
    """A temporary directory removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


# --------------------------------------------------------------------------- CPU accounting and a quiet machine

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process has used; 0 when it is gone or unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def children(pid: int) -> list[int]:
    """Direct children of `pid` (gunicorn's workers of its master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def postgres_backends(url: str) -> list[int]:
    """Process ids of the PostgreSQL backends connected to the database at `url` (same host only)."""
    from sqlalchemy.engine import make_url

    from storage.db import make_engine, normalise_url

    name = make_url(normalise_url(url)).database
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> "
                                           "pg_backend_pid()"), {"name": name})
            return [int(row[0]) for row in rows]
    finally:
        engine.dispose()


def machine_busy(seconds: float = 1.0) -> float:
    """Share of all cores busy over `seconds` (from /proc/stat); NaN where /proc/stat is missing."""

    def sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except OSError:
        return math.nan
    return 1 - (idle1 - idle0) / max(1, total1 - total0)


def wait_for_quiet(threshold: float = 0.3, max_wait: float = 60.0) -> float:
    """Wait (up to `max_wait` s) until other work leaves the cores mostly idle; returns the last busy share.

    Benchmarks on a shared machine measure the neighbours too; this keeps the worst of it out and the
    figure it returns goes into the results so a reader can tell.
    """
    deadline = time.monotonic() + max_wait
    busy = machine_busy()
    while busy > threshold and time.monotonic() < deadline:
        busy = machine_busy(2.0)
    return busy


# --------------------------------------------------------------------------- load generator


@dataclass(frozen=True)
class LoadResult:
    """Measured requests of one load run: per-request latencies (s), wall time (s), failures."""

    latencies: list[float]
    wall: float
    errors: int
    statuses: dict[int, int]

    @classmethod
    def merge(cls, parts: Sequence[LoadResult]) -> LoadResult:
        """Several runs of the same load as one: latencies pooled, walls added."""
        statuses: dict[int, int] = {}
        for part in parts:
            for status, count in part.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        return cls([x for part in parts for x in part.latencies], sum(part.wall for part in parts),
                   sum(part.errors for part in parts), statuses)

    @property
    def throughput(self) -> float:
        """Successful requests per second over the measured phase."""
        return len(self.latencies) / self.wall if self.wall > 0 else math.nan

    @property
    def p50(self) -> float:
        """Median latency in seconds."""
        return percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        """99th percentile latency in seconds."""
        return percentile(self.latencies, 99)


# A request builder: (client index, request index) -> (content type, body); it is called before the clock starts.
Builder = Callable[[int, int], tuple[str, bytes]]


def _client_loop(host: str, port: int, path: str, secret: str, builder: Builder, client: int, warmup: int,
                 count: int, barrier: threading.Barrier, out: list[tuple[float, int]], errors: list[int]) -> None:
    from bot.sandbox.slack.sender import sign

    connection = http.client.HTTPConnection(host, port, timeout=30)

    def one(index: int) -> tuple[float, int]:
        nonlocal connection
        content_type, body = builder(client, index)
        timestamp = int(time.time())
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp),
                   "X-Slack-Signature": sign(secret, body, timestamp),
                   "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                connection.request("POST", path, body, headers)
                answer = connection.getresponse()
                answer.read()
                return time.perf_counter() - started, answer.status
            except (OSError, http.client.HTTPException):
                # The server closed a kept-alive connection: reconnect once, as Slack's client would.
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
                if attempt == 2:
                    return time.perf_counter() - started, 0
        raise AssertionError("unreachable")

    try:
        for index in range(warmup):
            one(index)
        barrier.wait()
        for index in range(warmup, warmup + count):
            elapsed, status = one(index)
            out.append((elapsed, status))
            if status != 200:
                errors.append(status)
        barrier.wait()
    finally:
        connection.close()


def generate_load(url: str, secret: str, builder: Builder, *, clients: int, per_client: int,
                  warmup: int) -> LoadResult:
    """`clients` threads, one keep-alive connection each, send `warmup` then `per_client` signed POSTs."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    barrier = threading.Barrier(clients + 1)
    results: list[list[tuple[float, int]]] = [[] for _ in range(clients)]
    errors: list[int] = []
    threads = [threading.Thread(target=_client_loop, name=f"client-{i}", daemon=True,
                                args=(parts.hostname, parts.port, parts.path, secret, builder, i, warmup, per_client,
                                      barrier, results[i], errors))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=300)  # everyone warmed up
    started = time.perf_counter()
    barrier.wait(timeout=600)  # everyone done
    wall = time.perf_counter() - started
    for thread in threads:
        thread.join(timeout=10)
    statuses: dict[int, int] = {}
    latencies = []
    for elapsed, status in (item for per in results for item in per):
        statuses[status] = statuses.get(status, 0) + 1
        if status == 200:
            latencies.append(elapsed)
    return LoadResult(latencies, wall, len(errors), statuses)


def _load_child(connection: Any, args: tuple, kwargs: dict) -> None:
    try:
        connection.send(("ok", generate_load(*args, **kwargs)))
    except BaseException as error:  # noqa: BLE001 - report any failure to the parent
        connection.send(("error", repr(error)))
    finally:
        connection.close()


def generate_load_in_process(url: str, secret: str, builder: Builder, *, clients: int, per_client: int,
                             warmup: int, timeout: float = 900.0) -> LoadResult:
    """generate_load() in a fresh process, so the clients never share a GIL with the bench's FakeSlack.

    `builder` must be picklable (a module-level function or a functools.partial of one).
    """
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    worker = context.Process(target=_load_child, name="load", daemon=True,
                             args=(child, (url, secret, builder),
                                   {"clients": clients, "per_client": per_client, "warmup": warmup}))
    worker.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise TimeoutError(f"load generator gave no answer within {timeout:.0f}s")
        kind, value = parent.recv()
    finally:
        worker.join(timeout=10)
        if worker.is_alive():
            worker.terminate()
    if kind != "ok":
        raise RuntimeError(f"load generator failed: {value}")
    return value
