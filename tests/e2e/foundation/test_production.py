"""okrbot as deployed: real `okrbot` processes, gunicorn workers, misconfiguration answered in one line."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import make_engine, table_names
from tests.support.cli import OKRBOT, ROOT
from tests.support.db import PG_SKIP_REASON, empty_postgres, pg_url_from_env
from tests.support.stack import SECRET_KEY


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
    env.update(PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT), OKRBOT_SECRET_KEY=SECRET_KEY)  # serve needs a key
    env.update(extra)
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
    with empty_postgres() as url:
        yield url


@pytest.mark.postgres
@pytest.mark.timeout(600)  # two gunicorn boots of four workers each; slow on a loaded 2-core machine
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


def run_okrbot(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 90
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(OKRBOT + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def assert_one_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit code 2, one line on stderr naming the problem, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(("url", "words"), [
    ("not a url", ("DATABASE_URL", "not a database URL")),
    ("mysql://okrbot@localhost/okrbot", ("DATABASE_URL", "SQLite or PostgreSQL")),
    ("postgresql://postgres@127.0.0.1:{closed}/okrbot", ("DATABASE_URL", "is PostgreSQL running")),
    ("sqlite:////nonexistent-okrbot-dir/okrbot.db", ("DATABASE_URL", "directory exist")),
])
@pytest.mark.parametrize("command", [["migrate"], ["outbox"], ["serve"]])
def test_a_bad_database_url_is_one_line(url: str, words: tuple[str, ...], command: list[str], tmp_path: Path) -> None:
    """A malformed, unsupported, unreachable or unwritable DATABASE_URL stops every command with one line, exit 2."""
    env = oauth_env(url.format(closed=free_port()), PORT=str(free_port()))
    assert_one_line(run_okrbot(command, env, tmp_path), *words)


def test_unwritable_sqlite_directory_is_one_line(tmp_path: Path) -> None:
    """A SQLite file in a directory okrbot may not write stops `okrbot migrate` with one line, exit 2."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere (root): the directory cannot be made unwritable")
        assert_one_line(run_okrbot(["migrate"], oauth_env(f"sqlite:///{locked}/okrbot.db"), tmp_path), "DATABASE_URL")
    finally:
        locked.chmod(0o700)


@pytest.mark.postgres
def test_missing_postgres_database_is_one_line(tmp_path: Path) -> None:
    """A PostgreSQL server without the named database: one line saying it does not exist, exit 2."""
    base = pg_url_from_env()
    if base is None:
        pytest.skip(PG_SKIP_REASON)
    from sqlalchemy.engine import make_url

    missing = make_url(base).set(database="okrbot_no_such_database").render_as_string(hide_password=False)
    assert_one_line(run_okrbot(["migrate"], oauth_env(missing), tmp_path), "DATABASE_URL", "does not exist")


def test_bad_bot_token_on_serve_is_one_line(tmp_path: Path) -> None:
    """`okrbot serve` with a token Slack refuses stops before any worker starts: one line, exit 2."""
    from bot.sandbox.slack.fake import FakeSlack

    with FakeSlack(bot_token="xoxb-the-right-one") as slack:  # noqa: S106 - test token
        env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path}/okrbot.db", SLACK_SIGNING_SECRET="s",
                        SLACK_BOT_TOKEN="xoxb-wrong", SLACK_API_URL=slack.base_url, PORT=str(free_port()))
        assert run_okrbot(["migrate"], env, tmp_path).returncode == 0
        assert_one_line(run_okrbot(["serve"], env, tmp_path), "SLACK_BOT_TOKEN", "invalid_auth")


def test_port_in_use_on_serve_is_one_line(tmp_path: Path) -> None:
    """`okrbot serve` on a port something else listens on: one line naming the port, exit 2."""
    env = oauth_env(f"sqlite:///{tmp_path}/okrbot.db")
    assert run_okrbot(["migrate"], env, tmp_path).returncode == 0
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert_one_line(run_okrbot(["serve", "--bind", f"127.0.0.1:{port}"], env, tmp_path),
                        f"port {port} is already in use")


def test_dotenv_sets_operations_settings(tmp_path: Path) -> None:
    """WEB_CONCURRENCY, LOG_LEVEL, OKRBOT_LOG_FORMAT and OKRBOT_ACCESS_LOG are read from .env like every setting."""
    from bot.settings import Settings

    (tmp_path / ".env").write_text("WEB_CONCURRENCY=5\nLOG_LEVEL=warning\nOKRBOT_LOG_FORMAT=json\n"
                                   "OKRBOT_ACCESS_LOG=-\n")
    settings = Settings(_env_file=tmp_path / ".env")  # type: ignore[call-arg]
    assert (settings.web_concurrency, settings.log_level, settings.log_format, settings.access_log) == (
        5, "WARNING", "json", "-")


def test_only_settings_reads_the_environment() -> None:
    """No module of the product reads os.environ or getenv: every setting goes through Settings (and .env).
    (bot/metrics.py writes PROMETHEUS_MULTIPROC_DIR for prometheus_client in gunicorn's workers.)"""
    offenders = [f"{path.relative_to(ROOT)}:{n}" for folder in ("bot", "storage")
                 for path in (ROOT / folder).rglob("*.py") for n, line in enumerate(path.read_text().splitlines(), 1)
                 if re.search(r"os\.environ(?!\[[^]]+\] = )|getenv\(", line)]
    assert offenders == []
