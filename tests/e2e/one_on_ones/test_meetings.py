"""End to end: a 1-on-1 as a meeting, through signed HTTP, the loopback Slack and `okrbot tick`.

request → accept with a time → calendar invite (.ics parsed) → talking points from both → reschedule (the
other told once, SEQUENCE 1) → `okrbot tick` before the meeting → reminder carrying both → done after the
follow-up → the pair's next 1-on-1 carries what was left.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
from sqlalchemy import select

from bot.views.one_on_ones import OneOnOneAction, OneOnOneModal
from storage.models_one_on_ones import OneOnOne, TalkingPoint
from tests.e2e.one_on_ones.flow import accept_at, command, ephemeral_texts, one_on_ones, request_dm
from tests.support.cli import cli_variables, invoke
from tests.support.reading import action_ids, click, dm, eventually, modal, submit, text_of
from tests.support.stack import Stack


def tick(stack: Stack, at: datetime) -> str:
    """`okrbot tick --at …` in-process on the stack's database and loopback Slack; what it printed."""
    result = invoke(cli_variables(stack.runtime, stack.slack), "tick", "--at", at.isoformat())
    assert result.exit_code == 0, result.output
    return result.output


def invites(stack: Stack, group: str) -> list[icalendar.Event]:
    """The .ics files shared in the pair's DM, parsed, oldest first."""
    stack.deliver()
    events = []
    for shared in stack.slack.files(group):
        [event] = icalendar.Calendar.from_ical(shared["content"].decode()).walk("VEVENT")
        events.append(event)
    return events


def card(stack: Stack, row: OneOnOne) -> dict[str, Any]:
    stack.deliver()
    return stack.slack.message(row.thread_channel, row.thread_ts)


def add_point(stack: Stack, user: str, row: OneOnOne, text: str) -> None:
    click(stack, user, row.thread_channel, card(stack, row), OneOnOneAction.ADD_POINT)
    response = submit(stack, user, modal(stack, user, OneOnOneModal.POINT), {"point": text})
    assert response.status == 200 and response.json() is None


def accepted_row(stack: Stack) -> OneOnOne:
    stack.deliver()
    return eventually(lambda: next((r for r in one_on_ones(stack) if r.thread_ts and r.state == "accepted"), None))


def test_the_meeting_journey_from_request_to_the_next_meeting(stack: Stack) -> None:
    """Time, invite, talking points from both, reschedule, reminder, follow-up, done, carried to the next."""
    command(stack, "URAVI", "<@UMARIA> Q4 hiring plan")
    request = request_dm(stack)
    day = (stack.clock() + timedelta(days=7)).date()
    accept_at(stack, request, day=day.isoformat(), clock="10:00")  # Maria, Europe/Berlin (UTC+1 in winter)
    row = accepted_row(stack)
    assert row.agreed_at == datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)

    [first] = eventually(lambda: invites(stack, row.thread_channel) or None)
    assert first.decoded("DTSTART") == row.agreed_at and int(first["SEQUENCE"]) == 0
    assert first.decoded("DTEND") == row.agreed_at + timedelta(minutes=30)
    assert str(first["URL"]).startswith("https://") and row.thread_ts.replace(".", "") in str(first["URL"])
    calendar_message = next(m for m in stack.slack.messages(row.thread_channel) if "Add to calendar" in text_of(m))
    assert {OneOnOneAction.CALENDAR_GOOGLE, OneOnOneAction.CALENDAR_OUTLOOK} <= action_ids(calendar_message)

    add_point(stack, "URAVI", row, "Promotion path")
    add_point(stack, "UMARIA", row, "Budget for Q1")
    assert any("Talking point added" in t for t in ephemeral_texts(stack, "URAVI"))
    shown = text_of(card(stack, row))
    assert "Q4 hiring plan" in shown and "Promotion path" in shown and "Budget for Q1" in shown

    click(stack, "URAVI", row.thread_channel, card(stack, row), OneOnOneAction.MOVE)
    moved = submit(stack, "URAVI", modal(stack, "URAVI", OneOnOneModal.MOVE),
                   {"date": day.isoformat(), "time": "16:30"})  # Ravi, Asia/Kolkata: 11:00 UTC
    assert moved.status == 200
    stack.deliver()
    told = [m for m in stack.slack.messages(dm(stack, "UMARIA")) if "moved your 1-on-1" in text_of(m)]
    assert len(told) == 1
    meeting = datetime(day.year, day.month, day.day, 11, 0, tzinfo=UTC)
    first, second = eventually(lambda: [e for e in [invites(stack, row.thread_channel)] if len(e) == 2][0]
                               if len(invites(stack, row.thread_channel)) == 2 else None)
    assert second["UID"] == first["UID"] and int(second["SEQUENCE"]) == 1 and second.decoded("DTSTART") == meeting

    # 24 h before falls outside someone's working hours whatever the weekday; 2.5 h before, both are reminded.
    output = tick(stack, meeting - timedelta(minutes=150))
    assert "one-on-one-meeting-reminders: 2" in output
    assert "one-on-one-meeting-reminders: 0" in tick(stack, meeting - timedelta(minutes=140))  # never twice
    for person in ("URAVI", "UMARIA"):
        reminders = [m for m in stack.slack.messages(dm(stack, person)) if "agenda so far" in text_of(m)]
        assert len(reminders) == 1, person
        assert all(point in text_of(reminders[0]) for point in ("Q4 hiring plan", "Promotion path", "Budget"))

    # In the meeting: the topic and Ravi's point are discussed; Maria's budget point is not.
    with stack.sessions() as session:
        points = {p.text: p.id for p in session.scalars(select(TalkingPoint))}
    for text in ("Q4 hiring plan", "Promotion path"):
        response = click(stack, "UMARIA", row.thread_channel, card(stack, row), OneOnOneAction.POINT_MENU,
                         block_id=f"1on1.point.{points[text]}", selected_option={"value": f"discussed:{points[text]}"})
        assert response.status == 200
        eventually(lambda text=text: f"~{text}~" in text_of(card(stack, row)) or None)

    output = tick(stack, meeting + timedelta(minutes=45))
    assert "one-on-one-follow-ups: 2" in output
    follow_up = eventually(lambda: next((m for m in stack.slack.messages(dm(stack, "URAVI"))
                                         if OneOnOneAction.MARK_DONE in action_ids(m)), None))
    assert "not marked discussed" in text_of(follow_up)
    click(stack, "URAVI", dm(stack, "URAVI"), follow_up, OneOnOneAction.MARK_DONE)
    eventually(lambda: one_on_ones(stack)[0].state == "done" or None)

    # The pair's next 1-on-1 carries the undiscussed talking point.
    nxt = stack.services.one_on_ones.scheduling.schedule(team_id=row.team_id, manager="UMARIA", report="URAVI",
                                                         day=(day + timedelta(days=28)).isoformat(), clock="10:00")
    with stack.sessions() as session:
        carried = session.scalars(select(TalkingPoint).where(TalkingPoint.one_on_one_id == nxt.id)).all()
    assert [(p.text, p.carried_count) for p in carried] == [("Budget for Q1", 1)]


def choose(stack: Stack, listing: dict[str, Any], kind: str, item_id: int, verb: str) -> None:
    """Ravi picks `verb` in the menu of one item of his Edit mine modal."""
    action = {"action_id": OneOnOneAction.MINE_MENU, "block_id": f"1on1.mine.{kind}.{item_id}",
              "selected_option": {"value": f"{verb}:{kind}:{item_id}"}}
    assert stack.send.action("T0001", "URAVI", [action], view=listing).status == 200


def test_edit_mine_deletes_a_note_and_edits_a_task_of_the_author(stack: Stack) -> None:
    """Ravi opens Edit mine: deleting his shared note removes it from the card; editing his task renames it."""
    from tests.e2e.one_on_ones.flow import request_and_accept

    one_on_one_id, group, ts = request_and_accept(stack)
    services = stack.services.one_on_ones.module
    note = services.add_note(team_id="T0001", one_on_one_id=one_on_one_id, actor="URAVI", text="NOTE-TO-GO",
                             private=False)
    task = services.add_task(team_id="T0001", one_on_one_id=one_on_one_id, actor="URAVI", text="Old task",
                             assignee="URAVI")
    stack.deliver()
    click(stack, "URAVI", group, stack.slack.message(group, ts), OneOnOneAction.EDIT_MINE)
    listing = modal(stack, "URAVI", OneOnOneModal.MINE)
    assert "NOTE-TO-GO" in text_of(listing) and "Old task" in text_of(listing)
    choose(stack, listing, "note", note.id, "delete")
    eventually(lambda: "NOTE-TO-GO" not in text_of(modal(stack, "URAVI", OneOnOneModal.MINE)) or None)
    eventually(lambda: "NOTE-TO-GO" not in text_of(stack.slack.message(group, ts)) or (stack.deliver() and None))
    choose(stack, modal(stack, "URAVI", OneOnOneModal.MINE), "task", task.id, "edit")
    assert submit(stack, "URAVI", modal(stack, "URAVI", OneOnOneModal.MINE_EDIT), {"task": "New task"}).status == 200
    eventually(lambda: "New task" in text_of(stack.slack.message(group, ts)) or (stack.deliver() and None))
