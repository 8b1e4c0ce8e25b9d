"""Operators can see inside: /metrics in Prometheus text, and JSON log lines with a request id."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.sandbox.slack.payloads import app_home_opened_event
from bot.scheduler import JOBS, _logged
from bot.web import LocalServer, create_wsgi_app
from tests.e2e.foundation.test_production import free_port, oauth_env, stop, wait_healthy
from tests.service.nudges.conftest import Env, nudge_env
from tests.support.cli import OKRBOT
from tests.support.stack import Stack, start_stack


def scrape(base_url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """GET /metrics and parse it: (sample name, sorted labels) -> value."""
    with urllib.request.urlopen(base_url + "/metrics", timeout=10) as answer:  # noqa: S310 - loopback http
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = answer.read().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(figures: dict, name: str, **labels: str) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def quiet_stack(db_url: str) -> Iterator[Stack]:
    """okrbot end to end, with no background sender (deliveries happen when the test drains)."""
    running = start_stack(db_url, sender=False)
    try:
        yield running
    finally:
        running.close()


def test_metrics_count_a_request_a_delivery_and_the_queue(quiet_stack: Stack) -> None:
    """An acked event adds one request (kind event, 200) and one ack-latency sample; a queued DM shows in the
    outbox depth, and once delivered adds one `sent` delivery and one Slack API latency sample."""
    base = quiet_stack.server.url
    before = scrape(base)
    assert quiet_stack.send.event(quiet_stack.team_id, app_home_opened_event("UMARIA", channel="DUMARIA")).status == 200
    after = scrape(base)
    assert value(after, "okrbot_requests_total", kind="event", status="200") == \
        value(before, "okrbot_requests_total", kind="event", status="200") + 1
    assert value(after, "okrbot_ack_seconds_count", kind="event") == \
        value(before, "okrbot_ack_seconds_count", kind="event") + 1

    quiet_stack.deliver()  # whatever the event queued
    with quiet_stack.sessions.begin() as session:
        quiet_stack.services.ctx.outbox.add(session, team_id=quiet_stack.team_id, key="metrics-dm", channel="URAVI",
                                            text="hello")
    queued = scrape(base)
    assert value(queued, "okrbot_queue_depth", queue="outbox") == 1
    assert value(queued, "okrbot_queue_oldest_age_seconds", queue="outbox") >= 0
    quiet_stack.deliver()
    delivered = scrape(base)
    assert value(delivered, "okrbot_deliveries_total", outcome="sent") == \
        value(queued, "okrbot_deliveries_total", outcome="sent") + 1
    assert value(delivered, "okrbot_slack_api_seconds_count", method="chat.postMessage") == \
        value(queued, "okrbot_slack_api_seconds_count", method="chat.postMessage") + 1
    assert value(delivered, "okrbot_queue_depth", queue="outbox") == 0


@pytest.fixture
def nudging(db_url: str) -> Iterator[Env]:
    with nudge_env(db_url) as running:
        yield running


def test_metrics_count_a_nudge_scan_and_its_job_run(nudging: Env) -> None:
    """The scheduler's nudge job adds one run, its queued DMs, and one successful job run; a 429 from Slack is
    counted as such before the DM is sent."""
    server = LocalServer(create_wsgi_app(nudging.runtime)).start()
    try:
        before = scrape(server.url)
        nudging.clock.travel_to(datetime(2026, 12, 15, 9, 0, tzinfo=UTC))
        [job] = [j for j in JOBS if j.name == "nudge-scan"]
        _logged(job, nudging.runtime)()
        nudging.slack.fail_next("chat.postMessage", status=429, retry_after=0)
        nudging.runtime.sender().drain(10)
        after = scrape(server.url)
    finally:
        server.stop()
    assert value(after, "okrbot_nudge_runs_total") == value(before, "okrbot_nudge_runs_total") + 1
    assert value(after, "okrbot_nudges_total", outcome="queued") == \
        value(before, "okrbot_nudges_total", outcome="queued") + 2
    assert value(after, "okrbot_scheduler_job_runs_total", job="nudge-scan", outcome="ok") == \
        value(before, "okrbot_scheduler_job_runs_total", job="nudge-scan", outcome="ok") + 1
    assert value(after, "okrbot_deliveries_total", outcome="429") == \
        value(before, "okrbot_deliveries_total", outcome="429") + 1
    assert value(after, "okrbot_deliveries_total", outcome="sent") == \
        value(before, "okrbot_deliveries_total", outcome="sent") + 2


@pytest.mark.timeout(600)  # a gunicorn boot; slow on a loaded 2-core machine
def test_json_logs_and_whole_server_metrics_under_gunicorn(tmp_path: Path) -> None:
    """OKRBOT_LOG_FORMAT=json: every line `okrbot serve` (gunicorn included) writes is one JSON object, the
    request's lines carry the id it answered in X-Request-Id; /metrics sums the requests of both workers."""
    env = oauth_env(f"sqlite:///{tmp_path}/okrbot.db", OKRBOT_LOG_FORMAT="json", OKRBOT_ACCESS_LOG="-",
                    LOG_LEVEL="DEBUG")
    assert subprocess.run(OKRBOT + ["migrate"], cwd=tmp_path, env=env, capture_output=True, timeout=120
                          ).returncode == 0
    port = free_port()
    proc = subprocess.Popen(OKRBOT + ["serve", "--workers", "2", "--bind", f"127.0.0.1:{port}"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ids = []
    try:
        wait_healthy(port, proc)
        for _ in range(6):  # unsigned: Bolt refuses them (401), logging why
            request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=b'{"type":"x"}',
                                             headers={"Content-Type": "application/json"}, method="POST")
            try:
                urllib.request.urlopen(request, timeout=10)  # noqa: S310 - loopback http
            except urllib.error.HTTPError as error:
                assert error.code == 401
                ids.append(error.headers["X-Request-Id"])
        time.sleep(0.5)
        scrapes = [scrape(f"http://127.0.0.1:{port}") for _ in range(4)]  # whichever worker answers
    finally:
        output = stop(proc)
    assert [value(f, "okrbot_requests_total", kind="event", status="401") for f in scrapes] == [6] * 4
    lines = [line for line in output.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["logger"].startswith("gunicorn") for r in records)
    assert {r.get("request_id") for r in records if r.get("request_id")} & set(ids)
