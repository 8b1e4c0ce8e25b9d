"""What encryption at rest costs: the cipher per text, reading notes back, and `okrbot keys rotate` throughput.

`python -m bench privacy [--quick]` writes bench/results/privacy.md (SQLite; PostgreSQL too with
TEST_DATABASE_URL).
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bench.common import RESULTS
from storage.crypto import Keyring, attach, new_key
from storage.db import make_engine, make_sessions
from storage.migrate import upgrade
from storage.models_one_on_ones import Note, OneOnOne
from storage.rotation import rotate

TEXT = ("Lena seems stretched between the launch and the support rotation; ask about workload and whether "
        "the Berlin move is still on. ") * 3  # ~330 characters, a long private note


def cipher_figures(count: int) -> tuple[float, float]:
    """µs per encrypt and per decrypt of TEXT."""
    ring = Keyring([new_key()])
    started = time.perf_counter()
    stored = [ring.encrypt(TEXT, "notes.text") for _ in range(count)]
    encrypt = (time.perf_counter() - started) / count * 1e6
    started = time.perf_counter()
    for value in stored:
        ring.decrypt(value, "notes.text")
    return encrypt, (time.perf_counter() - started) / count * 1e6


def database_figures(url: str, rows: int) -> dict[str, float]:
    """Write `rows` notes under one key, read them all back, then rotate them to a new key."""
    old, new = new_key(), new_key()
    engine = attach(make_engine(url), Keyring([old]))
    sessions = make_sessions(engine)
    now = datetime.now(UTC)
    figures = {}
    with sessions.begin() as session:
        meeting = OneOnOne(team_id="T", requester_id="UR", manager_id="UM", requested_at=now)
        session.add(meeting)
        session.flush()
        started = time.perf_counter()
        session.add_all(Note(team_id="T", one_on_one_id=meeting.id, author_id="UM", text=TEXT, private=True,
                             created_at=now) for _ in range(rows))
        session.flush()
        figures["write µs/note"] = (time.perf_counter() - started) / rows * 1e6
    with sessions() as session:
        started = time.perf_counter()
        assert len(session.scalars(select(Note.text)).all()) == rows
        figures["read µs/note"] = (time.perf_counter() - started) / rows * 1e6
    engine.dispose()
    engine = attach(make_engine(url), Keyring([new, old]))
    started = time.perf_counter()
    report = rotate(engine, Keyring([new, old]), batch=500)
    elapsed = time.perf_counter() - started
    assert report.done and report.rotated["notes.text"] == rows
    figures["rotate rows/s"] = rows / elapsed
    engine.dispose()
    return figures


def main(quick: bool = False) -> None:
    """Run the privacy bench and write bench/results/privacy.md."""
    import os

    from tests.support.db import create_private_database, drop_private_database

    rows = 1_000 if quick else 10_000
    encrypt, decrypt = cipher_figures(2_000 if quick else 20_000)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        results["SQLite"] = database_figures(url, rows)
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        url = create_private_database(base)
        try:
            upgrade(url)
            results["PostgreSQL"] = database_figures(url, rows)
        finally:
            drop_private_database(base, url)
    lines = ["## Encryption at rest (`bench/privacy.py`)", "",
             f"AES-256-GCM (`cryptography`) on a {len(TEXT)}-character private note: {encrypt:.1f} µs to encrypt, "
             f"{decrypt:.1f} µs to decrypt (one core, {'quick' if quick else 'full'} run).", "",
             f"{rows:,} private notes written in one transaction (ORM), read back in one query, then re-encrypted "
             "under a new key by `storage.rotation.rotate` (batches of 500, compare-and-swap per row):", "",
             "| database | write µs/note | of which encryption | read µs/note | of which decryption | "
             "rotation rows/s |", "|---|---|---|---|---|---|"]
    for name, figures in results.items():
        write, read = figures["write µs/note"], figures["read µs/note"]
        lines.append(f"| {name} | {write:.0f} | {encrypt / write:.0%} | {read:.0f} | {min(1, decrypt / read):.0%} | "
                     f"{figures['rotate rows/s']:,.0f} |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "privacy.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
