"""`okrbot import people`: whole-file validation with line and column, nothing written on error, idempotent."""

from __future__ import annotations

import pytest

from bot.services.imports.service import ImportFailed
from storage.models import Person
from tests.service.okrs.conftest import Env

GOOD = """user,manager,timezone
ravi@example.com,maria@example.com,
ULENA,UMARIA,Europe/Paris
tom@example.com,UMARIA,
UMARIA,,
"""


def people(env: Env) -> dict[str, tuple[str | None, str | None]]:
    """user → (manager, tz) of every stored person."""
    return {p.user_id: (p.manager_id, p.tz) for p in env.rows(Person)}


def problems(env: Env, text: str) -> list[str]:
    """The problems an import reports (it must fail)."""
    with pytest.raises(ImportFailed) as failed:
        env.imports.people(team_id=env.team, text=text)
    return [str(p) for p in failed.value.problems]


def test_people_and_managers_are_imported(env: Env) -> None:
    """Ids and emails are resolved; reporting lines, names and Slack timezones stored; the CSV tz overrides."""
    report = env.imports.people(team_id=env.team, text=GOOD)
    assert report.counts == {"created": 4, "updated": 0, "unchanged": 0}
    assert people(env) == {"URAVI": ("UMARIA", "Asia/Kolkata"), "ULENA": ("UMARIA", "Europe/Paris"),
                           "UTOM": ("UMARIA", "America/Los_Angeles"), "UMARIA": (None, "Europe/Berlin")}
    assert {p.user_id: p.name for p in env.rows(Person)}["URAVI"] == "ravi"


def test_reimporting_the_same_file_changes_nothing(env: Env) -> None:
    """Second run: every row unchanged, the stored rows identical."""
    env.imports.people(team_id=env.team, text=GOOD)
    before = [(p.user_id, p.manager_id, p.tz, p.tz_override, p.name, p.synced_at) for p in env.rows(Person)]
    report = env.imports.people(team_id=env.team, text=GOOD)
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 4}
    assert [(p.user_id, p.manager_id, p.tz, p.tz_override, p.name, p.synced_at) for p in env.rows(Person)] == before


def test_a_changed_manager_is_an_update(env: Env) -> None:
    """Re-import with Tom under Lena: one row updated."""
    env.imports.people(team_id=env.team, text=GOOD)
    report = env.imports.people(team_id=env.team, text=GOOD.replace("tom@example.com,UMARIA", "tom@example.com,ULENA"))
    assert report.counts == {"created": 0, "updated": 1, "unchanged": 3}
    assert people(env)["UTOM"][0] == "ULENA"


def test_managers_not_in_the_file_are_added_as_people(env: Env) -> None:
    """A manager named only in the manager column becomes a known person (name, timezone)."""
    report = env.imports.people(team_id=env.team, text="user,manager\nURAVI,pat@example.com\n")
    assert report.counts["managers added"] == 1
    assert people(env)["UPAT"] == (None, "Europe/London")


def test_the_csv_timezone_survives_the_refresh_from_slack(env: Env) -> None:
    """A timezone from the file beats Slack's even after okrbot refreshes the person from users.info."""
    env.imports.people(team_id=env.team, text=GOOD)
    env.services.people.ensure(env.team, "ULENA", refresh=True)
    assert people(env)["ULENA"][1] == "Europe/Paris"


def test_a_blank_timezone_goes_back_to_slacks(env: Env) -> None:
    """The file is the truth: the column present but blank clears the override."""
    env.imports.people(team_id=env.team, text=GOOD)
    env.imports.people(team_id=env.team, text=GOOD.replace("Europe/Paris", ""))
    assert people(env)["ULENA"][1] == "America/New_York"


def test_each_email_is_looked_up_once(env: Env) -> None:
    """Maria appears twice by email: one users.lookupByEmail per distinct email."""
    text = "user,manager\nravi@example.com,maria@example.com\ntom@example.com,MARIA@example.com\n"
    env.imports.people(team_id=env.team, text=text)
    looked_up = [call.args.get("email") for call in env.slack.calls_to("users.lookupByEmail")]
    assert sorted(looked_up) == ["maria@example.com", "ravi@example.com", "tom@example.com"]


def test_people_synced_today_are_not_asked_about_again(env: Env) -> None:
    """A second import resolves from what okrbot already knows (no Slack calls for people synced in a day)."""
    text = GOOD.replace("Europe/Paris", "")  # an overridden timezone hides Slack's, so Lena would be asked again
    env.imports.people(team_id=env.team, text=text)
    env.slack.clear_calls()
    env.imports.people(team_id=env.team, text=text)
    assert env.slack.calls_to("users.lookupByEmail") == [] and env.slack.calls_to("users.info") == []


def test_dry_run_writes_nothing(env: Env) -> None:
    """--dry-run reports the counts and leaves the database as it was."""
    report = env.imports.people(team_id=env.team, text=GOOD, dry_run=True)
    assert report.dry_run and report.counts["created"] == 4
    assert env.rows(Person) == []


def test_progress_is_reported_for_each_row_twice(env: Env) -> None:
    """Validating then writing: the progress bar advances by two per row."""
    ticks: list[int] = []
    env.imports.people(team_id=env.team, text=GOOD, progress=ticks.append)
    assert sum(ticks) == 2 * env.imports.count_rows(GOOD) == 8


@pytest.mark.parametrize(("text", "expected"), [
    ("user,manager\nnobody@example.com,UMARIA\n",
     "line 2, column user: no Slack user has the email nobody@example.com"),
    ("user,manager\nUNOBODY,UMARIA\n", "line 2, column user: no Slack user has the id UNOBODY"),
    ("user,manager\nURAVI,ravi the great\n",
     "line 2, column manager: 'ravi the great' is neither a Slack user id (U…) nor an email"),
    ("user,manager\nURAVI,UROBOT\n", "line 2, column manager: UROBOT is a bot, not a person (a manager must be a "
                                     "person)"),
    ("user,manager\ngone@example.com,UMARIA\n", "line 2, column user: gone@example.com is deactivated in Slack"),
    ("user,manager\nURAVI,URAVI\n", "line 2, column manager: a person can't be their own manager"),
    ("user,manager\n,UMARIA\n", "line 2, column user: empty: every row needs a user (Slack id or email)"),
    ("user,manager,timezone\nURAVI,UMARIA,Mars/Olympus\n",
     "line 2, column timezone: 'Mars/Olympus' is not an IANA timezone such as Europe/Berlin"),
    ("user,manager\nURAVI,UMARIA\nravi@example.com,ULENA\n", "line 3, column user: ravi@example.com is already on "
                                                             "line 2"),
    ("user,manager\nURAVI,UMARIA,extra\n", "line 2: expected 2 values, found 3"),
    ("user\nURAVI\n", "line 1: missing column(s) manager; the header must be user,manager,timezone"),
    ("user,manager,team\nURAVI,UMARIA,x\n", "line 1, column team: unknown column; expected user,manager,timezone"),
    ("", "line 1: the file is empty; expected a header row: user,manager"),
])
def test_each_problem_names_its_line_and_column(env: Env, text: str, expected: str) -> None:
    """Every kind of problem is reported where it is."""
    assert expected in problems(env, text)


def test_a_cycle_in_the_file_is_refused(env: Env) -> None:
    """Ravi → Lena → Tom → Ravi: one problem naming the loop and its other lines."""
    text = "user,manager\nURAVI,ULENA\nULENA,UTOM\nUTOM,URAVI\n"
    assert problems(env, text) == ["line 2, column manager: reporting cycle: ravi → lena → tom → ravi "
                                   "(see also line 3, 4)"]


def test_a_cycle_through_stored_reporting_lines_is_refused(env: Env) -> None:
    """Maria already reports to Ravi; the file makes Ravi report to Maria."""
    env.services.people.set_manager(env.team, "UMARIA", "URAVI")
    assert problems(env, "user,manager\nURAVI,UMARIA\n") == [
        "line 2, column manager: reporting cycle: ravi → maria → ravi"]


def test_a_cycle_the_file_breaks_is_fine(env: Env) -> None:
    """The stored line Maria → Ravi is replaced by the file, so Ravi → Maria is no cycle."""
    env.services.people.set_manager(env.team, "UMARIA", "URAVI")
    env.imports.people(team_id=env.team, text="user,manager\nUMARIA,\nURAVI,UMARIA\n")
    assert people(env)["URAVI"][0] == "UMARIA" and people(env)["UMARIA"][0] is None


def test_all_problems_are_reported_and_nothing_is_written(env: Env) -> None:
    """Good rows around bad ones are not imported; every bad row is listed, in line order."""
    text = "user,manager\nURAVI,UMARIA\nnobody@example.com,UMARIA\nULENA,UMARIA\nUTOM,UROBOT\n"
    assert [p.split(":")[0] for p in problems(env, text)] == ["line 3, column user", "line 5, column manager"]
    assert env.rows(Person) == []
