"""Regenerate the initial migration from the models (only while nothing has been released).

Usage: .venv/bin/python -m storage.regen_migration
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from storage.migrate import MIGRATIONS, alembic_config

INITIAL = "0001"


def main() -> None:
    """Delete versions/0001_*.py and autogenerate it again against an empty SQLite database."""
    for old in (MIGRATIONS / "versions").glob(f"{INITIAL}_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        config = alembic_config(f"sqlite:///{Path(tmp) / 'empty.db'}")
        command.revision(config, message="initial schema", autogenerate=True, rev_id=INITIAL)
    print("regenerated", *(MIGRATIONS / "versions").glob(f"{INITIAL}_*.py"))


if __name__ == "__main__":
    main()
