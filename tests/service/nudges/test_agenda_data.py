"""What an agenda holds, from stored data: status, obstacles, next steps, tasks, kudos, feedback, replies."""

from __future__ import annotations

import pytest

from bot.services.core.errors import NotFound, UserFacingError
from tests.service.nudges.conftest import Env, utc

NOW = utc(2026, 12, 15, 9)


@pytest.fixture
def env(env: Env) -> Env:
    """The shared environment with the clock on Tuesday 15 December, 10:00 in Berlin."""
    env.clock.travel_to(NOW)
    return env


def agenda(env: Env, report: str = "URAVI", actor: str = "UMARIA") -> object:
    """Ravi's current agenda as Maria opens it."""
    return env.nudges.agenda(team_id=env.team, actor=actor, value=f"report:{report}")


def test_key_results_carry_status_and_progress(env: Env) -> None:
    """An explicit status wins; otherwise the status is derived from progress against the quarter (75% elapsed)."""
    env.objective("URAVI", "Grow", ("Explicitly ahead", 0, 100, 10, "ahead"), ("Derived off", 0, 100, 20, None),
                  ("Derived on", 0, 100, 70, None))
    lines = {kr.title: (kr.status, round(kr.progress, 2)) for kr in agenda(env).key_results}
    assert lines == {"Explicitly ahead": ("ahead", 0.1), "Derived off": ("off_track", 0.2),
                     "Derived on": ("on_track", 0.7)}


def test_only_this_quarters_objectives_of_the_report_count(env: Env) -> None:
    """Last quarter's objectives and other people's are not in Ravi's agenda."""
    env.objective("URAVI", "Old", ("Old KR", 0, 10, 1, None), quarter="2026-Q3")
    env.objective("ULENA", "Lena's", ("Lena KR", 0, 10, 1, None))
    assert agenda(env).key_results == ()


def test_off_track_shows_the_latest_obstacle_and_its_age(env: Env) -> None:
    """The latest non-empty obstacle is shown with its age in days, even if a later check-in had none."""
    objective = env.objective("URAVI", "Grow", ("Signups", 0, 100, 5, "off_track"))
    [kr] = env.key_results(objective)
    env.check_in(kr, utc(2026, 11, 20), obstacles="Old obstacle")
    env.check_in(kr, utc(2026, 12, 1, 9), obstacles="Legal review pending", next_steps="Call legal")
    env.check_in(kr, utc(2026, 12, 10, 9), next_steps="Escalate")
    [line] = agenda(env).off_track
    assert (line.obstacle, line.obstacle_age_days, line.next_steps) == ("Legal review pending", 14, "Escalate")
    assert line.last_check_in == utc(2026, 12, 10, 9) and line.checked_in_this_month


def test_a_key_result_checked_in_last_month_has_no_check_in_this_month(env: Env) -> None:
    """A check-in on 30 November (in Kolkata, where December started at 18:30 UTC) is not this month's."""
    objective = env.objective("URAVI", "Grow", ("Signups", 0, 100, 50, None))
    [kr] = env.key_results(objective)
    env.check_in(kr, utc(2026, 11, 30, 18))
    assert [k.title for k in agenda(env).without_check_in] == ["Signups"]


def test_open_tasks_of_the_pairs_one_on_ones_are_carried(env: Env) -> None:
    """Open tasks of Maria and Ravi's 1-on-1s are listed, earliest due first; done tasks and other pairs' are not."""
    mine = env.one_on_one("UMARIA", "URAVI", done_at=utc(2026, 11, 12))
    env.task(mine, "Later", "URAVI")
    env.task(mine, "Soon", "UMARIA", due_on=utc(2026, 12, 18).date())
    env.task(mine, "Finished", "URAVI", done=True)
    env.task(env.one_on_one("UMARIA", "ULENA", done_at=utc(2026, 11, 12)), "Lena's task", "ULENA")
    got = agenda(env)
    assert [t.text for t in got.tasks] == ["Soon", "Later"]
    assert got.last_one_on_one == utc(2026, 11, 12).date()


def test_kudos_received_this_month_are_counted_latest_first(env: Env) -> None:
    """Kudos to Ravi since 1 December count; November's and those he gave do not."""
    env.kudos("ULENA", "URAVI", utc(2026, 12, 2), "Great demo")
    env.kudos("UTOM", "URAVI", utc(2026, 12, 9), "Thanks for the review")
    env.kudos("ULENA", "URAVI", utc(2026, 11, 20), "Old one")
    env.kudos("URAVI", "ULENA", utc(2026, 12, 9), "Given, not received")
    got = agenda(env)
    assert got.kudos_count == 2 and [k.giver_id for k in got.kudos] == ["UTOM", "ULENA"]


def test_pending_feedback_requests_to_the_report_are_listed(env: Env) -> None:
    """Requests Ravi was asked to answer and has not, oldest first, with their age."""
    env.feedback_request("UPAT", "URAVI", utc(2026, 12, 1, 9))
    env.feedback_request("ULENA", "URAVI", utc(2026, 12, 10, 9), state="answered")
    env.feedback_request("URAVI", "UTOM", utc(2026, 12, 10, 9))
    got = agenda(env)
    assert got.feedback_count == 1 and [(a.requester_id, a.age_days) for a in got.feedback] == [("UPAT", 14)]


def test_replies_since_the_last_one_on_one_are_counted_with_a_link(env: Env) -> None:
    """Replies in Ravi's OKR thread after his last 1-on-1 count; the latest comes with a permalink."""
    objective = env.objective("URAVI", "Grow", ("Signups", 0, 100, 50, None))
    env.one_on_one("UMARIA", "URAVI", done_at=utc(2026, 12, 5))
    env.comment(objective, "UPAT", "Before the 1-on-1", utc(2026, 12, 4))
    env.comment(objective, "UPAT", "Can we cut scope?", utc(2026, 12, 8))
    env.comment(objective, "ULENA", "Happy to help", utc(2026, 12, 9))
    got = agenda(env)
    assert got.comment_count == 2
    latest = got.comments[0]
    assert (latest.user_id, latest.text) == ("ULENA", "Happy to help")
    assert latest.link and latest.link.startswith("https://acme.slack.com/archives/COKRS/p")
    assert "thread_ts=" in latest.link


def test_replies_in_a_direct_message_thread_stay_private(env: Env) -> None:
    """An OKR thread in Ravi's DM with okrbot is not quoted to his manager."""
    objective = env.objective("URAVI", "Grow", ("Signups", 0, 100, 50, None), channel="D0URAVI")
    env.comment(objective, "URAVI", "Personal worries", utc(2026, 12, 8))
    assert agenda(env).comment_count == 0


def test_nothing_crosses_workspaces(env: Env) -> None:
    """Kudos and 1-on-1s stored for another team with the same user ids never reach this team's agenda."""
    env.kudos("ULENA", "URAVI", utc(2026, 12, 2), "Other team", team="T0OTHER")
    env.one_on_one("UMARIA", "URAVI", done_at=utc(2026, 12, 3), team="T0OTHER")
    got = agenda(env)
    assert got.kudos_count == 0 and got.last_one_on_one is None


def test_only_the_reports_manager_can_open_their_agenda(env: Env) -> None:
    """Lena cannot open Ravi's agenda; the message says why."""
    with pytest.raises(UserFacingError, match="does not report to you"):
        agenda(env, actor="ULENA")


def test_an_unknown_agenda_is_a_clear_message(env: Env) -> None:
    """A button pointing at a nudge that does not exist (or is not a number) says so."""
    for value in ("999999", "not-a-number"):
        with pytest.raises(NotFound, match="no longer available"):
            env.nudges.agenda(team_id=env.team, actor="UMARIA", value=value)
