"""`okrbot import okrs`: whole-file validation with line and column, nothing written on error, idempotent upsert."""

from __future__ import annotations

import pytest

from bot.services.imports.service import ImportFailed
from storage.models import Objective, Person
from storage.models_delivery import OutboundMessage
from tests.service.okrs.conftest import Env

HEADER = "owner,quarter,objective,key_result,start,target,current,unit,status\n"
GOOD = HEADER + """ravi@example.com,2026-Q4,Delight our first customers,Weekly active teams,0,40,12,teams,
ravi@example.com,2026-Q4,Delight our first customers,NPS,10,50,30,,on_track
ULENA,Q4 2026,Ship the mobile app,Crash-free sessions,90,99.5,97,%,Off track
"""


def krs(env: Env) -> list[tuple]:
    """(objective, key result, start, target, current, unit, status) of everything stored."""
    titles = {o.id: o.title for o in env.objectives()}
    return [(titles[k.objective_id], k.title, k.start_value, k.target_value, k.current_value, k.unit, k.status)
            for k in env.key_results()]


def problems(env: Env, text: str) -> list[str]:
    """The problems an import reports (it must fail)."""
    with pytest.raises(ImportFailed) as failed:
        env.imports.okrs(team_id=env.team, text=text)
    return [str(p) for p in failed.value.problems]


def test_objectives_and_key_results_are_imported(env: Env) -> None:
    """Owners by email or id, quarters normalised, numbers, units and statuses stored."""
    report = env.imports.okrs(team_id=env.team, text=GOOD)
    assert report.counts == {"objectives created": 2, "objectives updated": 0, "objectives unchanged": 0,
                             "key results created": 3, "key results updated": 0, "key results unchanged": 0}
    assert krs(env) == [
        ("Delight our first customers", "Weekly active teams", 0, 40, 12, "teams", None),
        ("Delight our first customers", "NPS", 10, 50, 30, "", "on_track"),
        ("Ship the mobile app", "Crash-free sessions", 90, 99.5, 97, "%", "off_track")]
    assert sorted((o.owner_id, o.quarter) for o in env.objectives()) == [("ULENA", "2026-Q4"), ("URAVI", "2026-Q4")]


def test_owners_become_known_people(env: Env) -> None:
    """An owner okrbot did not know is stored with their Slack name and timezone."""
    env.imports.okrs(team_id=env.team, text=GOOD)
    assert {p.user_id: p.tz for p in env.rows(Person)} == {"URAVI": "Asia/Kolkata", "ULENA": "America/New_York"}


def test_each_new_objective_gets_its_message(env: Env) -> None:
    """Imported objectives are posted like new ones; --no-messages posts nothing."""
    env.imports.okrs(team_id=env.team, text=GOOD)
    ids = sorted(o.id for o in env.objectives())
    assert sorted(env.queued()) == sorted(f"okr:{i}:message" for i in ids)


def test_no_messages_posts_nothing(env: Env) -> None:
    """post_messages=False (the CLI's --no-messages) queues no Slack message."""
    env.imports.okrs(team_id=env.team, text=GOOD, post_messages=False)
    assert env.queued() == [] and len(env.objectives()) == 2


def test_reimporting_the_same_file_changes_nothing(env: Env) -> None:
    """Second run: everything unchanged, no new rows, no new Slack message."""
    env.imports.okrs(team_id=env.team, text=GOOD)
    before = (krs(env), [(o.id, o.updated_at) for o in env.objectives()], env.queued())
    report = env.imports.okrs(team_id=env.team, text=GOOD)
    assert report.counts == {"objectives created": 0, "objectives updated": 0, "objectives unchanged": 2,
                             "key results created": 0, "key results updated": 0, "key results unchanged": 3}
    assert (krs(env), [(o.id, o.updated_at) for o in env.objectives()], env.queued()) == before


def test_changed_values_update_the_key_result_and_its_message(env: Env) -> None:
    """A new current value is an update, and the objective's message is updated in place."""
    env.imports.okrs(team_id=env.team, text=GOOD)
    changed = GOOD.replace("Weekly active teams,0,40,12", "Weekly active teams,0,40,20")
    report = env.imports.okrs(team_id=env.team, text=changed)
    assert report.counts["key results updated"] == 1 and report.counts["objectives updated"] == 1
    assert krs(env)[0][4] == 20
    ravi = next(o for o in env.objectives() if o.owner_id == "URAVI")
    [update] = [k for k in env.queued() if k.startswith(f"okr:{ravi.id}:update:")]
    assert env.imports.okrs(team_id=env.team, text=changed).counts["key results unchanged"] == 3
    assert [k for k in env.queued() if k.startswith(f"okr:{ravi.id}:update:")] == [update]


def test_a_new_key_result_joins_its_stored_objective(env: Env) -> None:
    """Rows naming an existing objective add key results to it, after the stored ones."""
    env.imports.okrs(team_id=env.team, text=GOOD)
    more = HEADER + "URAVI,2026-Q4,Delight our first customers,Churn,10,2,,%,\n"
    env.imports.okrs(team_id=env.team, text=more)
    ravi = [k for k in env.key_results() if k.title in ("Weekly active teams", "NPS", "Churn")]
    assert [(k.title, k.position, k.current_value) for k in ravi] == [
        ("Weekly active teams", 0, 12), ("NPS", 1, 30), ("Churn", 2, 10)]


def test_dry_run_writes_nothing(env: Env) -> None:
    """--dry-run counts what it would do and leaves no row and no message behind."""
    report = env.imports.okrs(team_id=env.team, text=GOOD, dry_run=True)
    assert report.dry_run and report.counts["key results created"] == 3
    assert env.objectives() == [] and env.rows(OutboundMessage) == [] and env.rows(Person) == []


def row(**cells: str) -> str:
    """One data row with defaults for every column."""
    values = {"owner": "URAVI", "quarter": "2026-Q4", "objective": "Grow", "key_result": "Users", "start": "0",
              "target": "10", "current": "", "unit": "", "status": ""} | cells
    return ",".join(values.values()) + "\n"


@pytest.mark.parametrize(("cells", "expected"), [
    ({"owner": "nobody@example.com"}, "line 2, column owner: no Slack user has the email nobody@example.com"),
    ({"owner": "UROBOT"}, "line 2, column owner: UROBOT is a bot, not a person (the owner must be a person)"),
    ({"owner": ""}, "line 2, column owner: empty: every row needs an owner (Slack id or email)"),
    ({"quarter": "2026-Q5"}, "line 2, column quarter: '2026-Q5' is not a quarter such as 2026-Q4"),
    ({"quarter": "autumn"}, "line 2, column quarter: 'autumn' is not a quarter such as 2026-Q4"),
    ({"objective": " "}, "line 2, column objective: empty: a title is required"),
    ({"key_result": ""}, "line 2, column key_result: empty: a title is required"),
    ({"key_result": "k" * 501}, "line 2, column key_result: longer than 500 characters"),
    ({"start": "zero"}, "line 2, column start: 'zero' is not a number"),
    ({"target": ""}, "line 2, column target: empty: a number is required"),
    ({"target": "1e999"}, "line 2, column target: '1e999' is not a number"),
    ({"current": "12 users"}, "line 2, column current: '12 users' is not a number"),
    ({"unit": "u" * 33}, "line 2, column unit: longer than 32 characters"),
    ({"status": "great"}, "line 2, column status: 'great' is not a status; use ahead, on_track, off_track or leave "
                          "it blank"),
])
def test_each_problem_names_its_line_and_column(env: Env, cells: dict, expected: str) -> None:
    """Every kind of bad cell is reported where it is, and nothing is written."""
    assert problems(env, HEADER + row(**cells)) == [expected]
    assert env.objectives() == [] and env.rows(Person) == []


def test_duplicate_rows_are_refused(env: Env) -> None:
    """Same owner, quarter, objective and key result twice."""
    assert problems(env, HEADER + row() + row(owner="ravi@example.com", current="3")) == [
        "line 3, column key_result: duplicate of line 2 (same owner, quarter, objective and key result)"]


def test_more_than_five_key_results_are_refused(env: Env) -> None:
    """An objective has at most five key results (stored ones count too)."""
    env.imports.okrs(team_id=env.team, text=HEADER + "".join(row(key_result=f"KR {n}") for n in range(1, 5)))
    text = HEADER + row(key_result="KR 1", current="1") + row(key_result="KR 5") + row(key_result="KR 6")
    assert problems(env, text) == [
        "line 4, column key_result: objective 'Grow' would have more than 5 key results"]


def test_header_problems_are_reported_on_line_one(env: Env) -> None:
    """A missing required column stops before any row is read."""
    assert problems(env, "owner,quarter,objective,start,target\nURAVI,2026-Q4,Grow,0,1\n") == [
        "line 1: missing column(s) key_result; the header must be "
        "owner,quarter,objective,key_result,target,start,current,unit,status"]


def test_all_problems_are_reported_and_nothing_is_written(env: Env) -> None:
    """Several bad rows among good ones: all listed in line order, nothing stored, nothing posted."""
    text = HEADER + row() + row(key_result="B", target="x") + row(key_result="C") + row(key_result="D", owner="UGONE")
    assert [p.split(":")[0] for p in problems(env, text)] == ["line 3, column target", "line 5, column owner"]
    assert env.objectives() == [] and env.rows(OutboundMessage) == []


def test_the_same_owner_is_resolved_once(env: Env) -> None:
    """Forty rows of one owner by email: one users.lookupByEmail."""
    text = HEADER + "".join(row(owner="lena@example.com", objective=f"O{n // 5}", key_result=f"K{n}")
                            for n in range(40))
    env.imports.okrs(team_id=env.team, text=text)
    assert len(env.slack.calls_to("users.lookupByEmail")) == 1
    assert len(env.objectives()) == 8


def test_objectives_of_another_workspace_are_untouched(env: Env) -> None:
    """Importing into one team never matches another team's objective with the same natural key."""
    env.imports.okrs(team_id=env.team, text=GOOD, post_messages=False)
    with env.sessions.begin() as session:
        session.add(Objective(team_id="T0THER", owner_id="URAVI", quarter="2026-Q4",
                              title="Delight our first customers", created_at=env.clock(), updated_at=env.clock()))
    report = env.imports.okrs(team_id=env.team, text=GOOD, post_messages=False)
    assert report.counts["objectives unchanged"] == 2
