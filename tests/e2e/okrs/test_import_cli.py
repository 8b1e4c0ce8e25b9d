"""`okrbot import people|okrs FILE`: the command against the loopback Slack and a real database."""

from __future__ import annotations

import os
import pty
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.models import Objective, Person
from tests.service.okrs.conftest import Env, okr_env
from tests.support.cli import OKRBOT, ROOT, cli_variables, invoke

PEOPLE = "user,manager,timezone\nravi@example.com,maria@example.com,\nULENA,UMARIA,Europe/Paris\n"
OKRS = ("owner,quarter,objective,key_result,start,target,current,unit,status\n"
        "URAVI,2026-Q4,Delight our first customers,Weekly active teams,0,40,12,teams,\n")


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    """The database and the loopback Slack the command talks to."""
    with okr_env(db_url) as running:
        yield running


def variables(env: Env) -> dict[str, str]:
    """The environment `okrbot` reads: the same database and the loopback Slack."""
    return cli_variables(env.runtime, env.slack, OKRBOT_OKR_CHANNEL="")


def okrbot(env: Env, *args: str) -> tuple[int, str]:
    """Run `okrbot args…` in-process; (exit code, everything it printed)."""
    result = invoke(variables(env), *args)
    return result.exit_code, result.output


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


def test_import_people_into_the_bot_tokens_workspace(env: Env, tmp_path: Path) -> None:
    """The workspace comes from auth.test; the summary names the file and the counts."""
    path = write(tmp_path, "people.csv", PEOPLE)
    code, output = okrbot(env, "import", "people", path)
    assert code == 0, output
    assert f"{path}: imported 2 people rows: 2 created, 0 updated, 0 unchanged, 1 managers added" in output
    assert env.slack.calls_to("auth.test")
    assert {p.user_id: (p.team_id, p.manager_id) for p in env.rows(Person)} == {
        "URAVI": ("T0001", "UMARIA"), "ULENA": ("T0001", "UMARIA"), "UMARIA": ("T0001", None)}


def test_a_bad_file_lists_every_problem_and_writes_nothing(env: Env, tmp_path: Path) -> None:
    """Exit 1, one line per problem with line and column."""
    path = write(tmp_path, "people.csv", "user,manager\nnobody@example.com,UMARIA\nURAVI,URAVI\n")
    code, output = okrbot(env, "import", "people", path)
    assert code == 1
    assert f"{path}: 2 problem(s); nothing was imported." in output
    assert "  line 2, column user: no Slack user has the email nobody@example.com" in output
    assert "  line 3, column manager: a person can't be their own manager" in output
    assert "Traceback" not in output and env.rows(Person) == []


def test_import_okrs_with_an_explicit_team_and_dry_run(env: Env, tmp_path: Path) -> None:
    """--team skips auth.test; --dry-run says so and writes nothing."""
    code, output = okrbot(env, "import", "okrs", write(tmp_path, "okrs.csv", OKRS), "--team", "T0001", "--dry-run")
    assert code == 0, output
    assert "would import 1 OKR rows: 1 objectives created" in output and "(dry run: nothing was written)" in output
    assert env.slack.calls_to("auth.test") == [] and env.rows(Objective) == []


def test_import_okrs_twice_changes_nothing_the_second_time(env: Env, tmp_path: Path) -> None:
    """Re-running the same import reports everything unchanged."""
    path = write(tmp_path, "okrs.csv", OKRS)
    assert okrbot(env, "import", "okrs", path)[0] == 0
    code, output = okrbot(env, "import", "okrs", path)
    assert code == 0 and "0 objectives created, 0 objectives updated, 1 objectives unchanged" in output
    assert len(env.rows(Objective)) == 1


def test_a_file_that_is_not_utf8_is_refused_clearly(env: Env, tmp_path: Path) -> None:
    """A Latin-1 export gets a one-line hint, not a traceback."""
    code, output = okrbot(env, "import", "people", write(tmp_path, "people.csv", "user,manager\nJos\xe9,x\n".encode(
        "latin-1")))
    assert code == 1 and "is not UTF-8 text" in output and "Traceback" not in output


def test_a_missing_file_is_a_usage_error(env: Env) -> None:
    """click says the file does not exist."""
    code, output = okrbot(env, "import", "okrs", "/no/such/file.csv")
    assert code == 2 and "does not exist" in output


def test_a_progress_bar_is_shown_on_a_terminal(env: Env, tmp_path: Path) -> None:
    """In a terminal, `okrbot import people` draws a progress bar while it works."""
    path = write(tmp_path, "people.csv", PEOPLE)
    leader, follower = pty.openpty()
    environment = {**os.environ, **variables(env), "PYTHONUNBUFFERED": "1", "COLUMNS": "100"}
    process = subprocess.Popen([*OKRBOT, "import", "people", path],
                               cwd=ROOT, env=environment, stdout=follower, stderr=follower, stdin=subprocess.DEVNULL)
    os.close(follower)
    output = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        output += chunk
    process.wait(30)
    os.close(leader)
    text = output.decode(errors="replace")
    assert process.returncode == 0, text
    assert "Importing people" in text and "100%" in text and "imported 2 people rows" in text


def test_imported_okrs_come_back_out_of_export(env: Env, tmp_path: Path) -> None:
    """`okrbot export okrs` gives one CSV row per key result, with its derived status."""
    assert okrbot(env, "import", "okrs", write(tmp_path, "okrs.csv", OKRS), "--no-messages")[0] == 0
    code, output = okrbot(env, "export", "okrs")
    assert code == 0, output
    header, row = [line for line in output.splitlines() if line.startswith(("team_id", "T0001"))]
    assert header.startswith("team_id,owner_id,owner_name,quarter,objective,tag,key_result,start,target,current")
    assert row.startswith("T0001,URAVI,ravi,2026-Q4,Delight our first customers,,Weekly active teams,0.0,40.0,12.0")
    assert ",off_track,derived," in row  # 30% half-way through the quarter
