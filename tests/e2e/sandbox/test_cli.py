"""`okrbot sandbox` and `okrbot run` without credentials, as real processes stopped with Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.sandbox import seed
from bot.sandbox.server import load_slack_state, slack_state_path, start

OKRBOT = [sys.executable, "-c", "from bot.cli import main; main()"]


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without Slack credentials or a database URL (as on a newcomer's machine)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OKRBOT_")) and k != "DATABASE_URL"}
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


@pytest.fixture
def process(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """Processes started by a test; killed if the test left them running."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def launch(args: list[str], cwd: Path, env: dict[str, str], started: list[subprocess.Popen[str]]
           ) -> subprocess.Popen[str]:
    """Start okrbot with `args` in `cwd`."""
    proc = subprocess.Popen(OKRBOT + args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    started.append(proc)
    return proc


def wait_for_page(port: int, proc: subprocess.Popen[str], timeout: float = 60.0) -> dict:
    """The page's state once the sandbox answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"okrbot exited with {proc.returncode}: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/sandbox/api/state", timeout=2) as answer:
                return json.load(answer)
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the sandbox never answered")


def test_sandbox_help_names_its_options() -> None:
    """`okrbot sandbox --help` documents --reset, --port and --db."""
    result = CliRunner().invoke(cli, ["sandbox", "--help"])
    assert result.exit_code == 0
    assert "--reset" in result.output and "--port" in result.output and "--db" in result.output


def test_ctrl_c_stops_everything_and_keeps_the_data(tmp_path: Path, process: list) -> None:
    """Ctrl-C ends `okrbot sandbox` cleanly; the SQLite file and the conversations are kept."""
    port = free_port()
    proc = launch(["sandbox", "--port", str(port)], tmp_path, clean_env(), process)
    state = wait_for_page(port, proc)
    assert [p["id"] for p in state["people"]][:2] == ["UMARIA", "URAVI"]
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "Traceback" not in output
    assert (tmp_path / "okrbot-sandbox.db").stat().st_size > 0
    saved = load_slack_state(slack_state_path(tmp_path / "okrbot-sandbox.db"))
    assert saved is not None
    assert any(m["user"] == "URAVI" for m in saved["messages"][seed.GENERAL])


def test_run_without_credentials_starts_the_sandbox(tmp_path: Path, process: list) -> None:
    """`okrbot run` (what `make run` does) with no Slack credentials serves the sandbox page on $PORT."""
    port = free_port()
    proc = launch(["run"], tmp_path, clean_env(PORT=str(port)), process)
    state = wait_for_page(port, proc)
    assert state["team"]["name"] == seed.TEAM_NAME
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output


def test_busy_port_is_a_clear_error(tmp_path: Path) -> None:
    """A port already in use ends with one line saying so, not a traceback."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(OKRBOT + ["sandbox", "--port", str(port)], cwd=tmp_path, env=clean_env(),
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"port {port} is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_page_listens_on_loopback_only(tmp_path: Path) -> None:
    """The sandbox binds 127.0.0.1, never all interfaces."""
    running = start(tmp_path / "sandbox.db", scheduler=False)
    try:
        assert running.server.host == "127.0.0.1"
        assert running.server._server.server_address[0] == "127.0.0.1"
    finally:
        running.stop()


def test_scheduler_runs_the_same_jobs_as_okrbot_scheduler(tmp_path: Path) -> None:
    """The sandbox's clock runs every job of `okrbot scheduler`."""
    from bot.scheduler import JOBS

    running = start(tmp_path / "sandbox.db")
    try:
        names = sorted(job.id for job in running.scheduler.get_jobs())
    finally:
        running.stop()
    assert names == sorted(job.name for job in JOBS)


def test_run_prints_the_address_last_and_keeps_quiet(tmp_path: Path, process: list) -> None:
    """`okrbot run` ends its output with the page's address; the jobs' INFO logs stay off unless LOG_LEVEL asks."""
    port = free_port()
    env = clean_env(PORT=str(port))
    env.pop("LOG_LEVEL", None)
    proc = launch(["run"], tmp_path, env, process)
    wait_for_page(port, proc)
    time.sleep(1.0)  # whatever the start logs arrives before the address, or not at all
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    before_stop = output.split("okrbot sandbox: stopping")[0]
    lines = [line for line in before_stop.splitlines() if line.strip()]
    assert lines[-1].strip() == f"okrbot is ready: open http://127.0.0.1:{port}/", output
    assert " INFO " not in output, output
