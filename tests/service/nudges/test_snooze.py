"""Snooze a week: the pair's agenda comes back once, up to date, at the manager's nudge hour."""

from __future__ import annotations

import json

import pytest

from bot.services.core.errors import NotFound, UserFacingError
from tests.service.nudges.conftest import Env, utc

TUESDAY_10_BERLIN = utc(2026, 12, 15, 9)
NEXT_TUESDAY_10_BERLIN = utc(2026, 12, 22, 9)


def ravis_nudge(env: Env) -> int:
    """The id of Maria and Ravi's December nudge (after the scan at 10:00 Berlin)."""
    env.scan(TUESDAY_10_BERLIN)
    return next(n.id for n in env.nudge_rows() if n.report_id == "URAVI")


def test_snooze_comes_back_a_week_later_at_ten_berlin(env: Env) -> None:
    """Snoozed on Tuesday afternoon: the agenda is due again next Tuesday at 10:00 in Berlin."""
    nudge_id = ravis_nudge(env)
    env.clock.travel_to(utc(2026, 12, 15, 14))
    snoozed = env.nudges.snooze(team_id=env.team, nudge_id=str(nudge_id), actor="UMARIA")
    assert snoozed.until == NEXT_TUESDAY_10_BERLIN and not snoozed.already
    assert snoozed.block_id == f"nudge.actions.{nudge_id}"


def test_the_reminder_is_sent_once_when_the_snooze_ends(env: Env) -> None:
    """Before next Tuesday nothing; at 10:00 Berlin one reminder with Ravi's agenda; later scans add nothing."""
    nudge_id = ravis_nudge(env)
    env.nudges.snooze(team_id=env.team, nudge_id=nudge_id, actor="UMARIA")
    before = env.queued()
    env.scan(utc(2026, 12, 22, 8, 55))
    assert env.queued() == before
    report = env.scan(NEXT_TUESDAY_10_BERLIN)
    [reminder] = [r for r in env.outbox() if ":reminder:" in r.dedupe_key]
    assert reminder.dedupe_key == "nudge:2026-12:UMARIA:URAVI:reminder:20261222T0900"
    assert reminder.channel_key == "UMARIA" and "Reminder" in reminder.payload["text"]
    assert f"nudge.actions.{nudge_id}" in json.dumps(reminder.payload["blocks"])
    assert [m.kind for m in report.messages] == ["reminder"]
    env.scan(utc(2026, 12, 22, 9, 5))
    assert len([k for k in env.queued() if ":reminder:" in k]) == 1


def test_snoozing_the_reminder_again_brings_it_back_once_more(env: Env) -> None:
    """The reminder has a Snooze button too: a second snooze gives a second reminder a week later."""
    nudge_id = ravis_nudge(env)
    env.nudges.snooze(team_id=env.team, nudge_id=nudge_id, actor="UMARIA")
    env.scan(NEXT_TUESDAY_10_BERLIN)
    env.nudges.snooze(team_id=env.team, nudge_id=nudge_id, actor="UMARIA")
    env.scan(utc(2026, 12, 29, 9))
    assert len([k for k in env.queued() if ":reminder:" in k]) == 2


def test_a_double_click_snoozes_once(env: Env) -> None:
    """The second click finds the agenda already snoozed and changes nothing."""
    nudge_id = ravis_nudge(env)
    first = env.nudges.snooze(team_id=env.team, nudge_id=nudge_id, actor="UMARIA")
    env.clock.advance(minutes=1)
    second = env.nudges.snooze(team_id=env.team, nudge_id=nudge_id, actor="UMARIA")
    assert second.already and second.until == first.until


def test_only_the_manager_can_snooze(env: Env) -> None:
    """Ravi clicking Maria's button is told who can."""
    nudge_id = ravis_nudge(env)
    with pytest.raises(UserFacingError, match="Only <@UMARIA> can snooze"):
        env.nudges.snooze(team_id=env.team, nudge_id=nudge_id, actor="URAVI")


def test_a_nudge_of_another_workspace_cannot_be_snoozed(env: Env) -> None:
    """The same id clicked from another team is unknown there."""
    nudge_id = ravis_nudge(env)
    with pytest.raises(NotFound):
        env.nudges.snooze(team_id="T0OTHER", nudge_id=nudge_id, actor="UMARIA")


def test_a_skipped_pair_has_nothing_to_snooze(env: Env) -> None:
    """A pair skipped this month (1-on-1 done) cannot be snoozed."""
    env.one_on_one("UMARIA", "URAVI", done_at=utc(2026, 12, 2))
    nudge_id = ravis_nudge(env)
    with pytest.raises(UserFacingError, match="no agenda to snooze"):
        env.nudges.snooze(team_id=env.team, nudge_id=nudge_id, actor="UMARIA")


def test_no_reminder_when_the_report_moved_to_another_manager(env: Env) -> None:
    """Ravi reports to Pat by the time the snooze ends: Maria gets no reminder about him."""
    nudge_id = ravis_nudge(env)
    env.nudges.snooze(team_id=env.team, nudge_id=nudge_id, actor="UMARIA")
    env.services.people.set_manager(env.team, "URAVI", "UPAT")
    env.scan(NEXT_TUESDAY_10_BERLIN)
    assert not [k for k in env.queued() if ":reminder:" in k]
