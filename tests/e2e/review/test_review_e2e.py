"""End to end: the quarter review through signed HTTP, the loopback Slack and `okrbot tick --at`.

`okrbot tick` sends Ravi's "Review your quarter" DM at 10:00 in Kolkata, once → Ravi reviews his objective in the
modal (a bad grade is a message on the field) and submits (twice: once) → asks Maria for the review 1-on-1 →
Maria accepts with a time: the review agenda is in the 1-on-1 (its talking point and the first reply of its thread)
→ Maria adds her grade from the agenda, which updates in place → Ravi carries the unmet objective into 2027-Q1
(a double click makes one) → Maria's look back and the CSV export.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.services.one_on_ones.rows import pair_key
from bot.views.okrs import checkin_field
from bot.views.review import ReviewAction, ReviewView
from storage.models import Objective
from storage.models_delivery import OutboundMessage
from storage.models_one_on_ones import OneOnOne
from tests.e2e.okrs.flow import create, okr
from tests.e2e.one_on_ones.flow import accept_at, request_dm
from tests.support.cli import cli_variables, invoke
from tests.support.reading import action_ids, dm, eventually, modal, rows, submit, text_of
from tests.support.stack import TEAM, Stack

BEFORE_WINDOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


def okrbot(stack: Stack, *args: str) -> str:
    result = invoke(cli_variables(stack.runtime, stack.slack), *args)
    assert result.exit_code == 0, result.output
    return result.output


def click_in(stack: Stack, user: str, view: dict[str, Any], action_id: str, value: str) -> None:
    """`user` clicks a button inside the modal `view`."""
    response = stack.send.action(TEAM, user, [{"action_id": action_id, "value": value}], view=view)
    assert response.status == 200


def click_message(stack: Stack, user: str, channel: str, message: dict[str, Any], action_id: str,
                  value: str) -> None:
    url = stack.slack.new_response_url(channel=channel, user=user, message_ts=message["ts"])
    response = stack.send.action(TEAM, user, [{"action_id": action_id, "value": value}], channel_id=channel,
                                 message=message, response_url=url)
    assert response.status == 200


def button_value(message: dict[str, Any], action_id: str, nth: int = 0) -> str:
    found = [e.get("value", "") for b in message.get("blocks") or []
             for e in [*(b.get("elements") or []), b.get("accessory") or {}]
             if isinstance(e, dict) and e.get("action_id") == action_id]
    return found[nth]


def test_the_quarter_review_from_prompt_to_carry_over(stack: Stack) -> None:
    stack.clock.travel_to(BEFORE_WINDOW)
    for report in ("URAVI", "ULENA"):
        stack.set_manager(report, "UMARIA")
    objective = create(stack, "URAVI", "Launch onboarding v2", (("Activation rate", 20, 40),))
    kr = objective.key_results[0]
    stack.services.okrs.check_in(team_id=TEAM, user_id="URAVI", objective_id=objective.id, batch_id="b1", values={
        checkin_field(kr.id, "value"): "26", checkin_field(kr.id, "status"): "auto",
        checkin_field(kr.id, "obstacles"): "Blocked on analytics", checkin_field(kr.id, "next_steps"): ""})
    create(stack, "ULENA", "Make billing boring")

    # The prompt: at Ravi's 10:00 in Kolkata on 18 December, once.
    assert "review-prompts: 0 review prompts" in okrbot(stack, "tick", "--at", "2026-12-18T04:00:00+00:00")
    assert "review-prompts: 1 review prompts" in okrbot(stack, "tick", "--at", "2026-12-18T04:45:00+00:00")
    assert "review-prompts: 0 review prompts" in okrbot(stack, "tick", "--at", "2026-12-18T05:45:00+00:00")
    prompts = [m for m in stack.slack.messages(dm(stack, "URAVI")) if ReviewAction.OPEN in action_ids(m)]
    assert len(prompts) == 1 and "Review your quarter" in text_of(prompts[0])
    assert not [m for m in stack.slack.messages(dm(stack, "ULENA")) if ReviewAction.OPEN in action_ids(m)]

    # The self-review.
    stack.clock.travel_to(datetime(2026, 12, 21, 9, 0, tzinfo=UTC))
    click_message(stack, "URAVI", dm(stack, "URAVI"), prompts[0], ReviewAction.OPEN, "2026-Q4")
    overview = modal(stack, "URAVI", ReviewView.OVERVIEW)
    assert "Launch onboarding v2" in text_of(overview) and "suggest *0.3*" in text_of(overview)
    click_in(stack, "URAVI", overview, ReviewAction.EDIT, button_value(overview, ReviewAction.EDIT))
    form = modal(stack, "URAVI", ReviewView.OBJECTIVE)
    assert "Blocked on analytics" in str(form)
    obstacle = form["blocks"][[b.get("block_id") for b in form["blocks"]].index("obstacles")]["element"]
    refused = submit(stack, "URAVI", form, {"grade": "1,5", "outcome": "not_met"})
    assert "0.0 and 1.0" in refused.json()["errors"]["grade"]
    submit(stack, "URAVI", form, {"grade": "0,3", "outcome": "not_met", "helped": "Pairing with Lena",
                                  "obstacles": [obstacle["options"][0]["value"]],
                                  "carry": "Finish the activation experiment"})
    overview = eventually(lambda: next((v for v in stack.slack.open_views("URAVI")
                                        if v["callback_id"] == ReviewView.OVERVIEW and "Your grade *0.3*" in
                                        text_of(v)), None))
    first = submit(stack, "URAVI", overview, {})
    assert first.status == 200
    overview = modal(stack, "URAVI", ReviewView.OVERVIEW)
    assert "Submitted" in text_of(overview) and ReviewAction.ASK in action_ids(overview)

    # The review request; a second click asks nothing more.
    click_in(stack, "URAVI", overview, ReviewAction.ASK, button_value(overview, ReviewAction.ASK))
    click_in(stack, "URAVI", overview, ReviewAction.ASK, button_value(overview, ReviewAction.ASK))
    request = request_dm(stack)
    assert "Quarter review 2026-Q4" in text_of(request)
    assert len(rows(stack, OneOnOne)) == 1
    accept_at(stack, request, day="2026-12-22")
    stack.deliver()
    [meeting] = rows(stack, OneOnOne)
    with stack.sessions() as session:
        agenda_row = eventually(lambda: session.scalar(select(OutboundMessage).where(
            OutboundMessage.dedupe_key.like("review:%:agenda"), OutboundMessage.status == "sent")
            .execution_options(populate_existing=True)))
        pair = session.scalar(select(OutboundMessage).where(OutboundMessage.dedupe_key == pair_key(meeting.id)))
        group = agenda_row.result["channel"]
        assert agenda_row.result["channel"] == pair.result["channel"]
    agenda = stack.slack.message(group, agenda_row.result["ts"])
    assert agenda["thread_ts"] == pair.result["ts"]  # the first reply of the 1-on-1's thread
    assert "Pairing with Lena" in text_of(agenda) and "Blocked on analytics" in text_of(agenda)

    # Someone else's review id: a clear message, nothing changes.
    part = button_value(agenda, ReviewAction.GRADE)
    click_message(stack, "ULENA", group, agenda, ReviewAction.GRADE, part)
    eventually(lambda: any("not yours" in text_of(e) for e in stack.slack.ephemerals("ULENA")
                           + stack.slack.messages(dm(stack, "ULENA"))) or None)

    # The manager's grade, from the agenda; the agenda updates in place.
    click_message(stack, "UMARIA", group, agenda, ReviewAction.GRADE, part)
    grade = modal(stack, "UMARIA", ReviewView.GRADE)
    assert "abc" not in str(grade)
    assert "0.0 and 1.0" in submit(stack, "UMARIA", grade, {"manager_grade": "abc"}).json()["errors"]["manager_grade"]
    submit(stack, "UMARIA", grade, {"manager_grade": "0.4", "manager_comment": "Analytics hurt us both"})
    stack.deliver()
    agenda = eventually(lambda: (m := stack.slack.message(group, agenda_row.result["ts"])) and
                        "maria: *0.4*" in text_of(m).lower() and m or None)
    assert "Analytics hurt us both" in text_of(agenda)

    # Carry-over, with a double click: one new objective in 2027-Q1 starting where the old one ended.
    carry = button_value(agenda, ReviewAction.CARRY)
    click_message(stack, "URAVI", group, agenda, ReviewAction.CARRY, carry)
    click_message(stack, "URAVI", group, agenda, ReviewAction.CARRY, carry)
    carried = eventually(lambda: [o for o in rows(stack, Objective) if o.quarter == "2027-Q1"] or None)
    stack.deliver()
    assert len([o for o in rows(stack, Objective) if o.quarter == "2027-Q1"]) == 1
    with stack.sessions() as session:
        new = session.get(Objective, carried[0].id)
        assert [(k.start_value, k.target_value) for k in new.key_results] == [(26, 40)]

    # The leader's look back, and the export.
    stack.clock.travel_to(datetime(2027, 1, 5, 9, 0, tzinfo=UTC))
    okr(stack, "UMARIA", "review team 2026-Q4")
    back = eventually(lambda: next((text_of(e) for e in stack.slack.ephemerals("UMARIA")
                                    if "Looking back at 2026-Q4" in text_of(e)), None))
    assert "1 not met" in back and "Blocked on analytics" in back and "<@ULENA>" in back
    exported = list(csv.DictReader(io.StringIO(okrbot(stack, "export", "reviews", "--quarter", "2026-Q4"))))
    assert {(r["owner_id"], r["outcome"], r["manager_grade"]) for r in exported} == {
        ("URAVI", "not_met", "0.4"), ("ULENA", "", "")}
