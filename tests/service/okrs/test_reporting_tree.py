"""The reporting tree's closure table (storage.reporting) on SQLite and PostgreSQL: kept true on every
manager change, cycles refused, drift found and repaired by `okrbot people check-tree`."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import insert, select, update

from bot.services.core.errors import UserFacingError
from storage import reporting
from storage.models import Person, ReportingLine
from tests.service.okrs.conftest import Env
from tests.support.cli import cli_variables, invoke


def lines(env: Env) -> dict[tuple[str, str], int]:
    """The stored lines of the test team: (ancestor, descendant) → depth."""
    with env.sessions() as session:
        return {(a, d): n for a, d, n in session.execute(
            select(ReportingLine.ancestor_id, ReportingLine.descendant_id, ReportingLine.depth)
            .where(ReportingLine.team_id == env.team))}


def walked(env: Env) -> dict[tuple[str, str], int]:
    """The lines the obvious way: from every active person, follow managers up through active people."""
    with env.sessions() as session:
        people = {p.user_id: p for p in session.scalars(select(Person).where(Person.team_id == env.team))}
    found: dict[tuple[str, str], int] = {}
    for person in people.values():
        if not person.is_active:
            continue
        boss, depth, seen = person.manager_id, 1, {person.user_id}
        while boss and boss not in seen and depth <= reporting.MAX_DEPTH:
            found.setdefault((boss, person.user_id), depth)
            seen.add(boss)
            above = people.get(boss)
            if above is None or not above.is_active:
                break
            boss, depth = above.manager_id, depth + 1
    return found


def add(env: Env, *pairs: tuple[str, str | None], active: bool = True) -> None:
    """People (user, manager) added through the ORM, as imports and tests do."""
    with env.sessions.begin() as session:
        for user_id, manager_id in pairs:
            session.add(Person(team_id=env.team, user_id=user_id, name=user_id.lower(), manager_id=manager_id,
                               is_active=active))


def move(env: Env, user_id: str, manager_id: str | None) -> None:
    with env.sessions.begin() as session:
        session.get(Person, (env.team, user_id)).manager_id = manager_id


def test_new_people_get_a_line_to_every_manager_above_them(env: Env) -> None:
    """VP → two leads → their reports: each report has a line to their lead (1) and to the VP (2)."""
    add(env, ("UVP", None), ("UL1", "UVP"), ("UL2", "UVP"), ("UA", "UL1"), ("UB", "UL1"), ("UC", "UL2"))
    assert lines(env) == {("UVP", "UL1"): 1, ("UVP", "UL2"): 1, ("UL1", "UA"): 1, ("UL1", "UB"): 1,
                          ("UL2", "UC"): 1, ("UVP", "UA"): 2, ("UVP", "UB"): 2, ("UVP", "UC"): 2}


def test_moving_a_lead_moves_their_whole_subtree(env: Env) -> None:
    """Lead 1 moves under lead 2: Lead 1's reports are now 3 levels below the VP and 2 below lead 2."""
    add(env, ("UVP", None), ("UL1", "UVP"), ("UL2", "UVP"), ("UA", "UL1"), ("UB", "UL1"))
    move(env, "UL1", "UL2")
    assert lines(env)[("UVP", "UA")] == 3
    assert lines(env)[("UL2", "UB")] == 2
    assert lines(env) == walked(env)
    move(env, "UL1", None)
    assert {a for a, d in lines(env) if d == "UA"} == {"UL1"}


def test_my_manager_from_the_home_updates_the_tree(env: Env) -> None:
    """The Home's "my manager" picker puts Ravi (and nobody else) under Maria."""
    env.services.people.set_manager(env.team, "URAVI", "UMARIA")
    assert lines(env) == {("UMARIA", "URAVI"): 1}


def test_a_cycle_is_refused_and_the_tree_is_unchanged(env: Env) -> None:
    """Maria can't report to Ravi who reports to her: refused, the lines stay."""
    env.services.people.set_manager(env.team, "URAVI", "UMARIA")
    before = lines(env)
    with pytest.raises(UserFacingError, match="reports to you"):
        env.services.people.set_manager(env.team, "UMARIA", "URAVI")
    assert lines(env) == before


def test_a_cycle_in_stored_data_stays_finite(env: Env) -> None:
    """A cycle written behind okrbot's back (A → B → C → A) gives each a line to the two others, not a loop."""
    add(env, ("UA", "UC"), ("UB", "UA"), ("UC", "UB"))
    assert lines(env) == walked(env)
    assert len(lines(env)) == 6


def test_deactivating_a_lead_cuts_their_reports_from_the_trees_above(env: Env) -> None:
    """Deactivated lead: their reports stay under them but leave the VP's tree; back again when reactivated."""
    add(env, ("UVP", None), ("UL1", "UVP"), ("UA", "UL1"))
    with env.sessions.begin() as session:
        session.get(Person, (env.team, "UL1")).is_active = False
    assert lines(env) == {("UL1", "UA"): 1}
    with env.sessions.begin() as session:
        session.get(Person, (env.team, "UL1")).is_active = True
    assert lines(env) == {("UVP", "UL1"): 1, ("UL1", "UA"): 1, ("UVP", "UA"): 2}


def test_random_moves_keep_the_table_equal_to_the_walk(env: Env) -> None:
    """Sixty people, forty random moves and (de)activations in small and large batches: always the walk."""
    rng = random.Random(7)
    ids = [f"UP{n:03d}" for n in range(60)]
    add(env, *((u, ids[rng.randrange(n)] if n else None) for n, u in enumerate(ids)))
    for step in range(40):
        with env.sessions.begin() as session:
            for _ in range(1 if step % 5 else 8):
                person = session.get(Person, (env.team, rng.choice(ids)))
                if rng.random() < 0.2:
                    person.is_active = not person.is_active
                else:
                    person.manager_id = rng.choice([None, *ids])
    assert lines(env) == walked(env)


def test_the_people_import_keeps_the_tree(env: Env) -> None:
    """`okrbot import people` (a CSV naming managers) leaves the table equal to the walk."""
    env.imports.people(team_id=env.team, text="user,manager\nravi@example.com,maria@example.com\n"
                                               "lena@example.com,ravi@example.com\n")
    assert lines(env)[("UMARIA", "ULENA")] == 2
    assert lines(env) == walked(env)


def test_check_tree_finds_and_repairs_drift(env: Env) -> None:
    """Bulk writes behind the ORM drift the table: check-tree says how much, exits 1, and --repair fixes it."""
    add(env, ("UVP", None), ("UL1", "UVP"))
    with env.sessions.begin() as session:  # Core writes: no listener
        session.execute(insert(Person), [{"team_id": env.team, "user_id": "UNEW", "name": "new", "manager_id": "UL1",
                                          "is_active": True}])
        session.execute(update(Person).where(Person.user_id == "UL1").values(manager_id=None))
    variables = cli_variables(env.runtime)
    checked = invoke(variables, "people", "check-tree")
    assert checked.exit_code == 1
    assert f"{env.team}: 1 missing, 1 extra, 0 wrong depth" in checked.output
    repaired = invoke(variables, "people", "check-tree", "--repair")
    assert repaired.exit_code == 0 and "repaired" in repaired.output
    assert lines(env) == walked(env) == {("UL1", "UNEW"): 1}
    again = invoke(variables, "people", "check-tree")
    assert again.exit_code == 0 and f"{env.team}: reporting tree OK" in again.output


def test_rebuild_after_a_bulk_load_matches_the_walk(env: Env) -> None:
    """`reporting.rebuild` (what bulk loaders call) computes the team's lines from scratch."""
    with env.sessions.begin() as session:
        session.execute(insert(Person), [{"team_id": env.team, "user_id": f"UQ{n:03d}", "name": "q",
                                          "manager_id": f"UQ{(n - 1) // 3:03d}" if n else None, "is_active": True}
                                         for n in range(100)])
    with env.sessions.begin() as session:
        reporting.rebuild(session, env.team)
    assert lines(env) == walked(env)
    assert max(lines(env).values()) == 4
