"""okrbot as deployed: real `okrbot` processes, gunicorn workers, misconfiguration answered in one line."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import make_engine, table_names
from tests.support.cli import OKRBOT, ROOT
from tests.support.db import PG_SKIP_REASON, create_private_database, drop_private_database, pg_url_from_env


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without okrbot's settings, plus `extra`."""
    drop = ("SLACK_", "OKRBOT_", "PROMETHEUS_")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(drop) and k not in ("DATABASE_URL", "PORT", "WEB_CONCURRENCY", "LOG_LEVEL")}
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), **extra)
    return env


def oauth_env(database_url: str, **extra: str) -> dict[str, str]:
    """Many-workspace settings: no bot token, so nothing calls Slack at boot."""
    return clean_env(DATABASE_URL=database_url, SLACK_SIGNING_SECRET="s", SLACK_CLIENT_ID="1.2",
                     SLACK_CLIENT_SECRET="c", SLACK_API_URL="http://127.0.0.1:9/api/", **extra)


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback http
            return answer.status
    except OSError:
        return 0


def wait_healthy(port: int, proc: subprocess.Popen[str], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"okrbot serve exited with {proc.returncode}: {proc.communicate()[0]}")
        if get(f"http://127.0.0.1:{port}/healthz") == 200:
            return
        time.sleep(0.3)
    raise AssertionError("okrbot serve never answered /healthz")


def stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    try:
        return proc.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[0]


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database (no tables at all)."""
    base = pg_url_from_env()
    if base is None:
        pytest.skip(PG_SKIP_REASON)
    url = create_private_database(base)
    try:
        yield url
    finally:
        drop_private_database(base, url)


@pytest.mark.postgres
def test_four_workers_boot_at_once_on_a_fresh_postgres(fresh_postgres: str, tmp_path: Path) -> None:
    """`okrbot migrate` then `okrbot serve --workers 4` (OAuth) on a new PostgreSQL: every boot is healthy, no
    worker creates a table (the OAuth tables come from the migrations), no traceback."""
    migrated = subprocess.run(OKRBOT + ["migrate"], cwd=tmp_path, env=oauth_env(fresh_postgres),
                              capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr
    engine = make_engine(fresh_postgres)
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= table_names(engine)
    engine.dispose()
    for _ in range(2):
        port = free_port()
        proc = subprocess.Popen(OKRBOT + ["serve", "--workers", "4", "--bind", f"127.0.0.1:{port}"], cwd=tmp_path,
                                env=oauth_env(fresh_postgres), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        try:
            wait_healthy(port, proc)
            time.sleep(1.0)  # let the slower workers finish booting too
        finally:
            output = stop(proc)
        assert "Traceback" not in output, output
        assert "DuplicateTable" not in output and "Worker failed to boot" not in output, output
