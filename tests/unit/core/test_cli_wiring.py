"""`okrbot`'s commands are wired in one explicit place: bot/cli.py imports every bot/commands module plainly."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from bot.cli import COMMAND_MODULES

ROOT = Path(__file__).resolve().parents[3]
COMMANDS = {"export", "import", "inbox", "keys", "llm", "manifest", "migrate", "nudge", "outbox", "people", "run",
            "sandbox", "scheduler", "serve", "socket", "tick", "workspaces"}
SHARED = {"__init__", "common"}


def imported_names(path: Path) -> set[str]:
    """Every module `path` imports, at module level or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_help_lists_every_command() -> None:
    """`okrbot --help`, run as a real process, lists exactly the operator's commands."""
    result = subprocess.run([sys.executable, "-c", "from bot.cli import main; main()", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("Commands:", 1)[1].splitlines()
    assert {line.split()[0] for line in listed if line.strip()} == COMMANDS


def test_every_command_module_is_in_the_one_list() -> None:
    """Each module of bot/commands (but the shared helpers) is in bot.cli's COMMAND_MODULES, once."""
    files = {path.stem for path in (ROOT / "bot" / "commands").glob("*.py")} - SHARED
    listed = [module.__name__.rsplit(".", 1)[1] for module in COMMAND_MODULES]
    assert sorted(listed) == sorted(files)


def test_commands_never_import_the_cli() -> None:
    """No bot/commands module imports bot.cli (which imports them): shared helpers live in bot/commands/common."""
    found = [path.name for path in (ROOT / "bot" / "commands").glob("*.py") if "bot.cli" in imported_names(path)]
    assert found == []
