"""`okrbot people export|forget`: everything about one person out (their texts only), or erased leaving no trace."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import cli
from storage.db import Base
from storage.models_kudos import Kudos
from storage.models_one_on_ones import Note
from storage.models_privacy import ReadingLogEntry
from tests.service.kudos.support import Env
from tests.service.privacy.support import (
    FEEDBACK,
    PRIVATE_NOTE,
    SHARED_NOTE,
    SUMMARY,
    arrange_private_texts,
    raw_select,
)
from tests.support.cli import cli_variables, invoke

LENAS_PRIVATE = "Ask Maria about the Berlin transfer"


def arrange(env: Env) -> int:
    """The private texts of support.py, Lena's own private note, kudos from Lena to Ravi, and a logged read."""
    meeting = arrange_private_texts(env)
    env.services.one_on_ones.module.add_note(team_id=env.team, one_on_one_id=meeting, actor="ULENA", text=LENAS_PRIVATE,
                                             private=True)
    now = env.clock()
    env.add(Kudos(team_id=env.team, giver_id="ULENA", receiver_id="URAVI", message="thanks for the review",
                  source="command", message_ts="c1", giver_local_day=now.date(), created_at=now))
    env.services.home.build(team_id=env.team, user_id="UMARIA")  # Maria reads Tom's feedback about Lena
    env.deliver()
    return meeting


def decrypted_dump(env: Env) -> str:
    """Every row of every table as okrbot reads it (private texts decrypted): what is left to find."""
    lines = []
    with env.sessions() as session:
        for table in Base.metadata.sorted_tables:
            lines += [" | ".join(str(v) for v in row) for row in session.execute(select(table))]
    return "\n".join(lines)


def test_an_export_holds_the_persons_texts_and_no_one_elses_private_ones(env: Env) -> None:
    """Lena's export has her notes, the shared note, her summary and the feedback she received; not Maria's
    private note. Maria's has her private note but not the feedback Lena received."""
    arrange(env)
    lena = env.services.person_data.export(env.team, "ULENA", operator="Jo")
    maria = env.services.person_data.export(env.team, "UMARIA", operator="Jo")
    lena_text, maria_text = json.dumps(lena, default=str), json.dumps(maria, default=str)
    assert {n["text"] for n in lena["notes"]} == {SHARED_NOTE, LENAS_PRIVATE}
    assert [f["text"] for f in lena["feedback_received"]] == [FEEDBACK]
    assert lena["one_on_ones"][0]["my_summary"] == SUMMARY and PRIVATE_NOTE not in lena_text
    assert lena["person"]["email"] == "lena@example.com" and lena["kudos"][0]["receiver_id"] == "URAVI"
    assert PRIVATE_NOTE in maria_text and FEEDBACK not in maria_text and LENAS_PRIVATE not in maria_text
    tom = env.services.person_data.export(env.team, "UTOM", operator="Jo")
    assert tom["feedback_given"][0]["receiver_id"] == "ULENA" and FEEDBACK not in json.dumps(tom, default=str)


def test_an_export_is_logged_for_its_subject_and_a_dry_run_is_not(env: Env) -> None:
    """A dry run logs nothing; an export adds 'Jo exported everything' to the person's own log only."""
    arrange(env)
    env.services.person_data.export(env.team, "URAVI", operator="Jo", dry_run=True)
    assert [e for e in env.rows(ReadingLogEntry) if e.subject_id == "URAVI"] == []
    env.services.person_data.export(env.team, "URAVI", operator="Jo")
    assert [(e.reader_name, e.kind, e.via) for e in env.rows(ReadingLogEntry) if e.subject_id == "URAVI"] == [
        ("Jo", "all", "people-export")]
    ravi = env.services.privacy.for_home(env.team, "URAVI")
    assert [e.reader_name for e in ravi.entries] == ["Jo"]
    assert [e.reader_name for e in env.services.privacy.for_home(env.team, "UMARIA").entries] == []


def test_erasure_leaves_no_trace_of_the_persons_private_texts_in_any_table(env: Env) -> None:
    """After forgetting Lena: her private note, the feedback she received, her summary and her reading log are
    gone from every table, her id appears nowhere, and what others depend on stays (Maria's note, Ravi's kudos)."""
    arrange(env)
    assert "ULENA" in decrypted_dump(env) and FEEDBACK in decrypted_dump(env)
    erasure = env.services.person_data.forget(env.team, "ULENA")
    dump = decrypted_dump(env)
    assert [s for s in (LENAS_PRIVATE, FEEDBACK, SUMMARY, "ULENA") if s in dump] == []
    assert [s for s in (LENAS_PRIVATE, FEEDBACK, SUMMARY) if s in raw_select(env.runtime.settings.database_url)] \
        == []
    assert env.rows(ReadingLogEntry) == []  # the only entry was about Lena
    with env.sessions() as session:
        assert PRIVATE_NOTE in session.scalars(select(Note.text)).all()  # Maria's own note is hers
        [kudos] = session.scalars(select(Kudos)).all()
    assert (kudos.giver_id, kudos.receiver_id) == (erasure.anonymous_id, "URAVI")
    assert dict(erasure.counts)["private notes deleted"] == 1
    assert dict(erasure.counts)["feedback received deleted"] == 1


def test_a_dry_run_erases_nothing(env: Env) -> None:
    """`forget(dry_run=True)` reports the same counts a real run would and leaves every row as it was."""
    arrange(env)
    before = decrypted_dump(env)
    dry = env.services.person_data.forget(env.team, "ULENA", dry_run=True)
    assert decrypted_dump(env) == before
    real = env.services.person_data.forget(env.team, "ULENA")
    assert dry.counts == real.counts and dry.total > 0


def test_people_forget_asks_first_and_export_writes_json(env: Env, tmp_path: Path) -> None:
    """`people forget` answered "n" changes nothing; `--yes` erases; `people export EMAIL -o FILE --yes` writes the
    JSON; an unknown person is one line and exit code 2."""
    arrange(env)
    variables = cli_variables(env.runtime)
    out = tmp_path / "lena.json"
    exported = invoke(variables, "people", "export", "lena@example.com", "-o", str(out), "--yes", "--operator", "Jo")
    assert exported.exit_code == 0 and json.loads(out.read_text())["feedback_received"][0]["text"] == FEEDBACK
    dry = invoke(variables, "people", "forget", "ULENA", "--dry-run")
    assert dry.exit_code == 0 and "would be changed" in dry.output and "private notes deleted" in dry.output
    no = CliRunner().invoke(cli, ["people", "forget", "ULENA"], env=variables, input="n\n")
    assert no.exit_code == 1 and FEEDBACK in decrypted_dump(env)
    done = invoke(variables, "people", "forget", "ULENA", "--yes")
    assert done.exit_code == 0 and FEEDBACK not in decrypted_dump(env)
    unknown = CliRunner().invoke(cli, ["people", "forget", "nobody@example.com", "--yes"], env=variables)
    assert unknown.exit_code == 2 and "knows nobody" in unknown.output


def test_retention_deletes_only_private_notes_older_than_the_setting(db_url: str) -> None:
    """With OKRBOT_PRIVATE_NOTE_RETENTION_MONTHS=6, the daily job deletes private notes older than six months,
    keeps newer ones and every shared note, and says how many it deleted; 0 keeps everything."""
    from bot.scheduler import JOBS
    from tests.service.kudos.support import running_env

    with running_env(db_url, OKRBOT_PRIVATE_NOTE_RETENTION_MONTHS="6") as env:
        meeting = env.one_on_one("ULENA", "UMARIA")
        now = env.clock()
        for days, private in ((200, True), (200, False), (170, True), (1, True)):
            env.add(Note(team_id=env.team, one_on_one_id=meeting, author_id="UMARIA", private=private,
                         text=f"{days} {private}", created_at=now - timedelta(days=days)))
        job = next(j for j in JOBS if j.name == "private-note-retention")
        assert job.minutes == 24 * 60
        assert job.run(env.runtime) == 1
        assert sorted(n.text for n in env.rows(Note)) == ["1 True", "170 True", "200 False"]
        assert job.run(env.runtime) == 0
    with running_env(db_url) as env:
        assert env.services.privacy.purge_old_private_notes() == 0


def test_commands_without_the_key_say_so_in_one_line(env: Env) -> None:
    """`okrbot export feedback --include-private-text` and `people export` without OKRBOT_SECRET_KEY: one line
    naming it, exit code 2, no traceback and no text."""
    arrange(env)
    variables = cli_variables(env.runtime, OKRBOT_SECRET_KEY="")
    for args in (["export", "feedback", "--include-private-text"], ["people", "export", "ULENA", "--yes"]):
        result = invoke(variables, *args)
        assert result.exit_code == 2, result.output
        assert result.output.strip().splitlines() == [
            "okrbot: OKRBOT_SECRET_KEY is not set: private notes and feedback are encrypted at rest; "
            "make a key with `okrbot keys new` and set it."]


def test_exporting_one_person_logs_the_shared_texts_of_others_it_carries(env: Env) -> None:
    """Maria's export holds Lena's shared note and summary: Lena's log says the operator exported them."""
    arrange(env)
    env.services.person_data.export(env.team, "UMARIA", operator="Jo")
    lena = [(e.reader_name, e.kind, e.via) for e in env.rows(ReadingLogEntry)
            if e.subject_id == "ULENA" and e.via == "people-export"]
    assert sorted(lena) == [("Jo", "note", "people-export"), ("Jo", "summary", "people-export")]
