"""Where the loopback Slack's pieces live: Slack's limits defined once, test support out of the product."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import bot.blocks.limits as limits

ROOT = Path(__file__).resolve().parents[3]
LIMIT_NAMES = {name for name in vars(limits) if name.isupper()}


def _modules(folder: str) -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted((ROOT / folder).rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree: ast.Module) -> Iterator[tuple[str, list[str]]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def test_the_product_never_imports_test_support() -> None:
    """Nothing under bot/ imports tests.* (the Socket Mode peer is test-only and not in the wheel)."""
    offenders = [f"{path.relative_to(ROOT)}: {module}" for path, tree in _modules("bot")
                 for module, _ in _imports(tree) if module == "tests" or module.startswith("tests.")]
    assert offenders == []


def test_slacks_limits_are_defined_only_in_bot_blocks_limits() -> None:
    """No module of bot/ assigns one of Slack's limits again under its name and value."""
    again = []
    for path, tree in _modules("bot"):
        if path == Path(limits.__file__).resolve():
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in LIMIT_NAMES:
                    try:
                        value = ast.literal_eval(node.value)
                    except ValueError:
                        continue
                    if value == getattr(limits, target.id):
                        again.append(f"{path.relative_to(ROOT)}:{node.lineno} {target.id} = {value!r}")
    assert again == []


def test_tests_take_slacks_limits_from_the_product() -> None:
    """No test imports a limit from bot.sandbox: the block tests and the stand-in share bot.blocks.limits."""
    offenders = [f"{path.relative_to(ROOT)}: {name} from {module}" for path, tree in _modules("tests")
                 for module, names in _imports(tree) if module.startswith("bot.sandbox")
                 for name in names if name in LIMIT_NAMES]
    assert offenders == []


def test_no_module_of_the_loopback_slack_is_over_400_lines() -> None:
    """bot/sandbox/slack/ stays split by responsibility: every module at most 400 lines."""
    long = {str(path.relative_to(ROOT)): lines for path in sorted((ROOT / "bot/sandbox/slack").rglob("*.py"))
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}
