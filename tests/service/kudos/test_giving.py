"""/kudos and the Give kudos form: who may be thanked, the daily allowance, objectives, exactly-once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.services import UserFacingError
from bot.views.kudos import KudosForm, KudosSent, KudosUsage, Leaderboard
from tests.service.kudos.support import Env


def give(env: Env, text: str, *, giver: str = "UMARIA", trigger: str = "T1") -> KudosSent:
    """/kudos `text` by `giver` in #general."""
    return env.kudos.command(team_id=env.team, user_id=giver, channel_id="CGENERAL", text=text, trigger_id=trigger)


def test_kudos_to_two_people_stores_one_each_and_dms_both(env: Env) -> None:
    """Each person mentioned gets their own kudos, with the message, and a DM."""
    sent = give(env, "<@URAVI|ravi> <@ULENA|lena> for shipping the onboarding revamp")
    rows = env.kudos_rows()
    assert [(k.receiver_id, k.message, k.source) for k in rows] == [
        ("URAVI", "for shipping the onboarding revamp", "command"),
        ("ULENA", "for shipping the onboarding revamp", "command")]
    assert sent.new_receivers == ("URAVI", "ULENA") and sent.left_today == 3
    assert [m.channel_key for m in env.outbox("kudos-dm:")] == ["URAVI", "ULENA"]


def test_one_command_makes_one_public_post(env: Env) -> None:
    """Two receivers of one /kudos share one post in the kudos channel."""
    give(env, "<@URAVI> <@ULENA> for the launch")
    posts = env.outbox("kudos-post:")
    assert len(posts) == 1 and posts[0].channel_key == "CKUDOS"


def test_the_same_command_delivered_twice_counts_once(env: Env) -> None:
    """A request repeated with the same trigger id credits nobody twice."""
    give(env, "<@URAVI> for the launch", trigger="T-same")
    again = give(env, "<@URAVI> for the launch", trigger="T-same")
    assert len(env.kudos_rows()) == 1 and again.new_receivers == ()


def test_self_kudos_is_refused(env: Env) -> None:
    """Nobody can thank themselves, and nothing is stored."""
    with pytest.raises(UserFacingError, match="yourself"):
        give(env, "<@UMARIA> for me", giver="UMARIA")
    assert env.kudos_rows() == []


@pytest.mark.parametrize(("who", "reason"), [("UROBOT", "is a bot"), ("UGONE", "deactivated"),
                                             ("UNOBODY", "don't know")])
def test_bots_deactivated_and_unknown_people_are_refused(env: Env, who: str, reason: str) -> None:
    """Kudos go to active humans of the workspace only."""
    with pytest.raises(UserFacingError, match=reason):
        give(env, f"<@{who}> for the help")
    assert env.kudos_rows() == []


def test_an_oversized_message_is_refused_and_nothing_stored(env: Env) -> None:
    """A message over 2,000 characters gets a clear refusal."""
    with pytest.raises(UserFacingError, match="limited to 2,000"):
        give(env, "<@URAVI> " + "x" * 2001)
    assert env.kudos_rows() == [] and env.outbox() == []


def test_kudos_without_a_message_asks_what_for(env: Env) -> None:
    """A mention alone is not enough for /kudos."""
    with pytest.raises(UserFacingError, match="what the kudos are for"):
        give(env, "<@URAVI>")


def test_help_and_unclear_text_answer_with_usage(env: Env) -> None:
    """`help` and text without a mention answer with the usage, not an error."""
    assert isinstance(give(env, "help"), KudosUsage)
    unclear = give(env, "@ravi thanks")
    assert isinstance(unclear, KudosUsage) and "Mention at least one person" in unclear.problem


def test_kudos_alone_opens_the_form_and_top_shows_the_board(env: Env) -> None:
    """/kudos alone is the form; /kudos top quarter is the quarter's leaderboard."""
    assert isinstance(give(env, ""), KudosForm)
    board = give(env, "top quarter")
    assert isinstance(board, Leaderboard) and board.label == "2026-Q4"


def test_the_daily_allowance_refuses_the_sixth_kudos(env: Env) -> None:
    """Five kudos a day; the sixth is refused with when the allowance resets."""
    for n in range(5):
        give(env, f"<@URAVI> thanks {n}", trigger=f"T{n}")
    with pytest.raises(UserFacingError, match="resets at midnight your time"):
        give(env, "<@ULENA> one more", trigger="T9")
    assert len(env.kudos_rows()) == 5


def test_more_receivers_than_kudos_left_refuses_the_whole_command(env: Env) -> None:
    """With one kudos left, thanking two people credits neither and says how many are left."""
    for n in range(4):
        give(env, f"<@URAVI> thanks {n}", trigger=f"T{n}")
    with pytest.raises(UserFacingError, match="You can thank 1 more person today and chose 2"):
        give(env, "<@ULENA> <@UTOM> both of you", trigger="T9")
    assert len(env.kudos_rows()) == 4


def test_the_local_day_is_the_givers(env: Env) -> None:
    """At 20:00 UTC it is already the next day in Kolkata: that is Ravi's day for the allowance."""
    env.clock.travel_to(datetime(2026, 11, 16, 20, 0, tzinfo=UTC))
    give(env, "<@ULENA> night owl help", giver="URAVI")
    assert env.kudos_rows()[0].giver_local_day == date(2026, 11, 17)


def test_a_tag_ties_the_kudos_to_the_receivers_objective(env: Env) -> None:
    """`#hiring` picks the receiver's objective of this quarter tagged hiring (case-insensitive)."""
    env.objective("ULENA", "Hire the platform team", tag="Hiring")
    mine = env.objective("URAVI", "Hire three engineers", tag="hiring")
    sent = give(env, "<@URAVI> #HIRING for closing three roles")
    assert env.kudos_rows()[0].objective_id == mine and sent.objective_title == "Hire three engineers"
    assert env.kudos_rows()[0].message == "for closing three roles"


def test_an_unknown_tag_is_refused_naming_the_receivers_tags(env: Env) -> None:
    """No objective tagged #nope this quarter: a clear message, nothing stored."""
    env.objective("URAVI", "Hire three engineers", tag="hiring")
    with pytest.raises(UserFacingError, match=r"No objective of 2026-Q4 has the tag #nope.*#hiring"):
        give(env, "<@URAVI> #nope for closing three roles")
    assert env.kudos_rows() == []


def test_another_workspace_tag_is_not_found(env: Env) -> None:
    """Objectives of another team are never matched."""
    env.objective("URAVI", "Elsewhere", tag="hiring", team="T9999")
    with pytest.raises(UserFacingError, match="No objective"):
        give(env, "<@URAVI> #hiring for closing three roles")


def test_the_form_for_a_message_prefills_its_author_and_link(env: Env) -> None:
    """The shortcut's form names the author and links the message."""
    message = env.slack.post_user_message("URAVI", "CGENERAL", "Shipped!")
    form = env.kudos.form_for_message(team_id=env.team, giver_id="UMARIA", channel_id="CGENERAL",
                                      message_ts=message["ts"], author="URAVI")
    assert form.receivers == ("URAVI",) and form.permalink and message["ts"].replace(".", "") in form.permalink


def test_the_form_for_a_bot_message_prefills_nobody(env: Env) -> None:
    """A bot's message can be thanked for, but its author is not pre-filled."""
    message = env.slack.post_user_message("UROBOT", "CGENERAL", "Deployed")
    form = env.kudos.form_for_message(team_id=env.team, giver_id="UMARIA", channel_id="CGENERAL",
                                      message_ts=message["ts"], author="UROBOT")
    assert form.receivers == () and form.notes


def test_a_shortcut_form_submitted_twice_counts_once(env: Env) -> None:
    """Kudos for one message from the shortcut are unique per giver and receiver; the message is optional."""
    message = env.slack.post_user_message("URAVI", "CGENERAL", "Shipped!")
    form = env.kudos.form_for_message(team_id=env.team, giver_id="UMARIA", channel_id="CGENERAL",
                                      message_ts=message["ts"], author="URAVI")
    for _ in range(2):
        sent = env.kudos.give_from_form(team_id=env.team, giver_id="UMARIA", receivers=["URAVI"], message="",
                                        objective_id=None, metadata=form.metadata)
    rows = env.kudos_rows()
    assert len(rows) == 1 and rows[0].source == "shortcut" and rows[0].permalink == form.permalink
    assert sent.new_receivers == ()


def test_a_form_with_unreadable_metadata_is_refused_under_a_field(env: Env) -> None:
    """A tampered form names the field to look at instead of failing."""
    with pytest.raises(UserFacingError) as error:
        env.kudos.give_from_form(team_id=env.team, giver_id="UMARIA", receivers=["URAVI"], message="hi",
                                 objective_id=None, metadata="{not json")
    assert error.value.field == "kudos_receivers"


def test_the_form_checks_its_objective_belongs_to_the_workspace(env: Env) -> None:
    """An objective id of another team is refused under the objective field."""
    other = env.objective("URAVI", "Elsewhere", team="T9999")
    form = env.kudos.form(team_id=env.team, giver_id="UMARIA", invocation="T1")
    with pytest.raises(UserFacingError) as error:
        env.kudos.give_from_form(team_id=env.team, giver_id="UMARIA", receivers=["URAVI"], message="hi",
                                 objective_id=str(other), metadata=form.metadata)
    assert error.value.field == "kudos_objective"


def test_the_form_lists_this_quarters_objectives_receivers_first(env: Env) -> None:
    """The objective picker offers this quarter's objectives, the pre-filled receiver's first."""
    env.objective("ULENA", "Lena's goal")
    env.objective("URAVI", "Ravi's goal")
    env.objective("URAVI", "Last quarter", quarter="2026-Q3")
    form = env.kudos.form(team_id=env.team, giver_id="UMARIA", invocation="T1", receiver="URAVI")
    assert [c.label.split(" · ")[0] for c in form.objectives] == ["Ravi's goal", "Lena's goal"]
    assert json.loads(form.metadata)["ts"] == "form:T1"
