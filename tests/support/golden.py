"""Golden Block Kit JSON files: a builder's output is compared with a reviewed file that pastes straight into
Block Kit Builder. `UPDATE_GOLDEN=1 pytest …` (re)writes the files; review the diff before committing it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def check_golden(directory: Path, name: str, payload: Any, *, sort_keys: bool = False) -> None:
    """`payload` equals `directory/<name>.json` (with UPDATE_GOLDEN=1: write that file first)."""
    path = directory / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        directory.mkdir(exist_ok=True)
        text = json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=sort_keys) + "\n"
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1 and review it"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert json.loads(json.dumps(payload)) == expected, f"{path.name} differs; UPDATE_GOLDEN=1 to accept the change"
