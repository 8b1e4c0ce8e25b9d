"""The Home tab as golden JSON (paste into Block Kit Builder; UPDATE_GOLDEN=1 regenerates), its pages, and the
100-block limit for any team size."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.blocks.home import PEOPLE_PAGE, home_view
from bot.blocks.limits import MAX_VIEW_BLOCKS
from bot.sandbox.slack.blockkit import view_errors
from bot.services.people.service import PersonView
from bot.views.home import (
    HomeState,
    HomeView,
    LeaderView,
    Obstacle,
    OpenRequest,
    OverdueOneOnOne,
    PersonStatus,
    StaleFeedback,
)
from bot.views.okrs import KeyResultView, ObjectiveView
from tests.support.golden import check_golden

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 16, 9, tzinfo=UTC)


def person(user_id: str, name: str, manager: str | None = None, away: date | None = None) -> PersonView:
    return PersonView("T0001", user_id, name, "Europe/Berlin", manager, True, False, False, away)


def kr(n: int, status: str) -> KeyResultView:
    return KeyResultView(id=n, title=f"Key result {n}", start=0, target=10, current=4, unit="", status=status,
                         explicit_status=None, progress=0.4, updated_at=NOW)


def objective(n: int, owner: str = "UMARIA") -> ObjectiveView:
    return ObjectiveView(id=n, team_id="T0001", owner_id=owner, quarter="2026-Q4", title=f"Objective {n}", tag=None,
                         key_results=(kr(n * 10 + 1, "ahead"), kr(n * 10 + 2, "off_track")),
                         last_checkin_at=NOW - timedelta(days=3), channel_id=None, message_ts=None)


def status(user_id: str, off: int = 0, depth: int = 1, manager: str = "UMARIA", is_manager: bool = False,
           ) -> PersonStatus:
    return PersonStatus(user_id=user_id, name=user_id.lower(), manager_id=manager, depth=depth,
                        is_manager=is_manager, ahead=1, on_track=2, off_track=off)


def obstacle(n: int, owner: str = "URAVI", text: str = "Waiting on legal") -> Obstacle:
    return Obstacle(owner_id=owner, objective_id=n, objective_title=f"Objective {n}", key_result_id=n,
                    key_result_title=f"Key result {n}", progress=0.1, obstacle=text,
                    since=NOW - timedelta(days=20 - n % 20))


def leader(**changes: Any) -> LeaderView:
    base = LeaderView(
        tree=False, has_sub_managers=False,
        people=(status("ULENA", off=1), status("URAVI"), status("UTOM")),
        obstacles=(obstacle(1, "ULENA"), obstacle(2, "URAVI", "")),
        overdue=(OverdueOneOnOne("UTOM", "UMARIA", None), OverdueOneOnOne("ULENA", "UMARIA", NOW - timedelta(40))),
        requests=(OpenRequest(5, "URAVI", "UMARIA", NOW - timedelta(days=2)),),
        stale_feedback=(StaleFeedback(9, "URAVI", "UPAT", NOW - timedelta(days=9)),),
        no_kudos=("UTOM",))
    return replace(base, **changes)


def home(**changes: Any) -> HomeView:
    base = HomeView(viewer=person("UMARIA", "maria"), quarter="2026-Q4", now=NOW, objectives=(objective(1),),
                    leader=None, sections=())
    return replace(base, **changes)


golden = partial(check_golden, GOLDEN)


CASES = {
    "employee": lambda: home(viewer=person("URAVI", "ravi", "UMARIA"), objectives=(objective(1, "URAVI"),)),
    "employee_new_and_away": lambda: home(viewer=person("URAVI", "ravi", None, date(2026, 12, 24)), objectives=(),
                                          notice="You can't pick yourself as your own manager."),
    "manager": lambda: home(leader=leader()),
    "manager_nothing_to_do": lambda: home(leader=leader(obstacles=(), overdue=(), requests=(), stale_feedback=(),
                                                        no_kudos=())),
    "manager_of_managers_tree": lambda: home(state=HomeState(tree=True), leader=leader(
        tree=True, has_sub_managers=True,
        people=(status("URAVI", is_manager=True), status("UPAT", off=2, depth=2, manager="URAVI"), status("ULENA")))),
}


@pytest.mark.parametrize("name", CASES)
def test_home_matches_its_golden_file_and_slacks_rules(name: str) -> None:
    """Each kind of viewer: as designed, and valid for views.publish."""
    view = home_view(CASES[name]())
    assert view_errors(view, kind="home") == []
    golden(name, view)


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"])


def test_no_leader_view_for_an_employee() -> None:
    """Someone who manages nobody sees no team section."""
    assert "Where are we?" not in texts(home_view(CASES["employee"]()))


def test_the_tree_toggle_appears_only_for_a_manager_of_managers() -> None:
    """Direct reports who manage nobody: no toggle; a report who manages: "Whole reporting tree"."""
    assert "home.tree" not in texts(home_view(home(leader=leader())))
    with_sub = home_view(home(leader=leader(has_sub_managers=True)))
    [toggle] = [b["accessory"] for b in with_sub["blocks"] if b.get("block_id") == "home.team"]
    assert toggle["text"]["text"] == "Whole reporting tree" and HomeState.decode(toggle["value"]).tree


def big_home(state: HomeState | None = None) -> HomeView:
    """A manager of a 200-person tree with 2,000 key results' worth of lists, and 30 objectives of their own."""
    people = tuple(status(f"U{n:04d}", off=n % 4, depth=1 + n % 3) for n in range(200))
    return home(state=state or HomeState(tree=True), objectives=tuple(objective(n) for n in range(30)),
                notice="x" * 5000,
                leader=leader(tree=True, has_sub_managers=True, people=people,
                              obstacles=tuple(obstacle(n, f"U{n % 200:04d}", "y" * 2000) for n in range(700)),
                              overdue=tuple(OverdueOneOnOne(p.user_id, "UMARIA", None) for p in people),
                              requests=tuple(OpenRequest(n, f"U{n:04d}", "UMARIA", NOW) for n in range(150)),
                              stale_feedback=tuple(StaleFeedback(n, f"U{n:04d}", "UPAT", NOW) for n in range(150)),
                              no_kudos=tuple(p.user_id for p in people)))


@pytest.mark.parametrize("page", [0, 1, 3, 6, 999])
def test_any_team_size_stays_within_100_blocks(page: int) -> None:
    """200 people, 700 obstacles, 150 requests, every list on any page: ≤ 100 blocks, valid for Slack."""
    state = HomeState(tree=True).with_page("people", page).with_page("obstacles", page).with_page("okrs", page)
    view = home_view(big_home(state))
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    assert view_errors(view, kind="home") == []


def show_more(view: dict[str, Any], name: str) -> HomeState | None:
    for block in view["blocks"]:
        if block.get("block_id") == f"home.pager.{name}":
            for element in block["elements"]:
                if element["text"]["text"].startswith("Show more"):
                    return HomeState.decode(element["value"])
    return None


def test_show_more_walks_through_every_person_once() -> None:
    """Following "Show more" on "Where are we?" lists each of the 200 people exactly once, then stops."""
    state, seen = HomeState(tree=True), []
    for _ in range(20):
        view = home_view(big_home(state))
        seen += [line.split(">")[0].removeprefix("<@") for b in view["blocks"] if b["type"] == "section"
                 for line in b["text"]["text"].split("\n") if line.startswith("<@U0") and " — " in line]
        next_state = show_more(view, "people")
        if next_state is None:
            break
        state = next_state
    assert len(seen) == 200 and len(set(seen)) == 200
    assert state.page("people") == 200 // PEOPLE_PAGE


def test_paging_keeps_the_other_choices() -> None:
    """The next page of obstacles keeps the tree toggle and the page of people."""
    state = HomeState(tree=True).with_page("people", 2)
    following = show_more(home_view(big_home(state)), "obstacles")
    assert following == state.with_page("obstacles", 1)


def test_the_state_travels_in_private_metadata() -> None:
    """Re-publishing after an action keeps the viewer's choices."""
    state = HomeState(tree=True).with_page("obstacles", 2)
    assert HomeState.decode(home_view(big_home(state))["private_metadata"]) == state


def test_obstacle_text_is_escaped() -> None:
    """An obstacle cannot mention the channel or forge a link."""
    view = home_view(home(leader=leader(obstacles=(obstacle(1, text="<!channel> see <http://x|here>"),))))
    assert "&lt;!channel&gt;" in texts(view) and "<!channel>" not in texts(view)


def test_schedule_buttons_are_for_the_viewers_own_reports() -> None:
    """In the tree, "Schedule" is offered only for people who report to the viewer directly."""
    view = home_view(home(state=HomeState(tree=True), leader=leader(tree=True, has_sub_managers=True, overdue=(
        OverdueOneOnOne("UPAT", "URAVI", None), OverdueOneOnOne("UTOM", "UMARIA", None)))))
    buttons = [b["accessory"] for b in view["blocks"]
               if (b.get("accessory") or {}).get("action_id") == "1on1.schedule.open"]
    assert [b["value"] for b in buttons] == ["UTOM"]
