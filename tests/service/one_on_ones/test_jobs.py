"""The request reminder (business days, under freezegun) and the exports (never a private note)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from freezegun import freeze_time

from tests.service.one_on_ones.conftest import Env


def frozen_request(env: Env, frozen: object, at: str, requester: str = "URAVI") -> int:
    """A request made at `at` (UTC) under freezegun, the env clock following the frozen time."""
    frozen.move_to(at)  # type: ignore[attr-defined]
    env.clock.travel_to(datetime.now(UTC))
    return env.one_on_ones.requests.request(team_id=env.team, requester=requester, manager_id="UMARIA", topic="x").id


def remind_at(env: Env, frozen: object, at: str) -> int:
    frozen.move_to(at)  # type: ignore[attr-defined]
    env.clock.travel_to(datetime.now(UTC))
    return env.one_on_ones.reminders.send_reminders()


def test_a_monday_request_reminds_on_thursday_at_the_same_time(env: Env) -> None:
    """Requested Monday 10:00 Berlin: nothing Thursday 09:59, one reminder at 10:00, never a second."""
    with freeze_time("2026-11-16 09:00:00") as frozen:
        one_on_one = frozen_request(env, frozen, "2026-11-16 09:00:00")
        assert remind_at(env, frozen, "2026-11-19 08:59:00") == 0
        assert remind_at(env, frozen, "2026-11-19 09:00:00") == 1
        assert remind_at(env, frozen, "2026-11-23 09:00:00") == 0
    assert env.queued().count(f"1on1:{one_on_one}:reminder") == 1


def test_weekends_do_not_count(env: Env) -> None:
    """Requested Friday: Saturday and Sunday do not count, the reminder comes Wednesday."""
    with freeze_time("2026-11-20 09:00:00") as frozen:
        frozen_request(env, frozen, "2026-11-20 09:00:00")
        assert remind_at(env, frozen, "2026-11-24 23:00:00") == 0
        assert remind_at(env, frozen, "2026-11-25 09:00:00") == 1


def test_a_weekend_request_counts_from_monday(env: Env) -> None:
    """Requested Saturday: three business days end Thursday 00:00 in Berlin."""
    with freeze_time("2026-11-21 12:00:00") as frozen:
        frozen_request(env, frozen, "2026-11-21 12:00:00")
        assert remind_at(env, frozen, "2026-11-25 22:59:00") == 0
        assert remind_at(env, frozen, "2026-11-25 23:00:00") == 1


def test_the_reminder_days_setting_is_honoured(env: Env) -> None:
    """With OKRBOT_REQUEST_REMINDER_DAYS=1 a Monday request reminds on Tuesday."""
    env.runtime.services.ctx.settings.request_reminder_days = 1
    with freeze_time("2026-11-16 09:00:00") as frozen:
        frozen_request(env, frozen, "2026-11-16 09:00:00")
        assert remind_at(env, frozen, "2026-11-17 09:00:00") == 1


def test_an_answered_request_is_never_reminded(env: Env) -> None:
    """Once accepted, the request is not reminded, however long it waits."""
    with freeze_time("2026-11-16 09:00:00") as frozen:
        one_on_one = frozen_request(env, frozen, "2026-11-16 09:00:00")
        env.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=one_on_one, actor="UMARIA")
        assert remind_at(env, frozen, "2026-12-16 09:00:00") == 0


def test_answering_after_the_reminder_updates_it_too(env: Env) -> None:
    """Declining a reminded request updates the request DM and the reminder in place."""
    with freeze_time("2026-11-16 09:00:00") as frozen:
        one_on_one = frozen_request(env, frozen, "2026-11-16 09:00:00")
        remind_at(env, frozen, "2026-11-19 09:00:00")
        env.one_on_ones.requests.decline(team_id=env.team, one_on_one_id=one_on_one, actor="UMARIA")
    assert {f"1on1:{one_on_one}:request:declined", f"1on1:{one_on_one}:reminder:declined"} <= set(env.queued())


def test_export_lists_one_on_ones_with_shared_notes_only(env: Env) -> None:
    """The export has the shared note (with its author's name), never a private note's text."""
    view = env.one_on_ones.requests.request(team_id=env.team, requester="URAVI", manager_id="UMARIA", topic="Hiring")
    env.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=view.id, actor="UMARIA")
    env.one_on_ones.module.add_note(team_id=env.team, one_on_one_id=view.id, actor="UMARIA", text="Shared one",
                                    private=False)
    env.one_on_ones.module.add_note(team_id=env.team, one_on_one_id=view.id, actor="URAVI", text="SECRET", private=True)
    [row] = env.one_on_ones.exports.export()
    assert row["shared_notes"] == "maria: Shared one" and "SECRET" not in repr(row)
    assert (row["requester_name"], row["manager_name"], row["state"]) == ("ravi", "maria", "accepted")


def test_export_since_filters_by_request_date(env: Env) -> None:
    """--since keeps 1-on-1s requested that day or later."""
    env.one_on_ones.requests.request(team_id=env.team, requester="URAVI", manager_id="UMARIA", topic="x")
    assert len(env.one_on_ones.exports.export(since=date(2026, 11, 16))) == 1
    assert env.one_on_ones.exports.export(since=date(2026, 11, 17)) == []


def test_export_tasks_lists_tasks_with_their_pair(env: Env) -> None:
    """Each task is a flat row with assignee name, pair and carry count."""
    view = env.one_on_ones.requests.request(team_id=env.team, requester="URAVI", manager_id="UMARIA", topic="x")
    env.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=view.id, actor="UMARIA")
    env.one_on_ones.module.add_task(team_id=env.team, one_on_one_id=view.id, actor="UMARIA", text="Draft",
                                    assignee="URAVI", due="2026-11-30")
    [row] = env.one_on_ones.exports.export_tasks()
    assert (row["text"], row["assignee_name"], row["manager"], row["due_on"], row["done"]) == \
        ("Draft", "ravi", "UMARIA", date(2026, 11, 30), False)
