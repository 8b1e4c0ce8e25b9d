"""The scan works in bounded pages and chunks: each chunk is committed on its own, so a scan that dies midway
has written whole chunks only, and the next scan finishes the rest without a doubled or lost DM; a big scan's
report counts every DM and keeps only the first ones."""

from __future__ import annotations

import gc
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event

from bot.services.nudges import people as nudge_people
from bot.services.nudges import scan as nudge_scan
from bot.services.nudges import scan_report as nudge_scan_report
from bot.services.nudges.people import Someone
from bot.services.nudges.rows import NudgeRow, Pair
from bot.views.nudges import Agenda
from tests.service.nudges.conftest import Env
from tests.service.nudges.test_exactly_once import TUESDAY_10_BERLIN, add_team, agendas_per_manager

PAIRS = 12 * 5 + 3  # add_team's 60 pairs and the workspace's own three (Maria's reports)


class Crash(Exception):
    """The database went away in the middle of the scan."""


def crash_on_outbox_write(env: Env, nth: int) -> Any:
    """A listener that fails the `nth` INSERT into the outbox (as a lost connection would)."""
    seen = 0

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal seen
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX "):
            seen += 1
            if seen == nth:
                raise Crash("connection lost")

    event.listen(env.runtime.engine, "before_cursor_execute", before)
    return before


def test_a_scan_that_dies_midway_resumes_without_a_doubled_or_lost_dm(env: Env,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 3 managers, chunks of one manager: the 4th chunk's outbox write fails. The chunks before it are
    committed (their Nudge rows and DMs), the failed one left nothing; the next scan writes the rest, each once."""
    monkeypatch.setattr(nudge_people, "PAGE_MANAGERS", 3)
    monkeypatch.setattr(nudge_scan, "CHUNK_PAIRS", 1)
    add_team(env, managers=12)
    listener = crash_on_outbox_write(env, nth=4)
    try:
        with pytest.raises(Exception, match="connection lost"):
            env.scan(TUESDAY_10_BERLIN)
    finally:
        event.remove(env.runtime.engine, "before_cursor_execute", listener)
    rows_after_crash, queued_after_crash = len(env.nudge_rows()), len(env.queued())
    assert 0 < rows_after_crash < PAIRS and queued_after_crash > 0
    decided = {n.manager_id for n in env.nudge_rows()}
    assert all(any(k.split(":")[2] == m for k in env.queued()) for m in decided)  # no decision without its DMs

    env.scan()
    assert len(env.nudge_rows()) == PAIRS
    seen = agendas_per_manager(env)
    assert len(seen) == PAIRS and set(seen.values()) == {1}
    prepares = [k for k in env.queued() if k.endswith(":prepare")]
    assert len(prepares) == len(set(prepares)) == 12 * 5 + 1
    assert env.scan().total == 0  # and a third scan finds nothing left to send


def test_a_big_scan_counts_every_dm_and_keeps_only_the_first(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for 10 DMs in the report, a scan of 63 pairs lists 10 and counts all it queued; a dry run lists
    everything."""
    monkeypatch.setattr(nudge_scan_report, "KEEP", 10)
    add_team(env, managers=12)
    dry = env.scan(TUESDAY_10_BERLIN, dry_run=True)
    report = env.scan()
    assert len(report.messages) == 10 and report.total == len(env.queued()) > 10
    assert len(dry.messages) == dry.total == report.total
    assert str(report).startswith(f"queued {report.total} DMs")


def live_scan_objects() -> Counter[str]:
    """The scan's per-person and per-pair objects alive now, by type."""
    kinds = (Someone, Pair, NudgeRow, Agenda)
    return Counter(type(o).__name__ for o in gc.get_objects() if isinstance(o, kinds))


def test_the_scan_holds_two_pages_at_most_whatever_the_number_of_pairs(env: Env,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 3 managers, chunks of one manager, 30 managers (150 pairs): at every outbox write the scan holds at
    most two pages' people and pairs (the page being written and the one the loop variable still names) and one
    chunk's agendas, not the whole team's."""
    monkeypatch.setattr(nudge_people, "PAGE_MANAGERS", 3)
    monkeypatch.setattr(nudge_scan, "CHUNK_PAIRS", 1)
    monkeypatch.setattr(nudge_scan_report, "KEEP", 0)
    add_team(env, managers=30)
    gc.collect()
    already = live_scan_objects()  # left alive by earlier tests in this process: not this scan's
    peak: Counter[str] = Counter()

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX "):
            now = live_scan_objects() - already
            peak.update({k: n - peak[k] for k, n in now.items() if n > peak[k]})

    event.listen(env.runtime.engine, "before_cursor_execute", before)
    try:
        report = env.scan(TUESDAY_10_BERLIN)
    finally:
        event.remove(env.runtime.engine, "before_cursor_execute", before)
    assert report.total > 30 * 5 and peak["Pair"] > 0
    page_people, page_pairs = 3 * 6, 3 * 5
    assert peak["Someone"] <= 2 * page_people and peak["Pair"] <= 2 * page_pairs, peak
    assert peak["NudgeRow"] <= 2 * page_pairs and peak["Agenda"] <= 5, peak
