"""`okrbot nudge [--at ISO] [--dry-run]`: one scan as if it were that time, as a command and as two processes."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.service.nudges.conftest import Env, nudge_env
from tests.support.cli import OKRBOT, ROOT, cli_variables, invoke


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    """Maria and her three reports in the database, the loopback Slack running."""
    with nudge_env(db_url) as running:
        yield running


def variables(env: Env) -> dict[str, str]:
    """The environment `okrbot` reads: the same database and the loopback Slack."""
    return cli_variables(env.runtime, env.slack)


def okrbot(env: Env, *args: str) -> tuple[int, str]:
    """Run `okrbot args…` in-process; (exit code, everything it printed)."""
    result = invoke(variables(env), *args)
    return result.exit_code, result.output


def test_dry_run_prints_who_would_get_what_and_sends_nothing(env: Env) -> None:
    """--dry-run lists Maria's agendas and Ravi's prepare DM, and writes and sends nothing."""
    code, output = okrbot(env, "nudge", "--at", "2026-12-15T09:00", "--dry-run")
    assert code == 0, output
    assert "Nudge scan as of 2026-12-15 09:00 UTC (dry run: nothing is written or sent)" in output
    assert "UMARIA" in output and "nudge:2026-12:UMARIA:summary" in output
    assert "nudge:2026-12:UMARIA:URAVI:prepare" in output and "nudge:2026-12:UMARIA:ULENA:prepare" not in output
    assert "would send 2 DMs (agendas: 1, prepare: 1); 3 pairs decided" in output
    assert env.nudge_rows() == [] and env.queued() == []
    assert env.slack.calls_to("chat.postMessage") == []


def test_nudge_at_a_time_sends_the_dms_once(env: Env) -> None:
    """`okrbot nudge --at …` queues and delivers; running it again sends nothing more."""
    code, output = okrbot(env, "nudge", "--at", "2026-12-15T10:00+01:00")
    assert code == 0, output
    assert "outbox: 2 sent, 0 waiting, 0 failed" in output
    assert {c.args["channel"] for c in env.slack.calls_to("chat.postMessage")} == {"UMARIA", "URAVI"}
    code, output = okrbot(env, "nudge", "--at", "2026-12-15T10:05+01:00")
    assert code == 0 and "queued no DM" in output
    assert len(env.slack.calls_to("chat.postMessage")) == 2


def test_a_malformed_time_is_a_usage_error(env: Env) -> None:
    """--at 'next tuesday' exits 2 with a hint, never a traceback."""
    code, output = okrbot(env, "nudge", "--at", "next tuesday", "--dry-run")
    assert code == 2 and "is not an ISO date-time; try 2026-12-15T10:00" in output


def test_two_processes_nudging_at_once_nudge_each_pair_once(env: Env) -> None:
    """Two `okrbot nudge` processes started together on the same database: one Nudge per pair, one DM each."""
    command = [*OKRBOT, "nudge", "--at", "2026-12-15T18:00",
               "--no-deliver"]
    environment = {**os.environ, **variables(env)}
    processes = [subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert len(env.nudge_rows()) == 3
    keys = env.queued()
    assert sorted(keys) == sorted(["nudge:2026-12:UMARIA:summary", *(f"nudge:2026-12:UMARIA:{r}:prepare"
                                                                     for r in ("URAVI", "ULENA", "UTOM"))])
