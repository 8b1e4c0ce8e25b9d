"""Feedback end to end: request → Give feedback button → form → DM and Home; the manager-visibility rule."""

from __future__ import annotations

import json

from bot.sandbox.slack.payloads import app_home_opened_event
from bot.services.okrs.status import quarter_of
from storage.models import Objective
from tests.support.reading import dms, listeners_done
from tests.support.stack import Stack

TEXT = "Great demo; slow down on slide 3."


def feedback_command(stack: Stack, user: str, text: str) -> None:
    """`user` types /feedback `text` in #general."""
    answer = stack.send.command(stack.team_id, user, "/feedback", text, channel_id="CGENERAL",
                                response_url=stack.slack.new_response_url(channel="CGENERAL", user=user))
    assert answer.status == 200


def home_of(stack: Stack, user: str) -> str:
    """`user` opens okrbot's Home tab; what it shows, as JSON text."""
    mine = lambda call: call.args.get("user_id") == user  # noqa: E731
    before = len([call for call in stack.slack.calls_to("views.publish") if mine(call)])
    stack.send.event(stack.team_id, app_home_opened_event(user, channel=stack.slack.dm_channel(user)))
    stack.slack.wait_for("views.publish", mine, count=before + 1)
    return json.dumps(stack.slack.home_view(user), ensure_ascii=False)


def give_through_the_form(stack: Stack, giver: str, receiver: str, text: str, visibility: str) -> None:
    """`giver` types /feedback give @receiver and sends the form with `text` and `visibility`."""
    feedback_command(stack, giver, f"give <@{receiver}|x>")
    stack.slack.wait_for("views.open", lambda c: giver.encode().hex() in c.args.get("trigger_id", ""))
    form = stack.slack.open_views(giver)[-1]
    answer = stack.send.submit(stack.team_id, giver, form, {"feedback.text": text, "feedback.visibility": visibility})
    assert answer.json()["response_action"] == "update"


def test_request_then_give_reaches_the_requester_by_dm_and_on_their_home(stack: Stack) -> None:
    """Ravi asks Pat; Pat presses Give feedback in the DM and sends the form; Ravi reads it in a DM and his Home."""
    feedback_command(stack, "URAVI", "request <@UPAT|pat> about my demo")
    [reply] = stack.slack.wait_for("response_url")
    assert "Asked <@UPAT> for feedback" in reply.args["text"]
    stack.deliver()
    [request_dm] = dms(stack, "UPAT")
    stack.send.action(stack.team_id, "UPAT", [{"action_id": "feedback.give.open"}],
                      channel_id=request_dm["channel"], message=request_dm,
                      response_url=stack.slack.new_response_url(channel=request_dm["channel"], user="UPAT"))
    stack.slack.wait_for("views.open")
    [form] = stack.slack.open_views("UPAT")
    assert "asked you for feedback" in json.dumps(form["blocks"])
    answer = stack.send.submit(stack.team_id, "UPAT", form, {"feedback.text": TEXT})
    assert answer.json()["response_action"] == "update"
    stack.deliver()
    [delivered] = dms(stack, "URAVI")
    assert TEXT in json.dumps(delivered["blocks"]) and TEXT not in delivered["text"]
    assert "actions" not in json.dumps(stack.slack.message(request_dm["channel"], request_dm["ts"])["blocks"])
    assert TEXT in home_of(stack, "URAVI")


def test_private_feedback_stays_out_of_the_managers_home(stack: Stack) -> None:
    """`Only ravi`: Maria, his manager, does not see it on her Home; nor does an admin."""
    stack.set_manager("URAVI", "UMARIA")
    give_through_the_form(stack, "UPAT", "URAVI", TEXT, "private")
    assert TEXT in home_of(stack, "URAVI")
    assert TEXT not in home_of(stack, "UMARIA")
    assert TEXT not in home_of(stack, "UADMIN")


def test_feedback_shared_with_the_manager_shows_on_the_managers_home_only(stack: Stack) -> None:
    """`ravi and their manager`: Maria sees it about Ravi; an admin and a peer still do not."""
    stack.set_manager("URAVI", "UMARIA")
    give_through_the_form(stack, "UPAT", "URAVI", TEXT, "private+manager")
    assert TEXT in home_of(stack, "UMARIA")
    for reader in ("UADMIN", "ULENA"):
        assert TEXT not in home_of(stack, reader)


def test_the_button_of_an_answered_request_explains_instead_of_opening_the_form(stack: Stack) -> None:
    """Pressing Give feedback again after answering opens a notice, not a second form."""
    feedback_command(stack, "URAVI", "request <@UPAT|pat> about my demo")
    stack.slack.wait_for("response_url")
    stack.deliver()
    [request_dm] = dms(stack, "UPAT")
    press = {"action_id": "feedback.give.open", "value": request_dm["blocks"][1]["elements"][0]["value"]}
    stack.send.action(stack.team_id, "UPAT", [press], channel_id=request_dm["channel"], message=request_dm)
    stack.slack.wait_for("views.open")
    stack.send.submit(stack.team_id, "UPAT", stack.slack.open_views("UPAT")[-1], {"feedback.text": TEXT})
    stack.slack.close_view("UPAT", clear=True)
    stack.send.action(stack.team_id, "UPAT", [press], channel_id=request_dm["channel"], message=request_dm)
    stack.slack.wait_for("views.open", count=2)
    [notice] = stack.slack.open_views("UPAT")
    assert "already gave <@URAVI>" in json.dumps(notice["blocks"])


def test_a_request_to_oneself_is_refused_privately(stack: Stack) -> None:
    """/feedback request @me: an ephemeral refusal, and the command is still acknowledged."""
    feedback_command(stack, "URAVI", "request <@URAVI|ravi>")
    [reply] = stack.slack.wait_for("response_url")
    assert "yourself" in reply.args["text"]
    listeners_done(stack)
    assert stack.slack.calls_to("chat.postMessage") == []


def test_choosing_a_person_in_the_form_offers_their_objectives(stack: Stack) -> None:
    """The person picker redraws the form with that person's objectives to choose from."""
    now = stack.clock()
    with stack.sessions.begin() as session:
        session.add(Objective(team_id=stack.team_id, owner_id="ULENA", quarter=quarter_of(now.date()),
                              title="Ship the mobile app", created_at=now, updated_at=now))
    feedback_command(stack, "UPAT", "give")
    stack.slack.wait_for("views.open")
    [form] = stack.slack.open_views("UPAT")
    stack.send.action(stack.team_id, "UPAT", [{"action_id": "feedback.receiver", "selected_user": "ULENA"}],
                      view=form)
    [update] = stack.slack.wait_for("views.update")
    assert "Ship the mobile app" in json.dumps(update.args["view"])
