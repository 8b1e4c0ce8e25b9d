"""Check-ins: one CheckIn per changed key result, the objective's message updated in place, a thread reply."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from bot.services.core.errors import NotFound, UserFacingError
from bot.views.okrs import checkin_field
from storage.models_delivery import OutboundMessage
from tests.service.okrs.conftest import Env

TWO_KRS = (("Weekly active teams", 0, 40), ("NPS", 10, 50))


def test_checkin_stores_one_row_per_changed_key_result(env: Env) -> None:
    """Only the key result whose value changed gets a CheckIn; its current value is updated."""
    view = env.create(krs=TWO_KRS)
    result = env.check_in(view, kr0={"value": "24", "obstacles": "No designer", "next_steps": "Hire one"})
    [check_in] = env.check_ins()
    assert (check_in.key_result_id, check_in.value, check_in.obstacles, check_in.next_steps, check_in.author_id) == (
        view.key_results[0].id, 24, "No designer", "Hire one", "URAVI")
    assert [kr.current_value for kr in env.key_results()] == [24, 10]
    assert [(c.old_value, c.new_value) for c in result.changes] == [(0, 24)]


def test_obstacles_alone_count_as_a_change(env: Env) -> None:
    """Same value, but obstacles written: stored."""
    view = env.create()
    env.check_in(view, kr0={"obstacles": "Waiting for legal"})
    assert [c.obstacles for c in env.check_ins()] == ["Waiting for legal"]


def test_explicit_status_is_kept_and_auto_goes_back_to_derived(graceless_env: Env) -> None:
    """Choosing a status stores it; choosing Automatic clears it so it is derived again."""
    env = graceless_env
    view = env.create()
    result = env.check_in(view, kr0={"status": "ahead"}, batch="V1")
    assert result.objective.key_results[0].status == "ahead"
    assert env.key_results()[0].status == "ahead"
    result = env.check_in(result.objective, kr0={"status": "auto"}, batch="V2")
    assert env.key_results()[0].status is None
    assert result.objective.key_results[0].status == "off_track"  # 0 of 40, half-way through the quarter


def test_checkin_queues_the_update_and_the_thread_reply(env: Env) -> None:
    """After the first message: an update of it in place and a reply in its thread, keyed by the batch."""
    view = env.create()
    env.deliver()
    env.check_in(view, kr0={"value": "30"}, batch="VIEW1")
    assert env.queued() == [f"okr:{view.id}:message", f"okr:{view.id}:checkin:VIEW1",
                                 f"okr:{view.id}:update:VIEW1"]


def test_delivered_checkin_updates_the_message_and_replies_in_its_thread(env: Env) -> None:
    """In Slack: the same message now shows the new value; the summary is a reply in its thread."""
    view = env.create()
    env.deliver()
    env.check_in(view, kr0={"value": "30", "obstacles": "Flaky <b>CI</b>"})
    env.deliver()
    [objective] = env.objectives()
    messages = env.slack.messages(objective.channel_id)
    root = env.slack.message(objective.channel_id, objective.message_ts)
    assert "30 of 40" in str(root["blocks"]) and root.get("edited")
    [reply] = [m for m in messages if m["ts"] != objective.message_ts]
    assert reply["thread_ts"] == objective.message_ts
    assert "0 → 30" in str(reply["blocks"]) and "Flaky &lt;b&gt;CI&lt;/b&gt;" in str(reply["blocks"])


def test_first_checkin_of_an_objective_without_message_posts_it(env: Env) -> None:
    """An objective whose message was never queued (e.g. imported with --no-messages) gets it now, no update."""
    view = env.create()
    with env.sessions.begin() as session:
        session.execute(delete(OutboundMessage))
    env.check_in(view, kr0={"value": "5"}, batch="V9")
    assert env.queued() == [f"okr:{view.id}:message", f"okr:{view.id}:checkin:V9"]


def test_same_submission_twice_stores_and_posts_nothing_more(env: Env) -> None:
    """A double submit (same view id) is harmless: one CheckIn, one reply, one update."""
    view = env.create()
    env.check_in(view, kr0={"value": "30"}, batch="V1")
    again = env.check_in(view, kr0={"value": "31"}, batch="V1")
    assert again.duplicate and again.changes == ()
    assert [c.value for c in env.check_ins()] == [30]
    assert env.key_results()[0].current_value == 30
    assert len(env.queued()) == 3


def test_nothing_changed_is_refused_under_the_first_value(env: Env) -> None:
    """Submitting the form untouched says so, in the modal."""
    view = env.create()
    with pytest.raises(UserFacingError, match="Nothing changed") as refused:
        env.check_in(view)
    assert refused.value.field == checkin_field(view.key_results[0].id, "value")
    assert env.check_ins() == []


@pytest.mark.parametrize("typed", ["lots", "nan", "inf", "1e999"])
def test_a_value_that_is_not_a_number_is_refused_under_its_field(env: Env, typed: str) -> None:
    """Bad numbers are field errors of that key result; nothing is stored."""
    view = env.create(krs=TWO_KRS)
    with pytest.raises(UserFacingError, match="number") as refused:
        env.check_in(view, kr0={"value": "12"}, kr1={"value": typed})
    assert refused.value.field == checkin_field(view.key_results[1].id, "value")
    assert env.check_ins() == [] and [kr.current_value for kr in env.key_results()] == [0, 10]


def test_unknown_status_is_refused(env: Env) -> None:
    """A status outside ahead/on track/off track/automatic is a field error."""
    view = env.create()
    with pytest.raises(UserFacingError) as refused:
        env.check_in(view, kr0={"status": "great"})
    assert refused.value.field == checkin_field(view.key_results[0].id, "status")


def test_overlong_obstacles_are_refused(env: Env) -> None:
    """Obstacles are kept under 1000 characters."""
    view = env.create()
    with pytest.raises(UserFacingError, match="1000") as refused:
        env.check_in(view, kr0={"obstacles": "x" * 1001})
    assert refused.value.field == checkin_field(view.key_results[0].id, "obstacles")


def test_only_the_owner_checks_in(env: Env) -> None:
    """Someone else's objective: refused, nothing stored."""
    view = env.create()
    with pytest.raises(UserFacingError, match="Only <@URAVI>"):
        env.check_in(view, user="UMARIA", kr0={"value": "3"})
    with pytest.raises(UserFacingError, match="Only <@URAVI>"):
        env.okrs.checkin_choice(team_id=env.team, user_id="UMARIA", objective_id=view.id)
    assert env.check_ins() == []


def test_an_objective_of_another_workspace_is_not_found(env: Env) -> None:
    """Ids are not shared across workspaces."""
    view = env.create()
    with pytest.raises(NotFound):
        env.okrs.checkin_choice(team_id="T0THER", user_id="URAVI", objective_id=view.id)


def test_checkin_choice_lists_this_quarters_objectives(env: Env) -> None:
    """`/okr checkin` offers the caller's objectives of the quarter."""
    env.create(title="A")
    env.create(title="B")
    env.create(title="Later", quarter="2027-Q1")
    choice = env.okrs.checkin_choice(team_id=env.team, user_id="URAVI", objective_id=None)
    assert [o.title for o in choice.objectives] == ["A", "B"]


def test_last_checkin_time_is_shown_after_a_checkin(env: Env) -> None:
    """The objective remembers when it was last checked in on."""
    view = env.create()
    assert view.last_checkin_at is None
    result = env.check_in(view, kr0={"value": "1"})
    assert result.objective.last_checkin_at == env.check_ins()[0].created_at
