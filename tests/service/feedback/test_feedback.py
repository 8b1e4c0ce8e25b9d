"""Feedback: requests, giving it, the privacy rule (recipient, and manager only when chosen), reminders, exports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.services import UserFacingError
from bot.views.feedback import FeedbackForm, FeedbackRequested, FeedbackUsage
from tests.service.kudos.support import Env


def ask(env: Env, text: str, *, requester: str = "URAVI") -> FeedbackRequested:
    """/feedback request `text` by `requester`."""
    return env.feedback.command(team_id=env.team, user_id=requester, text=f"request {text}")


def give(env: Env, giver: str, receiver: str | None, text: str = "Great demo; slow down on slide 3.", *,
         visibility: str = "private", request_id: int | None = None, about: str | None = None,
         submission: str = "V1") -> object:
    """Submit the Give feedback form as opened for `request_id` (or for `receiver`)."""
    form = env.feedback.form(team_id=env.team, giver_id=giver, receiver_id=None if request_id else receiver,
                             request_id=request_id)
    return env.feedback.give(team_id=env.team, giver_id=giver, receiver_id=None if request_id else receiver,
                             text=text, about=about, visibility=visibility, metadata=form.metadata,
                             submission_id=submission)


def test_a_request_dms_the_person_asked_with_a_give_feedback_button(env: Env) -> None:
    """Ravi asks Pat: Pat gets a DM whose button carries the request id."""
    made = ask(env, "<@UPAT|pat> about my demo")
    [request] = env.requests()
    assert (request.requester_id, request.giver_id, request.about, request.state) == \
        ("URAVI", "UPAT", "my demo", "pending")
    [dm] = env.outbox("feedback-request:")
    button = dm.payload["blocks"][1]["elements"][0]
    assert dm.channel_key == "UPAT" and button["action_id"] == "feedback.give.open" and \
        button["value"] == str(request.id)
    assert made.requests[0].id == request.id


def test_asking_the_same_person_again_while_pending_asks_nobody_twice(env: Env) -> None:
    """A second request to Pat while the first is pending is reported, not sent."""
    ask(env, "<@UPAT> about my demo")
    again = ask(env, "<@UPAT> about my demo")
    assert len(env.requests()) == 1 and again.requests == () and again.already_pending[0].giver_id == "UPAT"


@pytest.mark.parametrize(("text", "reason"), [("<@URAVI> about me", "yourself"), ("<@UROBOT>", "is a bot"),
                                              ("about nothing", "Mention whom"), ("<@UGONE>", "deactivated")])
def test_requests_to_oneself_bots_nobody_or_former_colleagues_are_refused(env: Env, text: str, reason: str) -> None:
    """Clear refusals, nothing stored."""
    with pytest.raises(UserFacingError, match=reason):
        ask(env, text)
    assert env.requests() == []


def test_a_request_with_a_tag_names_the_requesters_objective(env: Env) -> None:
    """`#launch` links Ravi's objective tagged launch."""
    objective = env.objective("URAVI", "Launch the app", tag="launch")
    ask(env, "<@UPAT> about the beta #launch")
    assert env.requests()[0].objective_id == objective


def test_help_and_unknown_subcommands_answer_with_usage(env: Env) -> None:
    """`/feedback`, `/feedback help` and `/feedback thanks` are usage, the last with its problem."""
    assert isinstance(env.feedback.command(team_id=env.team, user_id="URAVI", text=""), FeedbackUsage)
    unknown = env.feedback.command(team_id=env.team, user_id="URAVI", text="thanks")
    assert isinstance(unknown, FeedbackUsage) and "request" in unknown.problem


def test_give_opens_the_form_for_the_person_with_their_objectives_and_shared_1on1s(env: Env) -> None:
    """/feedback give @ravi: Ravi's objectives of the quarter and Maria's 1-on-1s with him are offered."""
    objective = env.objective("URAVI", "Launch the app")
    env.objective("ULENA", "Not Ravi's")
    meeting = env.one_on_one("URAVI", "UMARIA")
    form = env.feedback.command(team_id=env.team, user_id="UMARIA", text="give <@URAVI|ravi> nice work")
    assert isinstance(form, FeedbackForm) and form.receiver_id == "URAVI" and form.text == "nice work"
    assert [c.value for c in form.choices] == [f"objective:{objective}", f"1on1:{meeting}"]


def test_giving_feedback_stores_it_and_dms_the_recipient(env: Env) -> None:
    """Feedback is stored with its visibility and delivered by DM to the recipient only."""
    give(env, "UPAT", "URAVI")
    [stored] = env.feedback_rows()
    assert (stored.giver_id, stored.receiver_id, stored.visibility) == ("UPAT", "URAVI", "private")
    [dm] = env.outbox("feedback-dm:")
    assert dm.channel_key == "URAVI" and "slow down on slide 3" in str(dm.payload["blocks"])
    assert "slow down" not in dm.payload["text"]


def test_answering_a_request_marks_it_answered_and_removes_its_button(env: Env) -> None:
    """Giving through the request answers it; the request DM is updated without its button."""
    ask(env, "<@UPAT> about my demo")
    request = env.requests()[0]
    give(env, "UPAT", None, request_id=request.id)
    assert env.requests()[0].state == "answered" and env.feedback_rows()[0].request_id == request.id
    [update] = env.outbox(f"feedback-request:{request.id}:answered")
    assert update.method == "chat.update" and "actions" not in str(update.payload["blocks"])


def test_a_request_answered_already_cannot_be_answered_again(env: Env) -> None:
    """The button of an answered request says so instead of opening the form."""
    ask(env, "<@UPAT> about my demo")
    request = env.requests()[0]
    give(env, "UPAT", None, request_id=request.id)
    with pytest.raises(UserFacingError, match="already gave"):
        env.feedback.form(team_id=env.team, giver_id="UPAT", request_id=request.id)


def test_only_the_person_asked_can_answer_a_request(env: Env) -> None:
    """Lena cannot answer a request made to Pat."""
    ask(env, "<@UPAT> about my demo")
    with pytest.raises(UserFacingError, match="someone else"):
        env.feedback.form(team_id=env.team, giver_id="ULENA", request_id=env.requests()[0].id)


def test_the_same_submission_delivered_twice_stores_one_feedback(env: Env) -> None:
    """A retried form submission (same view id) neither stores nor sends twice."""
    give(env, "UPAT", "URAVI", submission="V-same")
    give(env, "UPAT", "URAVI", submission="V-same")
    assert len(env.feedback_rows()) == 1 and len(env.outbox("feedback-dm:")) == 1


@pytest.mark.parametrize(("text", "field"), [("   ", "feedback_text"), ("x" * 2001, "feedback_text")])
def test_empty_or_oversized_feedback_is_refused_under_the_text_field(env: Env, text: str, field: str) -> None:
    """The form says what is wrong, under the field, and stores nothing."""
    with pytest.raises(UserFacingError) as error:
        give(env, "UPAT", "URAVI", text=text)
    assert error.value.field == field and env.feedback_rows() == []


def test_an_about_choice_the_giver_may_not_pick_is_refused(env: Env) -> None:
    """Lena's objective is not something feedback to Ravi can be about."""
    other = env.objective("ULENA", "Lena's")
    with pytest.raises(UserFacingError) as error:
        give(env, "UPAT", "URAVI", about=f"objective:{other}")
    assert error.value.field == "feedback_about"


def test_private_feedback_is_not_shown_to_the_manager(env: Env) -> None:
    """`private`: Ravi reads it; Maria (his manager), an admin and a peer do not."""
    give(env, "UPAT", "URAVI", visibility="private")
    assert [f.text for f in env.feedback.for_home(env.team, "URAVI").received] == \
        ["Great demo; slow down on slide 3."]
    for reader in ("UMARIA", "UADMIN", "ULENA"):
        home = env.feedback.for_home(env.team, reader)
        assert home.received == () and home.about_reports == ()


def test_feedback_shared_with_the_manager_is_shown_to_the_manager_only(env: Env) -> None:
    """`private+manager`: Maria reads it about her report; an admin and a peer still do not."""
    give(env, "UPAT", "URAVI", visibility="private+manager")
    [shared] = env.feedback.for_home(env.team, "UMARIA").about_reports
    assert shared.receiver_id == "URAVI" and shared.manager_id == "UMARIA"
    for reader in ("UADMIN", "ULENA", "UTOM"):
        assert env.feedback.for_home(env.team, reader).about_reports == ()


def test_feedback_shared_with_the_manager_is_dmed_to_them_once(env: Env) -> None:
    """`private+manager`: Maria gets one private DM with the feedback, even if the submission arrives twice;
    `private` feedback DMs nobody but Ravi."""
    give(env, "UPAT", "URAVI", visibility="private")
    assert env.outbox("feedback-manager-dm:") == []
    give(env, "UPAT", "URAVI", "Shared with Maria.", visibility="private+manager", submission="V-shared")
    give(env, "UPAT", "URAVI", "Shared with Maria.", visibility="private+manager", submission="V-shared")
    [row] = env.outbox("feedback-manager-dm:")
    assert row.channel_key == "UMARIA"
    assert "Shared with Maria." in str(row.payload["blocks"]) and "Shared with Maria." not in row.payload["text"]


def test_pending_requests_are_listed_for_the_person_asked(env: Env) -> None:
    """Pat's agenda and Home list what Pat was asked for; Ravi's Home shows whom he waits for."""
    ask(env, "<@UPAT> about my demo")
    assert [r.requester_id for r in env.feedback.pending_for(env.team, "UPAT")] == ["URAVI"]
    assert env.feedback.for_home(env.team, "UPAT").to_answer_count == 1
    assert [r.giver_id for r in env.feedback.for_home(env.team, "URAVI").waiting_on] == ["UPAT"]


def test_an_unanswered_request_is_reminded_once_after_seven_days(env: Env) -> None:
    """Seven days on, in Pat's working hours, one reminder; running again sends none."""
    ask(env, "<@UPAT> about my demo")
    env.clock.advance(days=6)
    assert env.feedback.send_reminders() == 0
    env.clock.advance(days=1)
    assert env.feedback.send_reminders() == 1
    assert env.feedback.send_reminders() == 0
    [reminder] = env.outbox("feedback-request:")[1:]
    assert reminder.dedupe_key.endswith(":reminder") and reminder.channel_key == "UPAT"
    assert env.requests()[0].reminded_at is not None


def test_reminders_wait_for_the_givers_working_hours(env: Env) -> None:
    """At 02:00 in London nobody is reminded; at 09:00 they are."""
    ask(env, "<@UPAT> about my demo")
    env.clock.travel_to(datetime(2026, 11, 24, 2, tzinfo=UTC))
    assert env.feedback.send_reminders() == 0
    env.clock.travel_to(datetime(2026, 11, 24, 9, tzinfo=UTC))
    assert env.feedback.send_reminders() == 1


def test_answered_requests_are_not_reminded(env: Env) -> None:
    """A request answered within the week gets no reminder."""
    ask(env, "<@UPAT> about my demo")
    give(env, "UPAT", None, request_id=env.requests()[0].id)
    env.clock.advance(days=8)
    assert env.feedback.send_reminders() == 0


def test_the_export_leaves_texts_out_unless_asked(env: Env) -> None:
    """Without include_private_text the rows carry no text; with it, they do."""
    give(env, "UPAT", "URAVI", visibility="private+manager")
    [row] = env.feedback.export()
    assert "text" not in row and row["visibility"] == "private+manager" and row["receiver_name"] == "ravi"
    [full] = env.feedback.export(include_private_text=True)
    assert full["text"] == "Great demo; slow down on slide 3."


def test_the_export_since_a_date_leaves_older_feedback_out(env: Env) -> None:
    """--since after the feedback: no rows."""
    give(env, "UPAT", "URAVI")
    assert env.feedback.export(since=(env.clock() + timedelta(days=1)).date()) == []
    assert len(env.feedback.export(since=date(2026, 11, 1))) == 1
