"""Creating objectives, listing them, and the objective's one Slack message."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.services.core.errors import UserFacingError
from bot.views.okrs import new_field
from tests.service.okrs.conftest import Env


def test_new_objective_is_stored_with_its_key_results(env: Env) -> None:
    """The objective and its key results are stored; current starts at the start value."""
    view = env.create(krs=(("Weekly active teams", 0, 40), ("NPS", 10, 50)))
    assert [(kr.title, kr.start, kr.target, kr.current) for kr in view.key_results] == [
        ("Weekly active teams", 0, 40, 0), ("NPS", 10, 50, 10)]
    assert [(o.owner_id, o.quarter, o.title) for o in env.objectives()] == [
        ("URAVI", "2026-Q4", "Delight our first customers")]


def test_new_objective_queues_its_message_in_the_owners_dm(env: Env) -> None:
    """Without OKRBOT_OKR_CHANNEL the message goes to the owner's DM, and its channel and ts are remembered."""
    view = env.create()
    assert env.queued() == [f"okr:{view.id}:message"]
    env.deliver()
    [objective] = env.objectives()
    assert objective.channel_id == env.slack.dm_channel("URAVI")
    message = env.slack.message(objective.channel_id, objective.message_ts)
    assert message is not None and "Delight our first customers" in str(message["blocks"])


def test_new_objective_message_goes_to_the_okr_channel_when_set(channel_env: Env) -> None:
    """With OKRBOT_OKR_CHANNEL the message is posted there."""
    channel_env.create()
    channel_env.deliver()
    [objective] = channel_env.objectives()
    assert objective.channel_id == "COKRS"
    assert [m["ts"] for m in channel_env.slack.messages("COKRS")] == [objective.message_ts]


@pytest.mark.parametrize(("values", "field", "message"), [
    ({new_field("title"): "  "}, new_field("title"), "title"),
    ({new_field("title"): "x" * 501}, new_field("title"), "under 500"),
    ({new_field("title", 1): "", new_field("target", 1): ""}, new_field("title", 1), "at least one key result"),
    ({new_field("target", 1): "lots"}, new_field("target", 1), "number"),
    ({new_field("start", 1): "1e400"}, new_field("start", 1), "number"),
    ({new_field("title", 1): "", new_field("target", 1): "3"}, new_field("title", 1), "title"),
    ({new_field("tag"): "two words"}, new_field("tag"), "tag"),
    ({new_field("quarter"): "Q4"}, new_field("quarter"), "quarter"),
    ({new_field("unit", 1): "u" * 33}, new_field("unit", 1), "unit"),
])
def test_bad_new_objective_names_the_field(env: Env, values: dict, field: str, message: str) -> None:
    """Each bad input is refused with a message under its own field, and nothing is stored."""
    base = {new_field("title"): "Grow", new_field("quarter"): "2026-Q4", new_field("title", 1): "Users",
            new_field("target", 1): "10"}
    with pytest.raises(UserFacingError, match=message) as refused:
        env.okrs.create(team_id=env.team, owner_id="URAVI", values=base | values)
    assert refused.value.field == field
    assert env.objectives() == [] and env.queued() == []


def test_two_key_results_with_one_title_are_refused(env: Env) -> None:
    """Key result titles are unique within an objective."""
    with pytest.raises(UserFacingError, match="Two key results") as refused:
        env.create(krs=(("Users", 0, 10), ("users", 0, 20)))
    assert refused.value.field == new_field("title", 2)


def test_same_title_twice_in_a_quarter_is_refused(env: Env) -> None:
    """A second objective with the same title in the same quarter is refused; the first is untouched."""
    env.create()
    with pytest.raises(UserFacingError, match="already have an objective") as refused:
        env.create(krs=(("Other", 0, 1),))
    assert refused.value.field == new_field("title")
    assert len(env.objectives()) == 1 and len(env.key_results()) == 1


def test_same_title_next_quarter_is_fine(env: Env) -> None:
    """The natural key includes the quarter."""
    env.create()
    env.create(quarter="2027-Q1")
    assert sorted(o.quarter for o in env.objectives()) == ["2026-Q4", "2027-Q1"]


def test_tag_is_normalised(env: Env) -> None:
    """`#Onboarding` is stored as `onboarding`."""
    view = env.okrs.create(team_id=env.team, owner_id="URAVI", values={
        new_field("title"): "Grow", new_field("quarter"): "2026-Q4", new_field("tag"): "#Onboarding",
        new_field("title", 1): "Users", new_field("target", 1): "10"})
    assert view.tag == "onboarding"


def test_list_shows_my_objectives_of_this_quarter_only(env: Env) -> None:
    """`/okr` lists the caller's own objectives of the current quarter."""
    env.create(title="Mine now")
    env.create(title="Mine next quarter", quarter="2027-Q1")
    env.create(owner="ULENA", title="Lena's")
    listing = env.okrs.list_mine(team_id=env.team, user_id="URAVI")
    assert listing.quarter == "2026-Q4"
    assert [o.title for o in listing.objectives] == ["Mine now"]


def test_list_never_shows_another_workspaces_objectives(env: Env) -> None:
    """Same user id, other team: not listed."""
    env.okrs.create(team_id="T0THER", owner_id="URAVI", values={
        new_field("title"): "Elsewhere", new_field("quarter"): "2026-Q4", new_field("title", 1): "x",
        new_field("target", 1): "1"})
    assert env.okrs.list_mine(team_id=env.team, user_id="URAVI").objectives == ()


def test_current_quarter_follows_the_persons_timezone(env: Env) -> None:
    """At 20:00 UTC on 31 December it is already 2027-Q1 in Kolkata but still 2026-Q4 in New York."""
    env.clock.travel_to(datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    assert env.okrs.list_mine(team_id=env.team, user_id="URAVI").quarter == "2027-Q1"
    assert env.okrs.list_mine(team_id=env.team, user_id="ULENA").quarter == "2026-Q4"


def test_new_objective_form_offers_this_quarter_and_the_next(env: Env) -> None:
    """The modal's quarter select: current (default) and next."""
    form = env.okrs.new_objective_form(team_id=env.team, user_id="URAVI")
    assert form.quarters == ("2026-Q4", "2027-Q1") and form.default_quarter == "2026-Q4"


def test_export_has_one_row_per_key_result(env: Env) -> None:
    """`okrbot export okrs`: flat rows with the effective status and who set it."""
    view = env.create(krs=(("Weekly active teams", 0, 40), ("NPS", 10, 50)))
    env.check_in(view, kr1={"value": "50", "status": "on_track"})
    rows = env.okrs.export()
    assert [(r["owner_id"], r["key_result"], r["current"], r["status"], r["status_set_by"]) for r in rows] == [
        # Not moved yet and created today: in its grace period, so on track rather than off track.
        ("URAVI", "Weekly active teams", 0, "on_track", "derived"), ("URAVI", "NPS", 50, "on_track", "person")]
    assert rows[0]["owner_name"] == "ravi" and rows[0]["quarter"] == "2026-Q4"


def test_export_since_leaves_out_older_changes(env: Env) -> None:
    """--since keeps key results changed on or after that day."""
    env.create()
    assert env.okrs.export(since=date(2026, 11, 17)) == []
    assert len(env.okrs.export(since=date(2026, 11, 16))) == 1
