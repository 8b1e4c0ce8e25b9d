"""Exactly once under concurrency: two scheduler processes (separate engines) scanning the same database,
and a scan whose statement count does not grow with the number of pairs."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from sqlalchemy import event

from bot.runtime import build_runtime
from storage.models import Person
from tests.service.nudges.conftest import Env, utc

TUESDAY_10_BERLIN = utc(2026, 12, 15, 9)


def add_team(env: Env, managers: int, reports: int = 5, tz: str = "Europe/Berlin") -> None:
    """`managers` managers with `reports` reports each, all in `tz`, synced from Slack today, each with an OKR."""
    synced = utc(2026, 12, 15, 8)
    people = []
    for m in range(managers):
        people.append(Person(team_id=env.team, user_id=f"UM{m:04d}", name=f"manager {m}", tz=tz, synced_at=synced))
        people += [Person(team_id=env.team, user_id=f"UR{m:04d}{r}", name=f"report {m}.{r}", tz=tz,
                          manager_id=f"UM{m:04d}", synced_at=synced) for r in range(reports)]
    env.add(*people)
    for person in people:
        if person.manager_id:
            objective = env.objective(person.user_id, "Grow", ("Users", 0, 100, 30, None), ("Revenue", 0, 10, 1, None))
            first, _ = env.key_results(objective)
            env.check_in(first, utc(2026, 12, 1), obstacles="Hiring", next_steps="Interview", author=person.user_id)


def agendas_per_manager(env: Env) -> Counter[str]:
    """How often each pair's agenda (its buttons' block id) appears across all DMs to managers."""
    seen: Counter[str] = Counter()
    for row in env.outbox():
        for block in row.payload.get("blocks", []):
            if block["type"] == "actions" and block.get("block_id", "").startswith("nudge.actions."):
                seen[f"{row.channel_key}:{block['block_id']}"] += 1
    return seen


def test_two_schedulers_scanning_at_once_nudge_each_pair_once(env: Env) -> None:
    """Two processes (own engines) scan the same 60 pairs at the same moment: one Nudge per pair, one DM each."""
    add_team(env, managers=12)
    env.clock.travel_to(TUESDAY_10_BERLIN)
    other = build_runtime(env.runtime.settings, clock=env.clock, migrate="skip")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def scan(services: Any) -> None:
        barrier.wait()
        try:
            services.nudges.scan()
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=scan, args=(s,)) for s in (env.services, other.services)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    other.close()
    assert errors == []
    pairs = 12 * 5 + 3
    assert len(env.nudge_rows()) == pairs
    assert len({(n.manager_id, n.report_id) for n in env.nudge_rows()}) == pairs
    seen = agendas_per_manager(env)
    assert len(seen) == pairs and set(seen.values()) == {1}
    prepares = [k for k in env.queued() if k.endswith(":prepare")]
    assert len(prepares) == len(set(prepares)) == 12 * 5 + 1  # Ravi (Kolkata) is due too; Lena and Tom not yet


def count_statements(env: Env) -> int:
    """Run one scan at Tuesday 10:00 Berlin and count the SQL statements it sent."""
    count = 0

    def counter(*_: Any) -> None:
        nonlocal count
        count += 1

    event.listen(env.runtime.engine, "before_cursor_execute", counter)
    try:
        env.scan(TUESDAY_10_BERLIN)
    finally:
        event.remove(env.runtime.engine, "before_cursor_execute", counter)
    return count


def empty(db_url: str) -> None:
    """Delete every row (SQLite and PostgreSQL alike)."""
    from storage.db import Base, make_engine

    engine = make_engine(db_url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


def test_scan_statements_do_not_grow_with_the_number_of_pairs(db_url: str) -> None:
    """40 pairs and 200 pairs take the same number of SQL statements (agenda data is read in batches)."""
    from tests.service.nudges.conftest import make_env

    counts = []
    for managers in (8, 40):
        env = make_env(db_url)
        try:
            add_team(env, managers)
            counts.append((count_statements(env), len(env.nudge_rows())))
        finally:
            env.runtime.close()
            env.slack.stop()
        empty(db_url)
    (small, small_pairs), (large, large_pairs) = counts
    assert (small_pairs, large_pairs) == (43, 203)
    assert small == large
    assert large < large_pairs


def test_every_dm_fits_slacks_limits(env: Env) -> None:
    """Every message the scan writes has at most 50 blocks and passes Slack's Block Kit checks."""
    from bot.sandbox.slack.blockkit import block_errors

    add_team(env, managers=2, reports=12)
    env.scan(TUESDAY_10_BERLIN)
    rows = env.outbox()
    assert rows and all(block_errors(r.payload["blocks"]) == [] for r in rows)
    split = [r.dedupe_key for r in rows if r.channel_key == "UM0000"]
    assert split[0] == "nudge:2026-12:UM0000:summary" and len(split) == 13
