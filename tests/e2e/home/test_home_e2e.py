"""End to end: the App Home for an employee, a manager and a manager of managers, through signed HTTP and the
loopback Slack; paging, the tree toggle, "my manager", away, and the 100-block limit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.sandbox.slack.payloads import app_home_opened_event
from bot.views.home import HomeAction, HomeState
from bot.views.okrs import new_field
from storage.models import Person
from storage.models_feedback import FeedbackRequest
from storage.models_kudos import Kudos
from storage.models_one_on_ones import OneOnOne
from tests.support.reading import eventually, listeners_done, rows, text_of
from tests.support.stack import TEAM, Stack

MID_NOVEMBER = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


@pytest.fixture
def home_stack(stack: Stack) -> Stack:
    """The running okrbot in mid-November 2026; Ravi, Lena and Tom report to Maria."""
    stack.clock.travel_to(MID_NOVEMBER)
    for report in ("URAVI", "ULENA", "UTOM"):
        stack.set_manager(report, "UMARIA")
    return stack


def open_home(stack: Stack, user: str, *, event_id: str | None = None, tab: str = "home") -> dict[str, Any]:
    """`user` opens okrbot's Home tab; returns the view okrbot published for them."""
    before = len(publishes(stack, user))
    current = stack.slack.home_view(user)
    event = app_home_opened_event(user, channel=stack.slack.dm_channel(user), tab=tab, view=current)
    assert stack.send.event(TEAM, event, event_id=event_id).status == 200
    stack.slack.wait_for("views.publish", lambda c: c.args["user_id"] == user, count=before + 1)
    view = stack.slack.home_view(user)
    assert view is not None
    return view


def publishes(stack: Stack, user: str) -> list[Any]:
    return [c for c in stack.slack.calls_to("views.publish") if c.args["user_id"] == user]


def click(stack: Stack, user: str, action_id: str, **action: Any) -> dict[str, Any]:
    """`user` uses an element of their Home tab; returns the view published in answer."""
    before = len(publishes(stack, user))
    view = stack.slack.home_view(user)
    assert stack.send.action(TEAM, user, [{"action_id": action_id, **action}], view=view).status == 200
    stack.slack.wait_for("views.publish", lambda c: c.args["user_id"] == user, count=before + 1)
    published = stack.slack.home_view(user)
    assert published is not None
    return published


def objective(stack: Stack, owner: str, title: str, krs: int = 1) -> Any:
    values: dict[str, Any] = {new_field("title"): title, new_field("quarter"): "2026-Q4"}
    for n in range(1, krs + 1):
        values |= {new_field("title", n): f"KR {n}", new_field("target", n): "10"}
    return stack.services.okrs.create(team_id=TEAM, owner_id=owner, values=values)


def test_an_employee_sees_their_okrs_and_actions(home_stack: Stack) -> None:
    """Ravi: his OKRs with status, buttons for common actions, 1-on-1s, kudos, feedback; no leader view."""
    objective(home_stack, "URAVI", "Delight our first customers")
    view = open_home(home_stack, "URAVI")
    text = text_of(view)
    assert "Your OKRs · 2026-Q4" in text and "Delight our first customers" in text
    assert "1-on-1s" in text and "Kudos" in text and "Feedback" in text
    assert "Leader view" not in text and "<@UMARIA>" in text  # his manager


def test_a_manager_sees_the_leader_view(home_stack: Stack) -> None:
    """Maria: where each report stands, the obstacles, and what to do next."""
    ravi = objective(home_stack, "URAVI", "Hire", krs=2)
    home_stack.services.okrs.check_in(team_id=TEAM, user_id="URAVI", objective_id=ravi.id, batch_id="B1", values={
        f"okr.ci.{ravi.key_results[0].id}.value": "1",
        f"okr.ci.{ravi.key_results[0].id}.obstacles": "No budget approved"})
    view = open_home(home_stack, "UMARIA")
    text = text_of(view)
    # The key result Ravi has not moved yet is in its grace period: on track, not an obstacle.
    assert "Where are we?" in text and ("<@URAVI> — 2 key results: :rocket: 0 ahead, :large_green_circle: 1 on track,"
                                        " :red_circle: 1 off track") in text
    assert "No budget approved" in text and "What should I do next?" in text
    assert "No 1-on-1 in 30 days* (3)" in text and "No kudos in 30 days* (3)" in text


def test_a_manager_of_managers_toggles_the_whole_tree(home_stack: Stack) -> None:
    """Maria → Ravi → Pat: direct reports first; the toggle shows Pat too, and stays on when the tab reopens."""
    home_stack.set_manager("UPAT", "URAVI")
    view = open_home(home_stack, "UMARIA")
    assert "<@UPAT>" not in text_of(view) and "3 people in your direct reports" in text_of(view)
    view = click(home_stack, "UMARIA", HomeAction.TREE, value=HomeState(tree=True).encode())
    assert "4 people in your whole reporting tree" in text_of(view)
    assert "<@UPAT> —" in text_of(view) and "reports to <@URAVI>" in text_of(view)
    assert "4 people in your whole reporting tree" in text_of(open_home(home_stack, "UMARIA"))


def test_show_more_pages_through_a_big_team(home_stack: Stack) -> None:
    """Forty-three reports: the first page lists 30, Show more the rest."""
    with home_stack.sessions.begin() as session:
        for n in range(40):
            session.add(Person(team_id=TEAM, user_id=f"UX{n:03d}", name=f"x{n:03d}", tz="UTC", manager_id="UMARIA",
                               synced_at=home_stack.clock()))
    view = open_home(home_stack, "UMARIA")
    assert "1–30 of 43" in text_of(view)
    [pager] = [b for b in view["blocks"] if b.get("block_id") == "home.pager.people"]
    view = click(home_stack, "UMARIA", HomeAction.MORE, value=pager["elements"][0]["value"])
    assert "31–43 of 43" in text_of(view)


def test_my_manager_is_set_from_the_home_tab(home_stack: Stack) -> None:
    """Pat picks Maria as manager: stored and shown."""
    open_home(home_stack, "UPAT")
    view = click(home_stack, "UPAT", HomeAction.MANAGER, selected_user="UMARIA")
    assert "*Your manager:* <@UMARIA>" in text_of(view)
    assert [p.manager_id for p in rows(home_stack, Person) if p.user_id == "UPAT"] == ["UMARIA"]


@pytest.mark.parametrize(("user", "manager", "notice"), [
    ("UPAT", "UPAT", "You can't pick yourself"), ("UPAT", "UROBOT", "is a bot"),
    ("UMARIA", "URAVI", "reports to you, so they can't be your manager")])
def test_a_refused_manager_is_explained_on_the_tab(home_stack: Stack, user: str, manager: str, notice: str) -> None:
    """Self, a bot, a cycle: a warning at the top of the tab, nothing changed."""
    open_home(home_stack, user)
    view = click(home_stack, user, HomeAction.MANAGER, selected_user=manager)
    assert notice in text_of({"blocks": view["blocks"][:1]})
    assert [p.manager_id for p in rows(home_stack, Person) if p.user_id == user] == [None]


def test_away_is_set_and_cleared_from_the_home_tab(home_stack: Stack) -> None:
    """The date picker marks Ravi away; I'm back clears it."""
    open_home(home_stack, "URAVI")
    view = click(home_stack, "URAVI", HomeAction.AWAY, selected_date="2026-12-24")
    assert "Away until 2026-12-24" in text_of(view)
    assert [p.away_until for p in rows(home_stack, Person) if p.user_id == "URAVI"] == [date(2026, 12, 24)]
    view = click(home_stack, "URAVI", HomeAction.BACK)
    assert "Going away?" in text_of(view)


def test_the_home_tab_stays_within_100_blocks_for_a_big_busy_team(home_stack: Stack) -> None:
    """A manager of 60 people with OKRs off track, many requests, stale feedback and her own objectives: Slack
    accepts the published view (the loopback Slack refuses views over 100 blocks, as Slack does)."""
    now = home_stack.clock()
    with home_stack.sessions.begin() as session:
        for n in range(60):
            user_id = f"UX{n:03d}"
            session.add(Person(team_id=TEAM, user_id=user_id, name=f"x{n:03d}", tz="UTC", manager_id="UMARIA",
                               synced_at=now))
            session.add(OneOnOne(team_id=TEAM, requester_id=user_id, manager_id="UMARIA", state="requested",
                                 requested_at=now - timedelta(days=n % 9)))
            session.add(FeedbackRequest(team_id=TEAM, requester_id=user_id, giver_id="UMARIA", state="pending",
                                        created_at=now - timedelta(days=8 + n)))
            session.add(Kudos(team_id=TEAM, giver_id=user_id, receiver_id="UMARIA", message=f"thanks {n}",
                              source="command", message_ts=f"c{n}", giver_local_day=now.date(), created_at=now))
    for n in range(0, 60, 2):
        objective(home_stack, f"UX{n:03d}", f"Objective {n}", krs=5)
    for n in range(8):
        objective(home_stack, "UMARIA", f"Maria's objective {n}", krs=5)
    home_stack.clock.advance(days=15)  # past the new key results' grace period: untouched ones are off track
    view = open_home(home_stack, "UMARIA")
    [call] = publishes(home_stack, "UMARIA")
    assert call.ok and len(view["blocks"]) <= 100
    assert "Where are the obstacles?*  150 key results off track" in text_of(view)


def test_a_retried_home_event_publishes_once(home_stack: Stack) -> None:
    """Slack retries app_home_opened with the same event id: one views.publish."""
    open_home(home_stack, "URAVI", event_id="EvHOME1")
    home_stack.send.event(TEAM, app_home_opened_event("URAVI", channel=home_stack.slack.dm_channel("URAVI")),
                          event_id="EvHOME1", retry_num=1)
    listeners_done(home_stack)
    assert len(publishes(home_stack, "URAVI")) == 1


def test_opening_the_messages_tab_publishes_nothing(home_stack: Stack) -> None:
    """app_home_opened for the Messages tab is not about the Home tab."""
    home_stack.send.event(TEAM, app_home_opened_event("URAVI", channel=home_stack.slack.dm_channel("URAVI"),
                                                      tab="messages"))
    listeners_done(home_stack)
    assert publishes(home_stack, "URAVI") == []


def test_the_home_refreshes_after_a_check_in_from_it(home_stack: Stack) -> None:
    """Check in from the Home tab: the modal opens, and after submitting the tab shows the new progress."""
    created = objective(home_stack, "URAVI", "Ship it")
    open_home(home_stack, "URAVI")
    click_view = home_stack.slack.home_view("URAVI")
    home_stack.send.action(TEAM, "URAVI", [{"action_id": "okr.checkin.open", "value": str(created.id)}],
                           view=click_view)
    form = eventually(lambda: next(iter(home_stack.slack.open_views("URAVI")), None))
    before = len(publishes(home_stack, "URAVI"))
    response = home_stack.send.submit(TEAM, "URAVI", form, {f"okr.ci.{created.key_results[0].id}.value": "10"})
    assert response.json()["response_action"] == "update" and "is saved" in text_of(response.json()["view"])
    home_stack.slack.wait_for("views.publish", lambda c: c.args["user_id"] == "URAVI", count=before + 1)
    assert "KR 1 — 100%" in text_of(home_stack.slack.home_view("URAVI"))


def test_a_person_is_welcomed_once_the_first_time_they_open_okrbot(home_stack: Stack) -> None:
    """The first app_home_opened (any tab) DMs one welcome with the three things to try; later ones add none."""
    home_stack.send.event(TEAM, app_home_opened_event("URAVI", channel=home_stack.slack.dm_channel("URAVI"),
                                                      tab="messages"))
    listeners_done(home_stack)
    open_home(home_stack, "URAVI")
    home_stack.deliver()
    dm = home_stack.slack.messages(home_stack.slack.dm_channel("URAVI"))
    welcomes = [m for m in dm if "I'm okrbot" in text_of(m)]
    assert len(welcomes) == 1
    assert all(word in text_of(welcomes[0]) for word in ("/okr checkin", "/request-1on1", ":clap:"))
