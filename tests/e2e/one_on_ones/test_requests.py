"""End to end: /request-1on1 and the manager's answer, through signed HTTP and the loopback Slack."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.scheduler import JOBS
from bot.services.one_on_ones.time import reminder_due
from bot.views.one_on_ones import OneOnOneAction, OneOnOneModal
from tests.e2e.one_on_ones.flow import (
    accept_at,
    command,
    ephemeral_texts,
    future_day,
    one_on_ones,
    request_and_accept,
    request_dm,
)
from tests.support.reading import action_ids, click, dm, eventually, messages_with, modal, submit, text_of
from tests.support.stack import TEAM, Stack


def test_request_then_accept(stack: Stack) -> None:
    """Ravi asks Maria; she accepts from her DM; both see the outcome and share the 1-on-1 message."""
    stack.set_manager("URAVI", "UMARIA")
    response = command(stack, "URAVI", "<@UMARIA|maria> Q4 hiring plan")
    assert response.status == 200
    stack.slack.wait_for("response_url")
    assert "I asked <@UMARIA> for a 1-on-1 about *Q4 hiring plan*" in ephemeral_texts(stack, "URAVI")[0]

    request = request_dm(stack)
    assert "<@URAVI> asks you for a 1-on-1" in text_of(request) and "Q4 hiring plan" in text_of(request)
    assert {OneOnOneAction.ACCEPT, OneOnOneAction.RESCHEDULE, OneOnOneAction.DECLINE} <= action_ids(request)

    assert accept_at(stack, request, day=future_day(stack), clock="10:00").status == 200
    stack.slack.wait_for("chat.update", lambda c: c.args["ts"] == request["ts"])
    stack.deliver()
    updated = stack.slack.message(dm(stack, "UMARIA"), request["ts"])
    assert "Accepted" in text_of(updated) and OneOnOneAction.ACCEPT not in action_ids(updated)
    assert any("accepted your 1-on-1" in text_of(m) for m in stack.slack.messages(dm(stack, "URAVI")))
    [opened] = stack.slack.calls_to("conversations.open")
    assert set(opened.args["users"].split(",")) == {"UMARIA", "URAVI"}
    pair, *invite = stack.slack.messages(opened.response["channel"]["id"])
    assert "1-on-1: ravi & maria" in text_of(pair) and "Add to calendar" in text_of(invite[0])
    assert {OneOnOneAction.ADD_NOTE, OneOnOneAction.ADD_TASK, OneOnOneAction.MARK_DONE} <= action_ids(pair)
    [row] = one_on_ones(stack)
    assert row.state == "accepted" and (row.thread_channel, row.thread_ts) == (pair["channel"], pair["ts"])


def test_decline_with_a_reason(stack: Stack) -> None:
    """Maria declines from the modal with a reason: Ravi reads it, her DM shows the outcome, no buttons."""
    command(stack, "URAVI", "<@UMARIA> Promotion")
    request = request_dm(stack)
    click(stack, "UMARIA", dm(stack, "UMARIA"), request, OneOnOneAction.DECLINE)
    view = modal(stack, "UMARIA", OneOnOneModal.DECLINE)
    response = submit(stack, "UMARIA", view, {"reason": "On leave until December"})
    assert response.status == 200 and response.json() is None
    stack.slack.wait_for("chat.update", lambda c: c.args["ts"] == request["ts"])
    stack.deliver()
    assert "Declined" in text_of(stack.slack.message(dm(stack, "UMARIA"), request["ts"]))
    [answer] = [m for m in stack.slack.messages(dm(stack, "URAVI")) if "declined" in text_of(m)]
    assert "On leave until December" in text_of(answer)
    assert one_on_ones(stack)[0].state == "declined" and stack.slack.calls_to("conversations.open") == []


def test_propose_another_time_then_the_requester_accepts(stack: Stack) -> None:
    """Maria proposes a time with a note; Ravi accepts it from his DM; the 1-on-1 starts at that time."""
    command(stack, "URAVI", "<@UMARIA> Career path")
    request = request_dm(stack)
    click(stack, "UMARIA", dm(stack, "UMARIA"), request, OneOnOneAction.RESCHEDULE)
    day = future_day(stack)
    assert submit(stack, "UMARIA", modal(stack, "UMARIA", OneOnOneModal.RESCHEDULE),
                  {"date": day, "time": "15:00", "note": "Travelling this week"}).status == 200
    stack.deliver()
    proposal = eventually(lambda: next(iter(messages_with(stack, dm(stack, "URAVI"), OneOnOneAction.ACCEPT_NEW_TIME)),
                                       None))
    assert "Travelling this week" in text_of(proposal)

    click(stack, "URAVI", dm(stack, "URAVI"), proposal, OneOnOneAction.ACCEPT_NEW_TIME)
    stack.slack.wait_for("conversations.open")
    stack.deliver()
    [row] = one_on_ones(stack)
    berlin = row.agreed_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert row.state == "accepted" and (berlin.date().isoformat(), berlin.strftime("%H:%M")) == (day, "15:00")
    assert OneOnOneAction.ACCEPT_NEW_TIME not in action_ids(stack.slack.message(dm(stack, "URAVI"), proposal["ts"]))
    assert any("accepted" in text_of(m) for m in stack.slack.messages(dm(stack, "UMARIA")) if m["ts"] != request["ts"])


def test_the_form_shows_field_errors_then_sends(stack: Stack) -> None:
    """Pat (no manager on record) uses the form: a deactivated person and a past time are refused under
    their fields, nothing is stored; the corrected form sends the request and remembers Maria."""
    command(stack, "UPAT")
    view = modal(stack, "UPAT", OneOnOneModal.REQUEST)
    assert "remember" in {b.get("block_id") for b in view["blocks"]}

    gone = submit(stack, "UPAT", view, {"manager": "UGONE", "topic": "Budget"})
    assert "deactivated" in gone.json()["errors"]["manager"]
    past = submit(stack, "UPAT", view, {"manager": "UMARIA", "topic": "Budget", "date": "2020-01-06",
                                        "time": "10:00"})
    assert "in the past" in past.json()["errors"]["date"]
    assert one_on_ones(stack) == []

    sent = submit(stack, "UPAT", view, {"manager": "UMARIA", "topic": "Budget", "remember": ["yes"],
                                        "date": future_day(stack), "time": "10:00", "urgency": "this_week"})
    assert sent.status == 200 and sent.json() is None and stack.slack.open_views("UPAT") == []
    stack.slack.wait_for("response_url")
    assert "I asked <@UMARIA>" in ephemeral_texts(stack, "UPAT")[-1]
    assert "This week" in text_of(request_dm(stack))
    assert stack.services.people.ensure(stack.team_id, "UPAT").manager_id == "UMARIA"


@pytest.mark.parametrize(("text", "message"), [
    ("<@UNOBODY> hi", "I don't know <@UNOBODY>"),
    ("<@UGONE|gone> hi", "is deactivated"),
    ("<@UROBOT|deploybot> hi", "is a bot"),
    ("<@URAVI|ravi> hi", "can't pick yourself"),
    ("<@UMARIA> " + "x" * 2001, "keep it under 2,000"),
])
def test_bad_command_input_gets_a_clear_message_and_stores_nothing(stack: Stack, text: str, message: str) -> None:
    """Unknown, deactivated, bot, oneself, an oversized topic: an ephemeral explanation, no row, no DM."""
    assert command(stack, "URAVI", text).status == 200
    stack.slack.wait_for("response_url")
    assert message in ephemeral_texts(stack, "URAVI")[-1]
    stack.deliver()
    assert one_on_ones(stack) == [] and stack.slack.calls_to("chat.postMessage") == []


def test_help_shows_usage(stack: Stack) -> None:
    """`/request-1on1 help` answers with the usage, privately."""
    command(stack, "URAVI", "help")
    stack.slack.wait_for("response_url")
    assert "/request-1on1 @maria Q4 hiring plan" in ephemeral_texts(stack, "URAVI")[-1]


def test_someone_else_clicking_is_told_it_is_not_theirs(stack: Stack) -> None:
    """Lena clicks Accept on Maria's request: an ephemeral 'not yours', and nothing changes."""
    command(stack, "URAVI", "<@UMARIA> Q4 hiring plan")
    request = request_dm(stack)
    assert click(stack, "ULENA", dm(stack, "UMARIA"), request, OneOnOneAction.ACCEPT).status == 200
    stack.slack.wait_for("response_url", lambda c: "not yours" in str(c.args))
    assert "This request is not yours" in ephemeral_texts(stack, "ULENA")[-1]
    stack.deliver()
    assert one_on_ones(stack)[0].state == "requested" and stack.slack.calls_to("chat.update") == []


def test_someone_else_cannot_open_the_decline_form(stack: Stack) -> None:
    """Lena clicking Decline gets no modal, only an ephemeral 'not yours'."""
    command(stack, "URAVI", "<@UMARIA> Q4 hiring plan")
    request = request_dm(stack)
    click(stack, "ULENA", dm(stack, "UMARIA"), request, OneOnOneAction.DECLINE)
    stack.slack.wait_for("response_url", lambda c: "not yours" in str(c.args))
    assert stack.slack.calls_to("views.open") == []


def test_double_clicking_accept_notifies_once(stack: Stack) -> None:
    """Four submissions of Accept's time at once, then one more click: one answer DM, one 1-on-1 message, one
    in-place update."""
    command(stack, "URAVI", "<@UMARIA> Q4 hiring plan")
    request = request_dm(stack)
    click(stack, "UMARIA", dm(stack, "UMARIA"), request, OneOnOneAction.ACCEPT)
    view = modal(stack, "UMARIA", OneOnOneModal.ACCEPT)
    values = {"date": future_day(stack), "time": "10:00"}
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _: stack.send.submit(TEAM, "UMARIA", view, values).status, range(4)))
    click(stack, "UMARIA", dm(stack, "UMARIA"), request, OneOnOneAction.ACCEPT)
    assert statuses == [200] * 4
    stack.slack.wait_for("conversations.open")
    stack.deliver()
    assert len([m for m in stack.slack.messages(dm(stack, "URAVI")) if "accepted" in text_of(m)]) == 1
    assert len(stack.slack.calls_to("conversations.open")) == 1
    assert len(stack.slack.calls_to("chat.update")) == 1
    assert ephemeral_texts(stack, "UMARIA") == []


def test_accept_after_decline_changes_nothing(stack: Stack) -> None:
    """An old Accept button clicked after declining: told so, still declined, nobody notified again."""
    command(stack, "URAVI", "<@UMARIA> Q4 hiring plan")
    request = request_dm(stack)
    click(stack, "UMARIA", dm(stack, "UMARIA"), request, OneOnOneAction.DECLINE)
    submit(stack, "UMARIA", modal(stack, "UMARIA", OneOnOneModal.DECLINE), {})
    stack.deliver()
    posted = len(stack.slack.calls_to("chat.postMessage"))
    click(stack, "UMARIA", dm(stack, "UMARIA"), request, OneOnOneAction.ACCEPT)
    stack.slack.wait_for("response_url", lambda c: "already declined" in str(c.args))
    stack.deliver()
    assert one_on_ones(stack)[0].state == "declined"
    assert len(stack.slack.calls_to("chat.postMessage")) == posted


def test_an_unanswered_request_reminds_the_manager_once_after_three_business_days(stack: Stack) -> None:
    """Not a minute before 3 business days (Maria's timezone), then once; answering updates the reminder."""
    command(stack, "URAVI", "<@UMARIA> Q4 hiring plan")
    request = request_dm(stack)
    [row] = one_on_ones(stack)
    due = reminder_due(row.requested_at, 3, ZoneInfo("Europe/Berlin"))
    [job] = [j for j in JOBS if j.name == "one-on-one-request-reminders"]
    # The stack's clock moves every service and the outbox sender (freezegun would also freeze the sender's
    # monotonic pacing); the business-day calendar itself is tested under freezegun in tests/service.
    stack.clock.travel_to(due - timedelta(minutes=1))
    assert job.run(stack.runtime) == 0
    stack.clock.travel_to(due + timedelta(minutes=1))
    assert job.run(stack.runtime) == 1
    assert job.run(stack.runtime) == 0
    stack.deliver()
    reminders = [m for m in stack.slack.messages(dm(stack, "UMARIA")) if "Reminder" in text_of(m)]
    assert len(reminders) == 1 and "3 business days ago" in text_of(reminders[0])
    assert OneOnOneAction.ACCEPT in action_ids(reminders[0])

    accept_at(stack, reminders[0])
    stack.slack.wait_for("chat.update", count=2)
    stack.deliver()
    for ts in (request["ts"], reminders[0]["ts"]):
        assert OneOnOneAction.ACCEPT not in action_ids(stack.slack.message(dm(stack, "UMARIA"), ts))


def test_request_one_on_one_button_opens_the_form_for_that_manager(stack: Stack) -> None:
    """The shared 'Request a 1-on-1' button (nudge DM, Home) opens the form with the manager chosen."""
    message = stack.slack.post_user_message("UBOT", dm(stack, "UTOM"), "nudge")
    message["blocks"] = [{"type": "actions", "elements": [
        {"type": "button", "text": {"type": "plain_text", "text": "Request"}, "action_id": "1on1.request.open",
         "value": "UMARIA"}]}]
    click(stack, "UTOM", dm(stack, "UTOM"), message, "1on1.request.open")
    view = modal(stack, "UTOM", OneOnOneModal.REQUEST)
    manager = next(b for b in view["blocks"] if b.get("block_id") == "manager")
    assert manager["element"]["initial_user"] == "UMARIA"


def test_a_manager_schedules_a_one_on_one_with_a_report(stack: Stack) -> None:
    """Maria picks a time with Ravi from the agenda's button: Ravi is told, the pair gets the 1-on-1 message."""
    stack.set_manager("URAVI", "UMARIA")
    message = stack.slack.post_user_message("UBOT", dm(stack, "UMARIA"), "agenda")
    message["blocks"] = [{"type": "actions", "elements": [
        {"type": "button", "text": {"type": "plain_text", "text": "Schedule"}, "action_id": "1on1.schedule.open",
         "value": "URAVI"}]}]
    click(stack, "UMARIA", dm(stack, "UMARIA"), message, "1on1.schedule.open")
    view = modal(stack, "UMARIA", OneOnOneModal.SCHEDULE)
    assert submit(stack, "UMARIA", view, {"date": future_day(stack, 3), "time": "11:00",
                                          "topic": "Monthly OKRs"}).json() is None
    stack.slack.wait_for("conversations.open")
    stack.deliver()
    assert any("scheduled a 1-on-1 with you" in text_of(m) for m in stack.slack.messages(dm(stack, "URAVI")))
    [row] = one_on_ones(stack)
    assert row.state == "accepted" and row.thread_ts


def test_accepting_twice_after_the_flow_keeps_one_pair_message(stack: Stack) -> None:
    """The full helper flow leaves exactly one 1-on-1 message in the pair's group DM."""
    _, group, ts = request_and_accept(stack)
    cards = [m["ts"] for m in stack.slack.messages(group) if "1-on-1: ravi & maria" in text_of(m)
             and "Add to calendar" not in text_of(m)]
    assert cards == [ts]
