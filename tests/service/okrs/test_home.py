"""The App Home view-model: an employee, a manager, a manager of managers; the leader view's three questions;
a fixed number of SQL statements whatever the team size."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from bot.views.home import HomeState
from storage.models import Person
from storage.models_feedback import FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_one_on_ones import OneOnOne
from tests.service.okrs.conftest import Env
from tests.support.db import statements

REPORTS = ("URAVI", "ULENA", "UTOM")


@pytest.fixture
def team(graceless_env: Env) -> Env:
    """Ravi, Lena and Tom report to Maria (no grace period: new key results get their derived status at once)."""
    for report in REPORTS:
        graceless_env.services.people.set_manager(graceless_env.team, report, "UMARIA")
    return graceless_env


@pytest.fixture
def graced_team(env: Env) -> Env:
    """Ravi, Lena and Tom report to Maria, with the default 14-day grace period for new key results."""
    for report in REPORTS:
        env.services.people.set_manager(env.team, report, "UMARIA")
    return env


def build(env: Env, user: str = "UMARIA", **state: Any) -> Any:
    return env.home.build(team_id=env.team, user_id=user, state=HomeState(**state))



def add_people(env: Env, count: int, manager: str = "UMARIA", prefix: str = "UX") -> list[str]:
    """`count` more reports of `manager`, stored as freshly synced people (no Slack call needed)."""
    ids = [f"{prefix}{n:04d}" for n in range(count)]
    with env.sessions.begin() as session:
        for user_id in ids:
            session.add(Person(team_id=env.team, user_id=user_id, name=user_id.lower(), tz="UTC", manager_id=manager,
                               synced_at=env.clock()))
    return ids


def test_an_employee_sees_their_okrs_and_no_leader_view(team: Env) -> None:
    """Ravi manages nobody: his objectives, his manager, no leader view."""
    team.create(owner="URAVI")
    home = build(team, "URAVI")
    assert [o.title for o in home.objectives] == ["Delight our first customers"]
    assert home.leader is None and home.manager_id == "UMARIA" and home.quarter == "2026-Q4"


def test_other_features_sections_are_included(team: Env) -> None:
    """1-on-1s, kudos, feedback and privacy come from their own services."""
    assert [s.name for s in build(team, "URAVI").sections] == ["review", "one_on_ones", "kudos", "feedback", "privacy"]


def test_a_manager_sees_where_each_report_stands(team: Env) -> None:
    """Where are we? Counts of key results ahead / on track / off track per person, most off track first."""
    ravi = team.create(owner="URAVI", krs=(("A", 0, 10), ("B", 0, 10)))
    team.check_in(ravi, kr0={"value": "10"}, kr1={"value": "5"})  # ahead, on track (half-way through Q4)
    team.create(owner="ULENA", krs=(("C", 0, 10),))  # 0%: off track
    leader = build(team).leader
    assert [(p.user_id, p.ahead, p.on_track, p.off_track) for p in leader.people] == [
        ("ULENA", 0, 0, 1), ("URAVI", 1, 1, 0), ("UTOM", 0, 0, 0)]
    assert leader.totals == (1, 1, 1) and not leader.tree


def test_explicit_statuses_count_as_set(team: Env) -> None:
    """A status chosen at check-in wins over the derived one in the counts."""
    ravi = team.create(owner="URAVI")
    team.check_in(ravi, kr0={"status": "on_track"})
    assert build(team).leader.totals == (0, 1, 0)


def test_obstacles_are_off_track_key_results_with_their_latest_obstacle_oldest_first(team: Env) -> None:
    """Where are the obstacles? Latest obstacle of each off-track key result, the longest-standing first."""
    ravi = team.create(owner="URAVI", krs=(("Hiring", 0, 10),))
    lena = team.create(owner="ULENA", krs=(("Churn", 0, 10),))
    team.check_in(lena, kr0={"obstacles": "Old obstacle"}, batch="L1")
    team.clock.advance(days=1)
    team.check_in(ravi, kr0={"obstacles": "No budget"}, batch="R1")
    team.clock.advance(days=1)
    team.check_in(lena, kr0={"obstacles": "Pricing page is down"}, batch="L2")
    obstacles = build(team).leader.obstacles
    assert [(o.owner_id, o.key_result_title, o.obstacle) for o in obstacles] == [
        ("URAVI", "Hiring", "No budget"), ("ULENA", "Churn", "Pricing page is down")]


def test_a_key_result_back_on_track_is_no_obstacle(team: Env) -> None:
    """Ravi reaches 90% mid-quarter: ahead, so his old obstacle is no longer listed."""
    ravi = team.create(owner="URAVI", krs=(("Hiring", 0, 10),))
    team.check_in(ravi, kr0={"obstacles": "No budget"}, batch="R1")
    fresh = team.okrs.objective(team_id=team.team, objective_id=ravi.id)
    team.check_in(fresh, kr0={"value": "9"}, batch="R2")
    assert build(team).leader.obstacles == ()


def test_a_new_key_result_is_no_obstacle_during_its_grace_period(graced_team: Env) -> None:
    """A brand-new objective is on track, not "off track (auto)", until it moves or 14 days pass unchanged."""
    graced_team.create(owner="UTOM")
    assert build(graced_team).leader.obstacles == () and build(graced_team).leader.totals == (0, 1, 0)
    graced_team.clock.advance(days=15)
    assert [o.owner_id for o in build(graced_team).leader.obstacles] == ["UTOM"]


def test_off_track_without_any_obstacle_is_listed_by_its_last_change(team: Env) -> None:
    """No obstacle written yet: listed with an empty obstacle."""
    team.create(owner="UTOM")
    [obstacle] = build(team).leader.obstacles
    assert (obstacle.owner_id, obstacle.obstacle) == ("UTOM", "")


def one_on_one(env: Env, report: str, state: str, days_ago: int, manager: str = "UMARIA") -> None:
    when = env.clock() - timedelta(days=days_ago)
    with env.sessions.begin() as session:
        session.add(OneOnOne(team_id=env.team, requester_id=report, manager_id=manager, state=state,
                             requested_at=when, agreed_at=when if state in ("accepted", "done") else None,
                             done_at=when if state == "done" else None))


def test_overdue_one_on_ones_are_reports_without_one_in_30_days(team: Env) -> None:
    """Done 10 days ago: fine; done 40 days ago: overdue; never: overdue (listed first); booked ahead: fine."""
    one_on_one(team, "URAVI", "done", 10)
    one_on_one(team, "ULENA", "done", 40)
    one_on_one(team, "UPAT", "done", 1)  # not Maria's report
    overdue = build(team).leader.overdue
    assert [(o.user_id, o.last_at is None) for o in overdue] == [("UTOM", True), ("ULENA", False)]
    one_on_one(team, "UTOM", "accepted", -3)
    assert [o.user_id for o in build(team).leader.overdue] == ["ULENA"]


def test_unanswered_requests_to_the_manager_are_listed(team: Env) -> None:
    """1-on-1 requests still `requested` and addressed to the viewer, oldest first."""
    one_on_one(team, "ULENA", "requested", 2)
    one_on_one(team, "URAVI", "requested", 5)
    one_on_one(team, "UTOM", "declined", 5)
    assert [r.requester_id for r in build(team).leader.requests] == ["URAVI", "ULENA"]


def feedback_request(env: Env, requester: str, giver: str, days_ago: int, state: str = "pending") -> None:
    with env.sessions.begin() as session:
        session.add(FeedbackRequest(team_id=env.team, requester_id=requester, giver_id=giver, state=state,
                                    created_at=env.clock() - timedelta(days=days_ago)))


def test_stale_feedback_requests_are_those_pending_over_a_week(team: Env) -> None:
    """Pending for 8 days and involving the team: listed; 3 days old, answered, or outside the team: not."""
    feedback_request(team, "URAVI", "UPAT", 8)
    feedback_request(team, "UPAT", "ULENA", 9)
    feedback_request(team, "URAVI", "ULENA", 3)
    feedback_request(team, "UTOM", "URAVI", 20, state="answered")
    feedback_request(team, "UPAT", "UADMIN", 30)
    stale = build(team).leader.stale_feedback
    assert [(s.requester_id, s.giver_id) for s in stale] == [("UPAT", "ULENA"), ("URAVI", "UPAT")]


def test_people_without_kudos_in_30_days_are_listed(team: Env) -> None:
    """Kudos 10 days ago counts; 31 days ago does not."""
    for receiver, days_ago in (("URAVI", 10), ("ULENA", 31)):
        when = team.clock() - timedelta(days=days_ago)
        with team.sessions.begin() as session:
            session.add(Kudos(team_id=team.team, giver_id="UPAT", receiver_id=receiver, message="thanks",
                              source="command", message_ts=str(days_ago), giver_local_day=when.date(),
                              created_at=when))
    assert build(team).leader.no_kudos == ("ULENA", "UTOM")


def test_a_manager_of_managers_sees_direct_reports_or_the_whole_tree(team: Env) -> None:
    """Maria → Ravi → (Pat, Ada): direct reports by default; with the toggle, everyone below, with depth."""
    team.services.people.set_manager(team.team, "UPAT", "URAVI")
    team.services.people.set_manager(team.team, "UADMIN", "URAVI")
    direct = build(team).leader
    assert sorted(p.user_id for p in direct.people) == ["ULENA", "URAVI", "UTOM"] and direct.has_sub_managers
    tree = build(team, tree=True).leader
    assert sorted((p.user_id, p.depth) for p in tree.people) == [
        ("UADMIN", 2), ("ULENA", 1), ("UPAT", 2), ("URAVI", 1), ("UTOM", 1)]
    assert tree.tree and [p.is_manager for p in tree.people if p.user_id == "URAVI"] == [True]


def test_requests_to_managers_below_show_in_the_tree(team: Env) -> None:
    """In the whole-tree view, unanswered requests to Ravi (a manager under Maria) are listed too."""
    team.services.people.set_manager(team.team, "UPAT", "URAVI")
    one_on_one(team, "UPAT", "requested", 1, manager="URAVI")
    assert build(team).leader.requests == ()
    assert [r.manager_id for r in build(team, tree=True).leader.requests] == ["URAVI"]


def test_deactivated_reports_and_other_workspaces_are_left_out(team: Env) -> None:
    """Only active people of this team count."""
    with team.sessions.begin() as session:
        session.add(Person(team_id=team.team, user_id="UOLD", name="old", manager_id="UMARIA", is_active=False))
        session.add(Person(team_id="T0THER", user_id="UFAR", name="far", manager_id="UMARIA"))
    assert sorted(p.user_id for p in build(team).leader.people) == sorted(REPORTS)


@pytest.mark.parametrize("tree", [False, True])
def test_the_number_of_sql_statements_does_not_grow_with_the_team(team: Env, tree: bool) -> None:
    """Home for 3 reports and for 3 + 60 reports (with OKRs and check-ins) runs the same number of statements."""
    build(team, tree=tree)  # warm up: the viewer is synced from Slack once
    with statements(team.runtime.engine) as small:
        build(team, tree=tree)
    ids = add_people(team, 30) + add_people(team, 30, manager="URAVI", prefix="UY")
    for user_id in ids[::6]:
        view = team.create(owner=user_id, krs=(("K1", 0, 10), ("K2", 0, 10)))
        team.check_in(view, kr0={"obstacles": "blocked"}, batch=f"B{user_id}")
    with statements(team.runtime.engine) as large:
        home = build(team, tree=tree)
    assert len(home.leader.people) == (63 if tree else 33)
    assert len(large) == len(small)


def test_home_state_round_trips_and_tolerates_garbage() -> None:
    """The paging state survives encode/decode; anything unreadable is the default."""
    state = HomeState(tree=True).with_page("people", 3).with_page("obstacles", 1)
    assert HomeState.decode(state.encode()) == state
    assert state.with_page("people", 0).page("people") == 0 and state.page("okrs") == 0
    assert HomeState.decode("not json") == HomeState() == HomeState.decode('{"p": {"people": "x"}}')
    assert HomeState.decode('{"p": {"people": 999999}}').page("people") == 1000


def test_manager_set_from_home_is_shown(team: Env) -> None:
    """Picking a manager in the Home tab stores it and shows it."""
    home = team.home.set_manager(team_id=team.team, user_id="UPAT", manager_id="UMARIA")
    assert home.manager_id == "UMARIA" and home.notice is None


@pytest.mark.parametrize(("user", "manager", "notice"), [
    ("URAVI", "URAVI", "yourself"),
    ("URAVI", "UROBOT", "is a bot"),
    ("UMARIA", "URAVI", "reports to you"),
])
def test_a_refused_manager_is_explained_on_the_tab(team: Env, user: str, manager: str, notice: str) -> None:
    """Self, a bot or a cycle: the tab shows why, the manager is unchanged."""
    before = build(team, user).manager_id
    home = team.home.set_manager(team_id=team.team, user_id=user, manager_id=manager)
    assert notice in home.notice and home.manager_id == before


def test_away_from_home_is_stored_and_cleared(team: Env) -> None:
    """The date picker sets the away date; I'm back clears it."""
    home = team.home.set_away(team_id=team.team, user_id="URAVI", until="2026-12-24")
    assert home.away_until == date(2026, 12, 24)
    assert team.home.set_away(team_id=team.team, user_id="URAVI", until=None).away_until is None


def test_a_past_away_date_is_explained_on_the_tab(team: Env) -> None:
    """Yesterday is refused with a notice."""
    home = team.home.set_away(team_id=team.team, user_id="URAVI", until="2026-11-01")
    assert "passed" in home.notice and home.away_until is None


def test_the_okr_thread_conversation_shows_in_the_owners_home(team: Env) -> None:
    """Replies in an objective's thread: the owner's Home counts them and quotes the latest (deleted ones not)."""
    from bot.blocks.home import home_view
    from storage.models import OkrComment

    ravi = team.create(owner="URAVI")
    now = team.clock()
    with team.sessions.begin() as session:
        for n, (user, text, deleted) in enumerate((("UMARIA", "Can the data team help?", None),
                                                   ("URAVI", "Asked them today", None),
                                                   ("ULENA", "gone", now))):
            session.add(OkrComment(team_id=team.team, objective_id=ravi.id, kind="reply", user_id=user,
                                   channel_id="COKRS", message_ts=f"1.{n}", text=text, created_at=now,
                                   deleted_at=deleted))
    home = build(team, user="URAVI")
    assert (home.threads[ravi.id].replies, home.threads[ravi.id].latest_user) == (2, "URAVI")
    assert "2 replies in its thread, latest from <@URAVI>: “Asked them today”" in str(home_view(home))
