"""CSV exports cannot carry spreadsheet formulas (OWASP CSV injection); JSON exports stay exact."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.commands.exports import neutralise, render
from tests.service.okrs.conftest import Env, okr_env
from tests.support.cli import cli_variables, invoke

TITLE, KEY_RESULT, UNIT = "=cmd|'/C calc'!A0", "@SUM(A1)", "+x"
OKRS = ("owner,quarter,objective,key_result,start,target,current,unit,status\n"
        f"URAVI,2026-Q4,\"{TITLE}\",{KEY_RESULT},0,40,12,{UNIT},\n")


@pytest.fixture
def env(db_url: str) -> Iterator[Env]:
    with okr_env(db_url) as running:
        yield running


def okrbot(env: Env, *args: str) -> str:
    result = invoke(cli_variables(env.runtime, env.slack, OKRBOT_OKR_CHANNEL=""), *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_okr_csv_export_neutralises_formulas_and_json_stays_exact(env: Env, tmp_path: Path) -> None:
    """An objective `=cmd|…`, a key result `@SUM(A1)` and a unit `+x` come out quoted in CSV, exact in JSON."""
    path = tmp_path / "okrs.csv"
    path.write_text(OKRS)
    okrbot(env, "import", "okrs", str(path))
    rows = list(csv.DictReader(io.StringIO(okrbot(env, "export", "okrs", "--format", "csv"))))
    cells = {value for row in rows for value in row.values()}
    assert {"'" + TITLE, "'" + KEY_RESULT, "'" + UNIT} <= cells
    assert not [cell for cell in cells if cell and cell[0] in "=+-@\t\r"]
    exported = json.dumps(json.loads(okrbot(env, "export", "okrs", "--format", "json")), ensure_ascii=False)
    assert all(json.dumps(text)[1:-1] in exported for text in (TITLE, KEY_RESULT, UNIT))
    assert "'" + TITLE not in exported


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2", "@x", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(cell: str) -> None:
    """OWASP's six leading characters each get a leading single quote; other text and numbers are untouched."""
    assert neutralise(cell) == "'" + cell
    assert neutralise("plain") == "plain" and neutralise(-2) == -2 and neutralise(None) is None


def test_csv_rendering_neutralises_any_column_and_json_does_not() -> None:
    """render() (the one CSV writer of every export kind) neutralises formula text in any column; JSON is exact."""
    rows = [{"id": 1, "giver": "@UMARIA", "text": "=HYPERLINK(\"http://x\")", "score": -3}]
    out = render(rows, "csv")
    assert "'@UMARIA" in out and "'=HYPERLINK" in out and ",-3" in out
    assert json.loads(render(rows, "json")) == rows
