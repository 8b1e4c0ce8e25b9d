"""The leader view computed in SQL (bot.services.home.leader_sql) gives exactly the answer of the Python rule
(bot.services.home.leader, one person and key result at a time), page by page, on a seeded reporting tree with
every edge of the status rule: explicit statuses, the grace period and its boundary, targets equal to the
start, decreasing targets, progress past the target or below the start."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks.home import home_view
from bot.services.home.leader import cut, fingerprint, leader_view
from bot.services.home.leader_sql import leader_page
from bot.services.okrs.status import effective_status
from bot.views.home import HomeState, Page
from storage.models import CheckIn, KeyResult, Objective, Person
from storage.models_feedback import FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_one_on_ones import OneOnOne
from tests.service.okrs.conftest import MID_NOVEMBER, Env
from tests.support.db import statements

QUARTER = "2026-Q4"
GRACE = timedelta(days=14)  # OKRBOT_STATUS_GRACE_DAYS by default


def seed_tree(env: Env) -> dict[str, str | None]:
    """UBOSS → 4 leads → 8 reports each, a few of them with 3 reports: 53 people with OKRs, check-ins, 1-on-1s,
    feedback requests and kudos drawn at random (fixed seed); an inactive person and another team's person."""
    rng = random.Random(15)
    now = MID_NOVEMBER
    tree: dict[str, str | None] = {"UBOSS": None}
    for lead in range(4):
        tree[f"UL{lead}"] = "UBOSS"
        for n in range(8):
            tree[f"UR{lead}{n}"] = f"UL{lead}"
            if n % 3 == 0 and lead % 2 == 0:
                for k in range(3):
                    tree[f"UD{lead}{n}{k}"] = f"UR{lead}{n}"
    names = ["Ana", "ana", "Bo", "", "Chloé", "zed", "Zed", "Émile", "mo"]
    rows: list[tuple[float, float, float, str | None, timedelta]] = [
        (0, 10, 0, None, timedelta(days=3)),  # not moved, in its grace period: on track
        (0, 10, 0, None, GRACE),  # exactly at the end of the grace period: derived (off track)
        (0, 10, 0, None, GRACE - timedelta(microseconds=1)),  # a microsecond before: still on track
        (5, 5, 5, None, timedelta(days=30)),  # target = start, reached
        (5, 5, 4, None, timedelta(days=30)),  # target = start, not reached
        (100, 0, 40, None, timedelta(days=30)),  # decreasing target
        (0, 10, 12, None, timedelta(days=30)),  # past the target
        (10, 20, 5, None, timedelta(days=30)),  # below the start
        (0, 10, 6, None, timedelta(days=30)), (0, 10, 3.5, None, timedelta(days=30)),
        (0, 10, 1, "ahead", timedelta(days=30)), (0, 10, 9, "off_track", timedelta(days=30)),
        (0, 10, 0, "on_track", timedelta(days=1)), (0, 10, 2, "", timedelta(days=30)),
    ]
    with env.sessions.begin() as session:
        for index, (user_id, manager) in enumerate(tree.items()):
            session.add(Person(team_id=env.team, user_id=user_id, name=names[index % len(names)] or None,
                               tz="UTC", manager_id=manager, synced_at=now))
        session.add(Person(team_id=env.team, user_id="UGONE", name="gone", manager_id="UL0", is_active=False))
        session.add(Person(team_id="T0THER", user_id="UFAR", name="far", manager_id="UL0"))
    with env.sessions.begin() as session:
        for user_id, manager in tree.items():
            for n in range(rng.randint(0, 2)):
                objective = Objective(team_id=env.team, owner_id=user_id, quarter=QUARTER if n < 2 else "2026-Q3",
                                      title=f"Objective {n} of {user_id}", created_at=now, updated_at=now)
                session.add(objective)
                session.flush()
                for position in range(rng.randint(1, 4)):
                    start, target, current, status, age = rng.choice(rows)
                    kr = KeyResult(team_id=env.team, objective_id=objective.id, title=f"KR {position}",
                                   position=position, start_value=start, target_value=target, current_value=current,
                                   status=status, updated_at=now - age)
                    session.add(kr)
                    session.flush()
                    at = now - timedelta(days=rng.choice((2, 5, 5, 20)))
                    for c in range(rng.randint(0, 3)):
                        session.add(CheckIn(team_id=env.team, key_result_id=kr.id, author_id=user_id, value=current,
                                            obstacles=rng.choice(("", f"blocked {c}", "legal")), next_steps="",
                                            created_at=at))  # same moment: the latest by id wins
            if manager:
                days = rng.choice((None, 5, 29, 31, 60))
                if days is not None:
                    session.add(OneOnOne(team_id=env.team, requester_id=user_id, manager_id=manager, topic="",
                                         state=rng.choice(("done", "accepted")), agreed_at=now - timedelta(days=days),
                                         requested_at=now - timedelta(days=days),
                                         done_at=None if rng.random() < 0.3 else now - timedelta(days=days)))
                if rng.random() < 0.3:
                    session.add(OneOnOne(team_id=env.team, requester_id=user_id, manager_id=manager, topic="",
                                         state="requested", requested_at=now - timedelta(days=rng.randint(1, 9))))
                if rng.random() < 0.4:
                    session.add(FeedbackRequest(team_id=env.team, requester_id=user_id,
                                                giver_id=rng.choice(list(tree)), about="", state="pending",
                                                created_at=now - timedelta(days=rng.randint(1, 20))))
                if rng.random() < 0.5:
                    session.add(Kudos(team_id=env.team, giver_id=manager, receiver_id=user_id, message="Thanks",
                                      source="command", channel_id="", message_ts=f"k{user_id}", reaction="",
                                      giver_local_day=now.date(), created_at=now - timedelta(days=rng.randint(1, 45))))
    return tree


PAGES = ({}, {"people": 1, "obstacles": 2}, {"people": 50, "obstacles": 999})


@pytest.mark.parametrize("viewer", ["UBOSS", "UL0", "UR00", "UR01", "UL1"])
def test_sql_and_python_give_the_same_leader_view_page_by_page(env: Env, viewer: str) -> None:
    """For every viewer, both scopes and several pages (past the end too): the same people, counts, obstacles,
    overdue 1-on-1s, requests, stale feedback and kudos, with the same totals and the same Home blocks."""
    seed_tree(env)
    now = MID_NOVEMBER  # the moment the seed was written at: the grace period's boundary is exact
    for tree in (False, True):
        for pages in PAGES:
            with env.sessions() as session:
                python = cut(leader_view(session, env.team, viewer, QUARTER, now, tree=tree), viewer, pages)
                sql = leader_page(session, env.team, viewer, QUARTER, now, tree=tree, pages=pages)
            assert fingerprint(sql) == fingerprint(python), (viewer, tree, pages)
            if sql is None:
                assert viewer == "UR01"
                continue
            home = env.home.build(team_id=env.team, user_id=viewer, state=HomeState(tree=tree, pages=tuple(
                sorted(pages.items()))))
            with env.sessions() as session:
                python = cut(leader_view(session, env.team, viewer, QUARTER, home.now, tree=tree), viewer, pages)
            assert home_view(home) == home_view(replace(home, leader=python))


def test_the_seeded_tree_covers_the_cases(env: Env) -> None:
    """The comparison above is not vacuous: all three statuses (and the grace period) occur, lists span pages."""
    tree = seed_tree(env)
    now = MID_NOVEMBER
    with env.sessions() as session:
        statuses = {effective_status(s, a, b, c, QUARTER, now, updated_at=u) for s, a, b, c, u in session.execute(
            select(KeyResult.status, KeyResult.start_value, KeyResult.target_value, KeyResult.current_value,
                   KeyResult.updated_at))}
        view = leader_page(session, env.team, "UBOSS", QUARTER, now, tree=True)
    assert statuses == {"ahead", "on_track", "off_track"}
    assert view is not None and len(view.people) == len(tree) - 1 and len(view.obstacles) > 12
    assert all(len(items) > 0 for items in (view.overdue, view.requests, view.stale_feedback, view.no_kudos))
    assert isinstance(view.people, Page) and len(tuple(view.people)) == 30


def test_a_page_slices_and_indexes_by_position_in_the_whole_list() -> None:
    """Page: len() is the whole list's, slices and indexes are positions in it, iteration gives the loaded items."""
    page: Page[Any] = Page(("c", "d"), total=5, offset=2)
    assert len(page) == 5 and list(page) == ["c", "d"] and page[2:4] == ("c", "d") and page[3] == "d"
    assert page[0:3] == ("c",) and page[-3] == "c" and bool(Page((), total=0)) is False
    with pytest.raises(IndexError):
        page[0]
    assert Page(("a",)) == ("a",) and len(Page(("a",))) == 1


def test_the_sql_view_runs_five_statements_for_any_tree(env: Env) -> None:
    """The whole tree of the VP (53 people) and of a lead of 3: the same five statements, on any page."""

    seed_tree(env)
    counts = []
    for viewer, pages in (("UR00", {}), ("UBOSS", {}), ("UBOSS", {"people": 1, "obstacles": 3})):
        with statements(env.runtime.engine) as seen, env.sessions() as session:
            assert leader_page(session, env.team, viewer, QUARTER, MID_NOVEMBER, tree=True, pages=pages)
        counts.append(len(seen))
    assert counts == [5, 5, 5]
