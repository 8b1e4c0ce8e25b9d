"""The nudge scan: who is due when, exactly once per pair and period, skips, catch-up and missed nudges."""

from __future__ import annotations

import json
import logging
from datetime import date

import pytest

from tests.service.nudges.conftest import Env, utc

TUESDAY_10_BERLIN = utc(2026, 12, 15, 9)  # also 14:30 in Kolkata; 04:00 in New York; 01:00 in Los Angeles
TUESDAY_10_NEW_YORK = utc(2026, 12, 15, 15)
TUESDAY_10_LOS_ANGELES = utc(2026, 12, 15, 18)


def test_nothing_is_due_before_the_nudge_day(env: Env) -> None:
    """On Monday 14 December nobody is nudged."""
    report = env.scan()
    assert report.messages == [] and env.queued() == []


def test_each_recipient_is_nudged_at_their_own_ten_oclock(env: Env) -> None:
    """At 10:00 Berlin Maria gets her agendas and Ravi (Kolkata, past 10:00) his prepare DM; Lena and Tom later."""
    env.scan(TUESDAY_10_BERLIN)
    assert env.queued() == ["nudge:2026-12:UMARIA:URAVI:prepare", "nudge:2026-12:UMARIA:summary"]
    env.scan(TUESDAY_10_NEW_YORK)
    env.scan(TUESDAY_10_LOS_ANGELES)
    assert env.queued()[2:] == ["nudge:2026-12:UMARIA:ULENA:prepare", "nudge:2026-12:UMARIA:UTOM:prepare"]


def test_the_managers_dm_has_one_agenda_per_report(env: Env) -> None:
    """Maria's DM has the three agendas, each with its own buttons."""
    env.scan(TUESDAY_10_BERLIN)
    [row] = [r for r in env.outbox() if r.dedupe_key.endswith(":summary")]
    ids = [b["block_id"] for b in row.payload["blocks"] if b["type"] == "actions"]
    nudges = {n.report_id: n.id for n in env.nudge_rows()}
    assert row.channel_key == "UMARIA"
    assert sorted(ids) == sorted(f"nudge.actions.{nudges[r]}" for r in ("ULENA", "URAVI", "UTOM"))


def test_a_second_scan_nudges_nobody_again(env: Env) -> None:
    """Scanning again at the same time (or five minutes later) writes nothing new."""
    env.scan(TUESDAY_10_BERLIN)
    before = env.queued()
    again = env.scan(utc(2026, 12, 15, 9, 5))
    assert again.messages == [] and env.queued() == before
    assert len(env.nudge_rows()) == 3


def test_a_restarted_process_nudges_nobody_again(env: Env) -> None:
    """A new NudgeService (a restarted scheduler) finds every pair done."""
    from bot.services.nudges.service import NudgeService

    env.scan(TUESDAY_10_BERLIN)
    before = env.queued()
    fresh = NudgeService(env.services.ctx, people=env.services.people)
    assert fresh.scan().messages == []
    assert env.queued() == before


def test_a_pair_with_a_done_one_on_one_this_month_is_skipped_and_reported(env: Env) -> None:
    """Lena had her 1-on-1 on 3 December: no agenda, no prepare DM, and Maria's DM says why."""
    env.one_on_one("UMARIA", "ULENA", done_at=utc(2026, 12, 3, 15))
    report = env.scan(TUESDAY_10_BERLIN)
    env.scan(TUESDAY_10_NEW_YORK)
    [summary] = [r for r in env.outbox() if r.dedupe_key.endswith(":summary")]
    text = json.dumps(summary.payload["blocks"])
    assert "<@ULENA>: 1-on-1 already done on Dec 3" in text
    assert "nudge:2026-12:UMARIA:ULENA:prepare" not in env.queued()
    assert [(o.report_id, o.outcome, o.detail) for o in report.outcomes] == [("ULENA", "done", "2026-12-03")]


def test_a_one_on_one_done_last_month_does_not_skip(env: Env) -> None:
    """A 1-on-1 done on 30 November does not count for December."""
    env.one_on_one("UMARIA", "URAVI", done_at=utc(2026, 11, 30, 12))
    env.scan(TUESDAY_10_BERLIN)
    assert "nudge:2026-12:UMARIA:URAVI:prepare" in env.queued()


def test_an_away_report_is_skipped_and_reported(env: Env) -> None:
    """Ravi is away until 20 December: no prepare DM, and Maria reads 'away until Dec 20'."""
    env.set_person("URAVI", away_until=date(2026, 12, 20))
    env.scan(TUESDAY_10_BERLIN)
    [summary] = [r for r in env.outbox() if r.dedupe_key.endswith(":summary")]
    assert "<@URAVI>: away until Dec 20" in json.dumps(summary.payload["blocks"])
    assert "nudge:2026-12:UMARIA:URAVI:prepare" not in env.queued()


def test_an_away_that_ended_before_the_nudge_day_does_not_skip(env: Env) -> None:
    """Away until 14 December (the day before the nudge): Ravi is nudged."""
    env.set_person("URAVI", away_until=date(2026, 12, 14))
    env.scan(TUESDAY_10_BERLIN)
    assert "nudge:2026-12:UMARIA:URAVI:prepare" in env.queued()


def test_an_away_manager_gets_nothing_and_nor_do_their_reports(env: Env) -> None:
    """Maria is away on the nudge day: no DM to her, none to her reports; each pair is recorded as skipped."""
    env.set_person("UMARIA", away_until=date(2026, 12, 31))
    report = env.scan(TUESDAY_10_BERLIN)
    env.scan(TUESDAY_10_LOS_ANGELES)
    assert env.queued() == []
    assert {n.status + "/" + n.reason for n in env.nudge_rows()} == {"skipped/manager_away"}
    assert {o.outcome for o in report.outcomes} == {"manager_away"}


def test_all_reports_skipped_still_tells_the_manager(env: Env) -> None:
    """When every pair is skipped the manager still gets one DM listing who and why."""
    for report in ("URAVI", "ULENA", "UTOM"):
        env.one_on_one("UMARIA", report, done_at=utc(2026, 12, 2, 10))
    env.scan(TUESDAY_10_BERLIN)
    [row] = env.outbox()
    assert row.dedupe_key == "nudge:2026-12:UMARIA:summary"
    assert json.dumps(row.payload["blocks"]).count("1-on-1 already done on Dec 2") == 3


def test_scheduler_down_at_nudge_time_catches_up_the_next_day(env: Env) -> None:
    """The scheduler is back on Wednesday afternoon: everyone is nudged then."""
    env.scan(utc(2026, 12, 16, 14))
    assert sorted(env.queued()) == sorted([
        "nudge:2026-12:UMARIA:summary", "nudge:2026-12:UMARIA:URAVI:prepare", "nudge:2026-12:UMARIA:ULENA:prepare",
        "nudge:2026-12:UMARIA:UTOM:prepare"])


def test_a_nudge_older_than_the_catch_up_window_is_logged_not_sent(env: Env,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """Back on Thursday 17th (after the next business day): nothing is sent, the pairs are 'missed' and logged."""
    with caplog.at_level(logging.WARNING, logger="okrbot.nudges"):
        report = env.scan(utc(2026, 12, 17, 12))
    assert env.queued() == []
    assert {n.status for n in env.nudge_rows()} == {"missed"}
    assert len([o for o in report.outcomes if o.outcome == "missed"]) == 3
    assert "3 nudges of 2026-12 in T0001 were missed" in caplog.text


def test_missed_nudges_are_logged_once(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    """A second scan after the missed window logs nothing more."""
    with caplog.at_level(logging.WARNING, logger="okrbot.nudges"):
        env.scan(utc(2026, 12, 17, 12))
        assert "were missed" in caplog.text
        caplog.clear()
        env.scan(utc(2026, 12, 17, 12, 5))
    assert "missed" not in caplog.text


def test_a_window_that_ended_before_the_install_is_not_missed(env: Env) -> None:
    """November's window ended before okrbot was installed on 1 December: nothing is recorded as missed."""
    report = env.scan()
    assert env.nudge_rows() == [] and report.outcomes == []


def test_a_window_that_ended_after_the_install_is_missed(env: Env) -> None:
    """Installed on 1 November but first scanning on 1 December: November's nudges are recorded as missed."""
    from sqlalchemy import update

    from storage.models import Workspace

    with env.sessions.begin() as session:
        session.execute(update(Workspace).values(installed_at=utc(2026, 11, 1)))
    env.scan(utc(2026, 12, 1, 12))
    assert {(n.period, n.status) for n in env.nudge_rows()} == {("2026-11", "missed")}
    env.scan(utc(2026, 12, 1, 12, 5))
    assert len(env.nudge_rows()) == 3


def test_the_catch_up_misses_only_the_late_recipient(env: Env) -> None:
    """Up for Maria's 10:00 only, then down until Thursday: the reports west of her are reported missed."""
    from bot.services.nudges.service import NudgeService

    env.scan(TUESDAY_10_BERLIN)
    env.clock.travel_to(utc(2026, 12, 18, 12))
    report = NudgeService(env.services.ctx, people=env.services.people).scan()  # the restarted scheduler
    assert sorted((o.report_id, o.outcome) for o in report.outcomes) == [
        ("ULENA", "missed (report)"), ("UTOM", "missed (report)")]
    assert env.queued() == ["nudge:2026-12:UMARIA:URAVI:prepare", "nudge:2026-12:UMARIA:summary"]


def test_a_report_added_after_the_managers_dm_gets_its_own_message(env: Env) -> None:
    """Pat joins Maria's team after her DM went out: Maria gets Pat's agenda in a second DM, not a lost one."""
    env.scan(TUESDAY_10_BERLIN)
    env.services.people.set_manager(env.team, "UPAT", "UMARIA")
    env.scan(utc(2026, 12, 15, 9, 10))
    assert "nudge:2026-12:UMARIA:UPAT:late" in env.queued()
    [late] = [r for r in env.outbox() if r.dedupe_key.endswith(":late")]
    assert "<@UPAT>" in json.dumps(late.payload["blocks"])


def test_deactivated_people_and_bots_are_never_nudged(env: Env) -> None:
    """Tom is deactivated: no pair, no DM."""
    env.set_person("UTOM", is_active=False)
    env.scan(TUESDAY_10_BERLIN)
    env.scan(TUESDAY_10_LOS_ANGELES)
    assert {n.report_id for n in env.nudge_rows()} == {"URAVI", "ULENA"}


def test_an_uninstalled_workspace_is_not_nudged(env: Env) -> None:
    """After app_uninstalled, the team's pairs are left alone."""
    env.services.workspaces.uninstalled(team_id=env.team)
    env.scan(TUESDAY_10_BERLIN)
    assert env.nudge_rows() == [] and env.queued() == []


def test_dry_run_writes_nothing_and_says_who_would_get_what(env: Env) -> None:
    """A dry run lists Maria's agendas and Ravi's prepare DM, and stores no Nudge and no outbox row."""
    env.one_on_one("UMARIA", "ULENA", done_at=utc(2026, 12, 3, 15))
    report = env.scan(TUESDAY_10_BERLIN, dry_run=True)
    assert sorted((m.channel, m.kind) for m in report.messages) == [("UMARIA", "agendas"), ("URAVI", "prepare")]
    assert [(o.report_id, o.outcome) for o in report.outcomes] == [("ULENA", "done")]
    assert env.nudge_rows() == [] and env.queued() == []


def test_a_stale_timezone_is_refreshed_from_slack_before_the_nudge(env: Env) -> None:
    """Tom moved to Asia/Tokyo in Slack; his cached zone is old, so the scan asks Slack and nudges him at 10:00 JST."""
    env.slack.add_user("UTOM", "tom", real_name="Tom", email="tom@example.com", tz="Asia/Tokyo")
    env.set_person("UTOM", synced_at=utc(2026, 11, 1))
    env.scan(utc(2026, 12, 15, 1, 5))  # 10:05 in Tokyo, 17:05 the day before in Los Angeles
    assert "nudge:2026-12:UMARIA:UTOM:prepare" in env.queued()
