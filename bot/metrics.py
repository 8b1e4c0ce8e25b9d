"""Prometheus metrics (`GET /metrics`): what okrbot acked, delivered, nudged and ran, and its queues.

Counters and histograms live in prometheus_client; under `okrbot serve` they are in multiprocess mode (one
directory per run, `prepare_multiprocess`), so any gunicorn worker answering /metrics reports the whole
server. Queue depth and oldest age are read from the database when scraped (`QUEUES`: one line per table).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, Table, func, select
from sqlalchemy.exc import SQLAlchemyError

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_multiprocess_dir: str | None = None


@dataclass(frozen=True)
class Queue:
    """A durable queue table: its rows `waiting` are the depth, the oldest `created` among them the age."""

    name: str
    table: Callable[[], Table]
    waiting: Callable[[Table], ColumnElement[bool]]
    created: str = "created_at"


def _outbox() -> Table:
    from storage.models_delivery import OutboundMessage

    return OutboundMessage.__table__  # type: ignore[return-value]


def _inbox() -> Table:
    from storage.models_delivery import InboxEvent

    return InboxEvent.__table__  # type: ignore[return-value]


# One line per queue table.
QUEUES: list[Queue] = [
    Queue("outbox", _outbox, lambda t: t.c.status.in_(("pending", "sending"))),
    Queue("inbox", _inbox, lambda t: t.c.status == "pending", created="received_at"),
]


def queue_depth(engine: Engine, queue: Queue, now: float) -> tuple[int, float]:
    """(rows waiting, seconds since the oldest of them was queued) for one queue table."""
    table = queue.table()
    with engine.connect() as connection:
        depth, oldest = connection.execute(
            select(func.count(), func.min(table.c[queue.created])).where(queue.waiting(table))).one()
    if not depth or oldest is None:
        return int(depth or 0), 0.0
    if isinstance(oldest, str):  # SQLite aggregates skip the column type's processing
        oldest = datetime.fromisoformat(oldest)
    stamp = (oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)).timestamp()
    return int(depth), max(0.0, now - stamp)


class _Metrics:
    """The process's metrics, created on first use (after `prepare_multiprocess` chose the storage)."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram

        self.requests = Counter("okrbot_requests_total", "Slack requests answered, by kind and HTTP status",
                                ["kind", "status"])
        self.ack_seconds = Histogram("okrbot_ack_seconds", "Time to answer Slack's request (the ack), by kind",
                                     ["kind"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5))
        self.deliveries = Counter("okrbot_deliveries_total", "Outbox deliveries by outcome (sent, 429, failed, "
                                  "retry)", ["outcome"])
        self.slack_seconds = Histogram("okrbot_slack_api_seconds", "Slack Web API call latency, by method",
                                       ["method"], buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10))
        self.nudges = Counter("okrbot_nudges_total", "Nudge DMs queued and pairs skipped by nudge scans",
                              ["outcome"])
        self.nudge_runs = Counter("okrbot_nudge_runs_total", "Nudge scans run")
        self.jobs = Counter("okrbot_scheduler_job_runs_total", "Scheduler job runs, by job and outcome (ok, error)",
                            ["job", "outcome"])


_metrics: _Metrics | None = None
_metrics_lock = threading.Lock()


def metrics() -> _Metrics:
    """The process's metric objects (made once, even when several threads ask first at the same moment)."""
    global _metrics
    if _metrics is None:
        with _metrics_lock:
            if _metrics is None:
                _metrics = _Metrics()
    return _metrics


def prepare_multiprocess(directory: str | None) -> Callable[[], None]:
    """Before gunicorn forks: keep metrics in `directory` (emptied; default a new temp dir) for every worker.

    Returns the clean-up to run when the server stops (removes a temp dir okrbot made).
    """
    global _multiprocess_dir, _metrics
    made = directory is None
    path = Path(directory or tempfile.mkdtemp(prefix="okrbot-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.db"):
        old.unlink()
    import os

    from prometheus_client import values

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)  # prometheus_client's workers read it from here
    values.ValueClass = values.MultiProcessValue()
    _multiprocess_dir, _metrics = str(path), None

    def cleanup() -> None:
        if made:
            shutil.rmtree(path, ignore_errors=True)

    return cleanup


def worker_exit(pid: int) -> None:
    """gunicorn's child_exit: forget the dead worker's live gauges (counters stay summed)."""
    if _multiprocess_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, _multiprocess_dir)


def exposition(engine: Engine | None) -> bytes:
    """The /metrics body: every process's counters (multiprocess) or this one's, then the queue gauges."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

    metrics()
    if _multiprocess_dir:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=_multiprocess_dir)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if engine is not None:
        queues = CollectorRegistry()
        queues.register(_QueueCollector(engine))
        body += generate_latest(queues)
    return body


class _QueueCollector:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def collect(self) -> Iterable[Any]:
        from prometheus_client.core import GaugeMetricFamily

        depth = GaugeMetricFamily("okrbot_queue_depth", "Rows waiting in a durable queue table", labels=["queue"])
        age = GaugeMetricFamily("okrbot_queue_oldest_age_seconds", "Age of the oldest waiting row",
                                labels=["queue"])
        now = time.time()
        for queue in QUEUES:
            try:
                rows, oldest = queue_depth(self._engine, queue, now)
            except SQLAlchemyError:
                continue  # the database is down: /healthz says so; the counters are still worth reading
            depth.add_metric([queue.name], rows)
            age.add_metric([queue.name], oldest)
        yield depth
        yield age


# ---- recording (cheap; called on hot paths) ------------------------------------------------------------

def request_done(kind: str, status: int, seconds: float) -> None:
    """A Slack request was answered."""
    m = metrics()
    m.requests.labels(kind, str(status)).inc()
    m.ack_seconds.labels(kind).observe(seconds)


def delivery(outcome: str) -> None:
    """An outbox row was delivered (sent), rate limited (429), failed for good (failed) or will be retried."""
    metrics().deliveries.labels(outcome).inc()


def slack_call(method: str, seconds: float) -> None:
    """A Slack Web API call took `seconds`."""
    metrics().slack_seconds.labels(method).observe(seconds)


def nudge_run(queued: int, skipped: dict[str, int]) -> None:
    """A nudge scan queued `queued` DMs and skipped pairs for these reasons."""
    m = metrics()
    m.nudge_runs.inc()
    m.nudges.labels("queued").inc(queued)
    for reason, count in skipped.items():
        m.nudges.labels(f"skipped_{reason.split(' ')[0]}").inc(count)


def job_run(job: str, ok: bool) -> None:
    """A scheduler job finished (ok) or raised (error)."""
    metrics().jobs.labels(job, "ok" if ok else "error").inc()
