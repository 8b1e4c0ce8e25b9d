"""Requesting a 1-on-1 and the manager's answer, through the service (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bot.services.core.errors import UserFacingError
from storage.models import Person
from storage.models_one_on_ones import OneOnOne
from tests.service.one_on_ones.conftest import Env


def stored(env: Env) -> list[OneOnOne]:
    with env.sessions() as session:
        return list(session.scalars(select(OneOnOne).order_by(OneOnOne.id)))


def ask(env: Env, **kwargs: object) -> object:
    values = {"team_id": env.team, "requester": "URAVI", "manager_id": "UMARIA", "topic": "Q4 hiring plan", **kwargs}
    return env.one_on_ones.requests.request(**values)


def test_a_request_queues_the_managers_dm(env: Env) -> None:
    """A request is stored as requested and the manager's DM (with buttons) is queued once."""
    view = ask(env)
    assert view.state == "requested" and view.manager_id == "UMARIA" and view.topic == "Q4 hiring plan"
    assert env.queued() == [f"1on1:{view.id}:request"]


def test_delivering_the_request_remembers_where_the_dm_is(env: Env) -> None:
    """Once Slack has the manager's DM, the 1-on-1 knows its channel and ts."""
    ask(env)
    env.deliver()
    [row] = stored(env)
    [call] = env.slack.calls_to("chat.postMessage")
    assert (row.request_channel, row.request_ts) == (call.response["channel"], call.response["ts"])


@pytest.mark.parametrize(("who", "message"), [
    ("UNOBODY", "I don't know <@UNOBODY>"),
    ("UGONE", "is deactivated"),
    ("UROBOT", "is a bot"),
    ("URAVI", "can't pick yourself"),
])
def test_a_bad_manager_is_refused_under_the_manager_field(env: Env, who: str, message: str) -> None:
    """Unknown, deactivated, bot or oneself: a clear error on the manager field, nothing stored or sent."""
    with pytest.raises(UserFacingError, match=message) as error:
        ask(env, manager_id=who)
    assert error.value.field == "manager"
    assert stored(env) == [] and env.queued() == []


def test_a_topic_over_2000_characters_is_refused(env: Env) -> None:
    """A topic of 2,001 characters is refused under the topic field; nothing is stored."""
    with pytest.raises(UserFacingError, match="2,001 characters") as error:
        ask(env, topic="x" * 2001)
    assert error.value.field == "topic" and stored(env) == []


def test_a_proposed_time_in_the_past_is_refused(env: Env) -> None:
    """Yesterday is refused under the date field."""
    with pytest.raises(UserFacingError, match="in the past") as error:
        ask(env, day="2026-11-15", clock="10:00")
    assert error.value.field == "date" and stored(env) == []


def test_a_date_without_a_time_asks_for_the_time(env: Env) -> None:
    """Half a proposed time is an error under the time field."""
    with pytest.raises(UserFacingError) as error:
        ask(env, day="2026-11-18")
    assert error.value.field == "time"


def test_the_proposed_time_is_read_in_the_requesters_timezone(env: Env) -> None:
    """Ravi (Asia/Kolkata) proposing 10:00 means 04:30 UTC."""
    view = ask(env, day="2026-11-18", clock="10:00")
    assert view.proposed_at == datetime(2026, 11, 18, 4, 30, tzinfo=UTC)


def test_a_second_request_while_one_waits_is_refused(env: Env) -> None:
    """Asking the same manager again before they answered is refused (a double submit sends nothing twice)."""
    ask(env)
    with pytest.raises(UserFacingError, match="already asked"):
        ask(env, topic="again")
    assert len(stored(env)) == 1


def test_remember_stores_the_chosen_manager(env: Env) -> None:
    """Pat has no manager; asking Maria with 'remember' makes Maria Pat's manager."""
    ask(env, requester="UPAT", remember=True)
    assert env.runtime.services.people.ensure(env.team, "UPAT").manager_id == "UMARIA"


def test_only_the_requesters_own_objectives_are_linked(env: Env) -> None:
    """An objective id of somebody else is ignored; the requester's own is linked with its status."""
    mine = env.objective("URAVI", "Hire two engineers", krs=(("Offers signed", 0, 2, 2, None),))
    theirs = env.objective("ULENA", "Lena's secret plan")
    view = ask(env, objective_ids=[str(mine), str(theirs)])
    assert [o.title for o in view.objectives] == ["Hire two engineers"]
    assert view.objectives[0].status == "ahead"


def test_help_shows_the_usage(env: Env) -> None:
    """`/request-1on1 help` is the usage, nothing else."""
    assert env.one_on_ones.requests.request_command(team_id=env.team, requester="URAVI", text="help").kind == "help"


def test_a_mention_and_a_topic_send_the_request_at_once(env: Env) -> None:
    """`/request-1on1 @maria Q4 hiring plan` from Ravi (her report) sends to Maria with the rest as topic."""
    outcome = env.one_on_ones.requests.request_command(team_id=env.team, requester="URAVI",
                                                       text="<@UMARIA|maria> Q4 hiring plan &amp; R&amp;D")
    assert outcome.kind == "requested"
    assert (outcome.view.manager_id, outcome.view.topic) == ("UMARIA", "Q4 hiring plan & R&D")


def test_a_topic_without_a_mention_goes_to_the_stored_manager(env: Env) -> None:
    """Ravi's manager on record is Maria: `/request-1on1 budget` asks her."""
    outcome = env.one_on_ones.requests.request_command(team_id=env.team, requester="URAVI", text="budget")
    assert outcome.kind == "requested" and outcome.view.manager_id == "UMARIA"


def test_no_mention_and_no_manager_opens_the_form_offering_to_remember(env: Env) -> None:
    """Pat has no manager on record: the form asks for one and offers to remember it."""
    outcome = env.one_on_ones.requests.request_command(team_id=env.team, requester="UPAT", text="budget")
    assert outcome.kind == "form"
    assert outcome.form.manager_id is None and outcome.form.remember_offered and outcome.form.topic == "budget"


def test_a_mention_without_a_topic_opens_the_form_for_that_manager(env: Env) -> None:
    """`/request-1on1 @maria` opens the form with Maria chosen."""
    outcome = env.one_on_ones.requests.request_command(team_id=env.team, requester="UPAT", text="<@UMARIA>")
    assert outcome.kind == "form" and outcome.form.manager_id == "UMARIA"


def test_the_form_lists_this_quarters_objectives_only(env: Env) -> None:
    """Objectives of the current quarter (in the requester's timezone) are offered, older ones not."""
    env.objective("URAVI", "Now", quarter="2026-Q4")
    env.objective("URAVI", "Last quarter", quarter="2026-Q3")
    form = env.one_on_ones.requests.request_form(team_id=env.team, requester="URAVI")
    assert [o.title for o in form.objectives] == ["Now"] and form.manager_id == "UMARIA"


def test_two_mentions_are_refused(env: Env) -> None:
    """Mentioning two people is a clear error, nothing is stored."""
    with pytest.raises(UserFacingError, match="Mention only"):
        env.one_on_ones.requests.request_command(team_id=env.team, requester="URAVI", text="<@UMARIA> <@ULENA> hi")
    assert stored(env) == []


def test_accept_tells_the_requester_and_posts_the_pair_message(env: Env) -> None:
    """Accept: the request DM updates, the requester's DM, the pair's 1-on-1 message and its calendar invite are
    queued."""
    view = ask(env, day="2026-11-18", clock="10:00")
    outcome = env.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=view.id, actor="UMARIA")
    assert outcome.changed and outcome.view.state == "accepted" and outcome.view.agreed_at == view.proposed_at
    assert env.queued() == [f"1on1:{view.id}:request", f"1on1:{view.id}:request:accepted",
                          f"1on1:{view.id}:answer:accepted", f"1on1:{view.id}:module", f"1on1:{view.id}:invite:0"]


def test_accept_twice_changes_nothing_and_queues_nothing(env: Env) -> None:
    """The second Accept returns the same 1-on-1, unchanged, and notifies nobody."""
    view = ask(env)
    env.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=view.id, actor="UMARIA")
    keys = env.queued()
    again = env.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=view.id, actor="UMARIA")
    assert not again.changed and again.view.state == "accepted" and env.queued() == keys


def test_someone_else_cannot_accept(env: Env) -> None:
    """Lena clicking Maria's Accept is told the request is not hers; nothing changes."""
    view = ask(env)
    with pytest.raises(UserFacingError, match="not yours"):
        env.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=view.id, actor="ULENA")
    assert stored(env)[0].state == "requested" and len(env.queued()) == 1


def test_accept_after_decline_changes_nothing(env: Env) -> None:
    """Once declined, Accept is refused with a clear message and nobody is notified again."""
    view = ask(env)
    env.one_on_ones.requests.decline(team_id=env.team, one_on_one_id=view.id, actor="UMARIA", reason="Busy")
    keys = env.queued()
    with pytest.raises(UserFacingError, match="already declined"):
        env.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=view.id, actor="UMARIA")
    assert stored(env)[0].state == "declined" and env.queued() == keys


def test_concurrent_accepts_notify_once(env: Env) -> None:
    """Five simultaneous Accept clicks: exactly one changes the state, one answer is queued."""
    view = ask(env)
    results: list[bool] = []

    def click() -> None:
        results.append(env.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=view.id, actor="UMARIA").changed)

    threads = [threading.Thread(target=click) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 4 + [True]
    assert env.queued().count(f"1on1:{view.id}:answer:accepted") == 1


def test_decline_keeps_the_reason_and_tells_the_requester(env: Env) -> None:
    """Decline with a reason: state declined, the reason stored, the requester's DM queued."""
    view = ask(env)
    outcome = env.one_on_ones.requests.decline(
        team_id=env.team, one_on_one_id=view.id, actor="UMARIA", reason="On leave")
    assert outcome.view.state == "declined" and outcome.view.answer_note == "On leave"
    assert f"1on1:{view.id}:answer:declined" in env.queued() and f"1on1:{view.id}:module" not in env.queued()


def test_reschedule_reads_the_time_in_the_managers_timezone(env: Env) -> None:
    """Maria (Europe/Berlin) proposing 15:00 on 20 November means 14:00 UTC; Ravi is asked to confirm."""
    view = ask(env)
    outcome = env.one_on_ones.requests.reschedule(team_id=env.team, one_on_one_id=view.id, actor="UMARIA",
                                                  day="2026-11-20", clock="15:00", note="Travelling before")
    assert outcome.view.state == "rescheduled"
    assert outcome.view.proposed_at == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    assert f"1on1:{view.id}:answer:rescheduled" in env.queued()


def test_reschedule_needs_a_future_time(env: Env) -> None:
    """A proposed time in the past is refused under the date field; the request stays unanswered."""
    view = ask(env)
    with pytest.raises(UserFacingError, match="in the past") as error:
        env.one_on_ones.requests.reschedule(team_id=env.team, one_on_one_id=view.id, actor="UMARIA", day="2026-11-01",
                                            clock="15:00")
    assert error.value.field == "date" and stored(env)[0].state == "requested"


def test_the_requester_accepts_the_new_time(env: Env) -> None:
    """Ravi accepts Maria's time: accepted at that time, Maria told, the pair's message queued."""
    view = ask(env)
    env.one_on_ones.requests.reschedule(team_id=env.team, one_on_one_id=view.id, actor="UMARIA", day="2026-11-20",
                                        clock="15:00")
    outcome = env.one_on_ones.requests.answer_new_time(
        team_id=env.team, one_on_one_id=view.id, actor="URAVI", accept=True)
    assert outcome.view.state == "accepted" and outcome.view.agreed_at == datetime(2026, 11, 20, 14, tzinfo=UTC)
    assert {f"1on1:{view.id}:reply:accepted", f"1on1:{view.id}:module"} <= set(env.queued())


def test_only_the_requester_answers_the_new_time(env: Env) -> None:
    """Maria cannot accept her own proposal on Ravi's behalf."""
    view = ask(env)
    env.one_on_ones.requests.reschedule(team_id=env.team, one_on_one_id=view.id, actor="UMARIA", day="2026-11-20",
                                        clock="15:00")
    with pytest.raises(UserFacingError, match="not yours"):
        env.one_on_ones.requests.answer_new_time(team_id=env.team, one_on_one_id=view.id, actor="UMARIA", accept=True)


def test_cant_make_it_closes_the_request(env: Env) -> None:
    """Ravi can't make the new time: the request is cancelled, no 1-on-1 message is posted."""
    view = ask(env)
    env.one_on_ones.requests.reschedule(team_id=env.team, one_on_one_id=view.id, actor="UMARIA", day="2026-11-20",
                                        clock="15:00")
    outcome = env.one_on_ones.requests.answer_new_time(
        team_id=env.team, one_on_one_id=view.id, actor="URAVI", accept=False)
    assert outcome.view.state == "cancelled" and f"1on1:{view.id}:module" not in env.queued()


def test_a_manager_schedules_with_a_report(env: Env) -> None:
    """Maria schedules with Ravi: accepted at that time, Ravi told, the pair's message and invite queued."""
    view = env.one_on_ones.scheduling.schedule(team_id=env.team, manager="UMARIA", report="URAVI", day="2026-11-19",
                                               clock="11:00", topic="Monthly check-in")
    assert view.state == "accepted" and view.agreed_at == datetime(2026, 11, 19, 10, tzinfo=UTC)
    assert env.queued() == [f"1on1:{view.id}:scheduled", f"1on1:{view.id}:module", f"1on1:{view.id}:invite:0"]


def test_scheduling_is_for_direct_reports_only(env: Env) -> None:
    """Pat is not Lena's manager, so Pat cannot schedule a 1-on-1 with her."""
    with pytest.raises(UserFacingError, match="not one of your direct reports"):
        env.one_on_ones.scheduling.schedule(
            team_id=env.team, manager="UPAT", report="ULENA", day="2026-11-19", clock="11:00")
    with env.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OneOnOne)) == 0


@pytest.mark.parametrize(("away_until", "shown"), [(date(2026, 11, 20), True), (date(2026, 11, 1), False)])
def test_the_confirmation_mentions_a_manager_who_is_away(env: Env, away_until: date, shown: bool) -> None:
    """A manager away until a future date is mentioned to the requester; a past absence is not."""
    with env.sessions.begin() as session:
        session.get(Person, (env.team, "UMARIA")).away_until = away_until
    assert (ask(env).manager_away_until is not None) is shown
