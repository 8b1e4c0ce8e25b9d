"""The one table of outbox hooks (bot.services.outbox_hooks): every name written is in it, others fail loudly."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.clock import utcnow
from bot.services import outbox_hooks
from bot.services.core.outbox import Outbox, UnknownHook, run_hook
from storage.models_delivery import OutboundMessage

ROOT = Path(__file__).resolve().parents[3]


def written_hook_names() -> dict[str, str]:
    """Every `on_sent` name the product writes (keyword or dict key), with where: {name: "path:line"}."""
    found: dict[str, str] = {}
    for path in (ROOT / "bot").rglob("*.py"):
        if path == ROOT / "bot/services/core/outbox.py":  # the plumbing passes on_sent through
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        values = [(k.value, k.value.lineno) for node in ast.walk(tree) if isinstance(node, ast.Call)
                  for k in node.keywords if k.arg == "on_sent"]
        values += [(v, v.lineno) for node in ast.walk(tree) if isinstance(node, ast.Dict)
                   for k, v in zip(node.keys, node.values, strict=True)
                   if isinstance(k, ast.Constant) and k.value == "on_sent"]
        for value, line in values:
            where = f"{path.relative_to(ROOT)}:{line}"
            head = value.values[0] if isinstance(value, ast.JoinedStr) else value
            if isinstance(head, ast.Constant) and head.value is None:
                continue
            assert isinstance(head, ast.Constant) and ":" in str(head.value), \
                f"{where}: write on_sent as f\"<hook name>:{{arg}}\" so the name can be checked"
            found[str(head.value).partition(":")[0]] = where
    return found


def test_every_on_sent_name_written_is_in_the_table() -> None:
    """A notification can only name a hook the start-up table has (else it would fail at send time)."""
    table = outbox_hooks()
    written = written_hook_names()
    assert {"okr.message", "kudos.post", "1on1.request", "1on1.thread"} <= set(written)
    assert {name: where for name, where in written.items() if name not in table} == {}


def test_an_unknown_name_is_refused_where_the_row_is_written() -> None:
    """With the table, the Outbox refuses an on_sent it has no hook for, naming it and the known ones."""
    outbox = Outbox(utcnow, hooks=outbox_hooks())
    with pytest.raises(UnknownHook, match=r"'1on1\.requets:7'.*1on1\.request"):
        outbox.add(None, team_id="T1", key="k", channel="U1", text="x", on_sent="1on1.requets:7")  # type: ignore[arg-type]
    with pytest.raises(UnknownHook):
        outbox.add_many(None, [{"team_id": "T1", "key": "k", "channel": "U1", "text": "x",  # type: ignore[arg-type]
                                "on_sent": "nope:1"}])


def test_the_sender_reports_an_unknown_name_clearly() -> None:
    """A row written without the check (an old row, a bare Outbox) fails with UnknownHook, not a KeyError."""
    row = OutboundMessage(team_id="T1", dedupe_key="k", on_sent="gone:1")
    with pytest.raises(UnknownHook, match="gone:1"):
        run_hook(outbox_hooks(), None, row, {"ts": "1.2"})  # type: ignore[arg-type]
