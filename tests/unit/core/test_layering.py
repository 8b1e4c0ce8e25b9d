"""The import rules of DESIGN.md: handlers → services → storage; blocks is a leaf."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SLACK_CLIENTS = ("slack_sdk", "slack_bolt")


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under `if TYPE_CHECKING:` (type-only imports do not run)."""
    nodes: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            stack.extend(node.orelse)
            continue
        nodes.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return nodes


def imports_of(package: str) -> dict[str, set[str]]:
    """Every module under `package` with the modules it imports (top-level and inside functions)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package.replace(".", "/")).rglob("*.py"):
        names: set[str] = set()
        for node in runtime_nodes(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    """`module imports name` lines for every forbidden import under `package`."""
    return sorted(f"{module} imports {name}" for module, names in imports_of(package).items()
                  for name in names if name.split(".")[0] in forbidden or name.startswith(forbidden))


@pytest.mark.parametrize("package", ["bot.blocks", "storage"])
def test_leaf_packages_import_no_slack_client(package: str) -> None:
    """bot.blocks and storage import neither slack_sdk/slack_bolt nor bot.handlers."""
    assert offenders(package, (*SLACK_CLIENTS, "bot.handlers")) == []


def test_blocks_do_not_touch_the_database() -> None:
    """Block builders are pure: no SQLAlchemy, storage or services."""
    assert offenders("bot.blocks", ("sqlalchemy", "storage", "bot.services")) == []


def test_storage_does_not_import_the_bot() -> None:
    """Storage never reaches up into the application."""
    assert offenders("storage", ("bot",)) == []


def test_services_import_no_slack_client_and_no_handlers() -> None:
    """Services reach Slack only through ports and the outbox."""
    assert offenders("bot.services", (*SLACK_CLIENTS, "bot.handlers", "bot.slack_port", "bot.slack_calls",
                                      "bot.slack_directory", "bot.outbox_rows")) == []


def test_only_the_clock_module_reads_the_clock() -> None:
    """datetime.now / utcnow / date.today / time.time appear only in bot/clock.py."""
    calls = []
    for path in list((ROOT / "bot").rglob("*.py")) + list((ROOT / "storage").rglob("*.py")):
        if path.name == "clock.py" or "sandbox" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("now", "utcnow", "today") and \
                    isinstance(node.value, ast.Name) and node.value.id in ("datetime", "date"):
                calls.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
    assert calls == []


def all_imports_of(package: str) -> dict[str, set[str]]:
    """Like `imports_of`, but counting `if TYPE_CHECKING:` imports too (a type-only import is still a tie)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package.replace(".", "/")).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_blocks_import_views_only_even_for_types() -> None:
    """Blocks import bot.views, never bot.services, storage or SQLAlchemy, not even under TYPE_CHECKING."""
    found = {f"{module} imports {name}" for module, names in all_imports_of("bot.blocks").items() for name in names
             if name.startswith(("bot.services", "bot.handlers", "storage", "sqlalchemy"))}
    assert found == set()


def test_views_are_pure() -> None:
    """bot.views imports no SQLAlchemy, storage, Slack SDK, services, blocks or handlers (types included)."""
    found = [f"{module} imports {name}" for module, names in all_imports_of("bot.views").items() for name in names
             if name.split(".")[0] in ("sqlalchemy", "storage", *SLACK_CLIENTS)
             or name.startswith(("bot.services", "bot.blocks", "bot.handlers"))]
    assert found == []


def test_the_product_never_imports_the_sandbox_at_load_time() -> None:
    """Outside bot/sandbox, only the `sandbox` and `run` commands import bot.sandbox, inside the command function."""
    found = []
    for path in (ROOT / "bot").rglob("*.py"):
        if "sandbox" in path.relative_to(ROOT / "bot").parts[:1]:
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only: an import inside a function runs when that command runs
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.relative_to(ROOT)} imports {n}" for n in names if n.startswith("bot.sandbox")]
    assert found == []
