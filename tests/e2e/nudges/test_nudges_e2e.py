"""The mid-month nudge end to end: the scan writes DMs, the real sender delivers them to the loopback Slack
through the real WebClient, and people click the agenda's buttons with requests signed like Slack's."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.ids import SharedAction
from bot.scheduler import build_scheduler
from storage.models import CheckIn, KeyResult, Objective, Person
from storage.models_delivery import OutboundMessage
from storage.models_nudges import Nudge
from tests.support.reading import dms
from tests.support.stack import REPORTS_OF_MARIA, Stack, start_stack

MONDAY = datetime(2026, 12, 14, 12, tzinfo=UTC)
TUESDAY_10_BERLIN = datetime(2026, 12, 15, 9, tzinfo=UTC)


@pytest.fixture
def team(db_url: str) -> Iterator[Stack]:
    """The stack with Maria managing Ravi, Lena and Tom, and Ravi's OKR (one key result off track)."""
    stack = start_stack(db_url)
    try:
        stack.clock.travel_to(MONDAY)
        for report in REPORTS_OF_MARIA:
            stack.set_manager(report, "UMARIA")
        at = datetime(2026, 10, 1, tzinfo=UTC)
        with stack.sessions.begin() as session:
            objective = Objective(team_id=stack.team_id, owner_id="URAVI", quarter="2026-Q4",
                                  title="Grow the community", created_at=at, updated_at=at)
            session.add(objective)
            session.flush()
            kr = KeyResult(team_id=stack.team_id, objective_id=objective.id, title="Meetup attendees", start_value=0,
                           target_value=100, current_value=10, status="off_track", updated_at=at)
            session.add(kr)
            session.flush()
            session.add(CheckIn(team_id=stack.team_id, key_result_id=kr.id, author_id="URAVI", value=10,
                                status="off_track", obstacles="No venue yet", next_steps="Ask the office team",
                                created_at=datetime(2026, 12, 5, tzinfo=UTC)))
        yield stack
    finally:
        stack.close()


def nudge_now(stack: Stack, at: datetime = TUESDAY_10_BERLIN) -> object:
    """The scheduler's scan at `at`, then wait until the outbox is delivered."""
    stack.clock.travel_to(at)
    report = stack.services.nudges.scan()
    stack.deliver(30)
    return report


def test_manager_and_reports_get_their_dms_at_their_own_ten_oclock(team: Stack) -> None:
    """At 10:00 Berlin Maria gets her agendas and Ravi his prepare DM; Lena and Tom nothing yet."""
    nudge_now(team)
    [agendas] = dms(team, "UMARIA")
    text = json.dumps(agendas["blocks"], ensure_ascii=False)
    assert "1-on-1 agendas · December 2026" in text
    assert "Meetup attendees" in text and "No venue yet" in text and "Ask the office team" in text
    [prepare] = dms(team, "URAVI")
    buttons = {e["action_id"]: e.get("value") for b in prepare["blocks"] if b["type"] == "actions"
               for e in b["elements"]}
    assert buttons == {SharedAction.CHECK_IN.value: None, SharedAction.REQUEST_ONE_ON_ONE.value: "UMARIA"}
    assert dms(team, "ULENA") == [] and dms(team, "UTOM") == []


def test_each_recipient_is_nudged_once_across_scans(team: Stack) -> None:
    """Scans every few minutes through the day: each of the four people gets exactly one DM."""
    for hour in (9, 9.1, 12, 15, 15.1, 18, 23):
        nudge_now(team, TUESDAY_10_BERLIN.replace(hour=int(hour), minute=int(hour % 1 * 60)))
    posts = [c for c in team.slack.calls_to("chat.postMessage") if c.ok]
    assert Counter(c.args["channel"] for c in posts) == {"UMARIA": 1, "URAVI": 1, "ULENA": 1, "UTOM": 1}


def test_a_429_storm_delivers_everything_once(team: Stack) -> None:
    """Slack answers 429 (Retry-After: 1) five times in a row: every DM still arrives, none twice."""
    for n in range(6):
        team.slack.add_user(f"UX{n}", f"extra{n}", tz="Europe/Berlin")
        team.set_manager(f"UX{n}", "UPAT")
    team.slack.fail_next("chat.postMessage", times=5, status=429, retry_after=1)
    nudge_now(team)
    posts = team.slack.calls_to("chat.postMessage")
    assert sum(1 for c in posts if c.response.get("error") == "ratelimited") == 5
    delivered = Counter((c.args["channel"], c.args["text"]) for c in posts if c.ok)
    assert set(delivered.values()) == {1}
    with team.sessions() as session:
        rows = session.execute(select(OutboundMessage.dedupe_key, OutboundMessage.status)).all()
    assert len(delivered) == len(rows) == 2 + 6  # Maria, Ravi and the six in Berlin (Pat, in London, at 10:00 UTC)
    assert {status for _, status in rows} == {"sent"}


def test_skipped_reports_are_named_in_the_managers_dm(team: Stack) -> None:
    """Lena is away until New Year's Eve: Maria's DM says so, and Lena gets nothing all day."""
    with team.sessions.begin() as session:
        session.get(Person, (team.team_id, "ULENA")).away_until = date(2026, 12, 31)
    nudge_now(team)
    nudge_now(team, datetime(2026, 12, 15, 16, tzinfo=UTC))
    [agendas] = dms(team, "UMARIA")
    assert "<@ULENA>: away until Dec 31" in json.dumps(agendas["blocks"], ensure_ascii=False)
    assert dms(team, "ULENA") == []


def click(stack: Stack, user: str, message: dict, action_id: str, value: str) -> None:
    """`user` clicks a button of `message` in their DM with okrbot."""
    answer = stack.send.action(stack.team_id, user, [{"action_id": action_id, "value": value}],
                               channel_id=message["channel"], message=message)
    assert answer.status == 200


def ravis_buttons(message: dict) -> dict[str, str]:
    """Ravi's agenda buttons (action id → value) in Maria's DM."""
    with_ravi = [b for b in message["blocks"] if b["type"] == "actions"
                 and any(e.get("value") == "URAVI" for e in b["elements"])]
    return {e["action_id"]: e.get("value", "") for e in with_ravi[0]["elements"]}


def test_open_agenda_shows_the_full_agenda_in_a_modal(team: Stack) -> None:
    """Maria clicks Open agenda on Ravi's section: a modal with his whole agenda opens."""
    nudge_now(team)
    [message] = dms(team, "UMARIA")
    click(team, "UMARIA", message, "nudge.agenda.open", ravis_buttons(message)["nudge.agenda.open"])
    team.slack.wait_for("views.open")
    [view] = team.slack.open_views("UMARIA")
    assert view["callback_id"] == "nudge.agenda.modal"
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "ravi · December 2026" in text and "No venue yet" in text


def test_snooze_marks_the_message_and_the_agenda_returns_a_week_later(team: Stack) -> None:
    """Snooze a week: the buttons become 'Snoozed until …'; next Tuesday at 10:00 Berlin the agenda is back."""
    nudge_now(team)
    [message] = dms(team, "UMARIA")
    click(team, "UMARIA", message, "nudge.snooze", ravis_buttons(message)["nudge.snooze"])
    team.slack.wait_for("chat.update")
    updated = team.slack.message(message["channel"], message["ts"])
    assert "Snoozed until" in json.dumps(updated["blocks"], ensure_ascii=False)
    assert not any(e.get("value") == "URAVI" for b in updated["blocks"] if b["type"] == "actions"
                   for e in b["elements"])
    nudge_now(team, TUESDAY_10_BERLIN + timedelta(days=7))
    reminder = dms(team, "UMARIA")[-1]
    assert reminder["ts"] != message["ts"] and reminder["text"].startswith("Reminder")
    assert "Meetup attendees" in json.dumps(reminder["blocks"], ensure_ascii=False)


def test_a_double_clicked_snooze_snoozes_once(team: Stack) -> None:
    """Two clicks on Snooze a week: one snooze, one reminder a week later."""
    nudge_now(team)
    [message] = dms(team, "UMARIA")
    value = ravis_buttons(message)["nudge.snooze"]
    click(team, "UMARIA", message, "nudge.snooze", value)
    click(team, "UMARIA", message, "nudge.snooze", value)
    team.slack.wait_for("chat.update", count=2)
    nudge_now(team, TUESDAY_10_BERLIN + timedelta(days=7))
    nudge_now(team, TUESDAY_10_BERLIN + timedelta(days=7, minutes=5))
    reminders = [m for m in dms(team, "UMARIA") if m["text"].startswith("Reminder")]
    assert len(reminders) == 1


def test_someone_else_clicking_open_agenda_is_told_why_not(team: Stack) -> None:
    """Ravi, shown Maria's message, clicks Open agenda: he is told privately, and no modal opens."""
    nudge_now(team)
    [message] = dms(team, "UMARIA")
    click(team, "URAVI", message, "nudge.agenda.open", ravis_buttons(message)["nudge.agenda.open"])
    [told] = team.slack.wait_for("chat.postMessage", lambda c: c.args.get("channel") == "URAVI"
                                 and "does not report to you" in c.args.get("text", ""))
    assert told.ok and team.slack.calls_to("views.open") == []


def test_a_malformed_button_value_is_a_clear_message(team: Stack) -> None:
    """A forged Snooze value ('DROP TABLE') answers 'no longer available', no stack trace, nothing changes."""
    nudge_now(team)
    [message] = dms(team, "UMARIA")
    click(team, "UMARIA", message, "nudge.snooze", "DROP TABLE")
    team.slack.wait_for("chat.postMessage", lambda c: "no longer available" in c.args.get("text", ""))
    with team.sessions() as session:
        assert {n.status for n in session.scalars(select(Nudge))} == {"sent"}


def test_the_scheduler_runs_the_nudge_scan_every_five_minutes(team: Stack) -> None:
    """`okrbot scheduler` has a nudge-scan job every 5 minutes; running it nudges whoever is due."""
    team.clock.travel_to(TUESDAY_10_BERLIN)
    scheduler = build_scheduler(team.runtime, blocking=False)
    job = scheduler.get_job("nudge-scan")
    assert job.trigger.interval == timedelta(minutes=5)
    job.func()
    team.deliver(30)
    assert len(dms(team, "UMARIA")) == 1 and len(dms(team, "URAVI")) == 1
