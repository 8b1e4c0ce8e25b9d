"""The demo workspace the sandbox seeds on first start (SQLite: the sandbox's own database)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.sandbox import seed
from bot.sandbox.server import Sandbox, start
from storage.models import CheckIn, KeyResult, Objective
from storage.models_delivery import OutboundMessage
from storage.models_feedback import Feedback
from storage.models_kudos import Kudos
from storage.models_one_on_ones import Note, OneOnOne, OneOnOneSeries, TalkingPoint, Task
from tests.e2e.sandbox.client import PageClient, texts

TEAM = seed.TEAM_ID


def test_people_are_members_of_the_stand_in_and_known_to_okrbot(sandbox: Sandbox) -> None:
    """Maria, Ravi, Lena, Tom, Pat and Ada exist in Slack and in okrbot's database with their timezones."""
    slack_zones = {u["id"]: u.get("tz") for u in sandbox.slack.users() if not u["is_bot"]}
    with sandbox.runtime.sessions() as session:
        stored = {p.user_id: p.tz for p in (sandbox.runtime.services.people.view(session, TEAM, u)
                                             for u in slack_zones) if p}
    assert slack_zones == stored == {"UMARIA": "Europe/Berlin", "URAVI": "Asia/Kolkata", "ULENA": "America/New_York",
                                     "UTOM": "America/Los_Angeles", "UPAT": "Europe/London", "UADA": "UTC"}


def test_maria_manages_the_three_reports(sandbox: Sandbox) -> None:
    """Ravi, Lena and Tom report to Maria; Pat and Ada report to nobody."""
    with sandbox.runtime.sessions() as session:
        reports = sandbox.runtime.services.people.reports_of(session, TEAM, "UMARIA")
        pat = sandbox.runtime.services.people.view(session, TEAM, "UPAT")
    assert sorted(r.user_id for r in reports) == ["ULENA", "URAVI", "UTOM"]
    assert pat is not None and pat.manager_id is None


def test_ada_is_the_workspace_admin(sandbox: Sandbox) -> None:
    """Ada is an admin in Slack and in okrbot."""
    with sandbox.runtime.sessions() as session:
        ada = sandbox.runtime.services.people.view(session, TEAM, "UADA")
    assert ada is not None and ada.is_admin


def test_okrs_cover_all_three_statuses(sandbox: Sandbox) -> None:
    """This quarter's key results include ahead, on track and off track ones, with check-ins."""
    with sandbox.runtime.sessions() as session:
        statuses = set(session.scalars(select(KeyResult.status).where(KeyResult.team_id == TEAM)))
        check_ins = session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.team_id == TEAM))
    assert {"ahead", "on_track", "off_track"} <= statuses
    assert check_ins >= 8


def test_ravi_has_an_off_track_key_result_with_an_obstacle(sandbox: Sandbox) -> None:
    """Ravi's activation key result is off track and its last check-in names the blocker."""
    with sandbox.runtime.sessions() as session:
        kr = session.scalars(select(KeyResult).join(Objective).where(
            Objective.owner_id == "URAVI", KeyResult.status == "off_track")).one()
        last = session.scalars(select(CheckIn).where(CheckIn.key_result_id == kr.id)
                               .order_by(CheckIn.created_at.desc())).first()
    assert "activation" in kr.title
    assert last is not None and "analytics" in last.obstacles


def test_history_happens_before_this_months_nudge(sandbox: Sandbox) -> None:
    """Every seeded check-in is older than this month's nudge time, so the nudge sees all of it."""
    moment = seed.nudge_moment(sandbox.runtime)
    with sandbox.runtime.sessions() as session:
        newest = session.scalar(select(func.max(CheckIn.created_at)).where(CheckIn.team_id == TEAM))
    assert newest is not None and newest < moment


def test_past_one_on_one_has_notes_and_an_open_task(sandbox: Sandbox) -> None:
    """Maria and Ravi's last 1-on-1 is done with shared and private notes; Ravi's open task moved to the next."""
    with sandbox.runtime.sessions() as session:
        meeting, following = session.scalars(select(OneOnOne).where(OneOnOne.team_id == TEAM)
                                             .order_by(OneOnOne.id)).all()
        notes = session.scalars(select(Note).where(Note.one_on_one_id == meeting.id)).all()
        open_tasks = session.scalars(select(Task).where(Task.one_on_one_id == following.id,
                                                        Task.done.is_(False))).all()
    assert (meeting.requester_id, meeting.manager_id, meeting.state) == ("URAVI", "UMARIA", "done")
    assert {n.private for n in notes} == {True, False}
    assert [(t.assignee_id, t.carried_count) for t in open_tasks] == [("URAVI", 1)]


def test_the_next_one_on_one_is_a_series_with_talking_points_and_a_reminder(sandbox: Sandbox) -> None:
    """The next 1-on-1 is accepted in a monthly series, has talking points from both (one carried over), and
    both of the pair got the reminder with the agenda; its calendar invite is queued."""
    with sandbox.runtime.sessions() as session:
        following = session.scalars(select(OneOnOne).where(OneOnOne.team_id == TEAM, OneOnOne.state == "accepted")
                                    ).one()
        series = session.get(OneOnOneSeries, following.series_id)
        points = session.scalars(select(TalkingPoint).where(TalkingPoint.one_on_one_id == following.id)).all()
        keys = set(session.scalars(select(OutboundMessage.dedupe_key)))
    assert series is not None and series.frequency == "monthly" and following.scheduled_by == "UMARIA"
    assert {p.author_id for p in points} == {"UMARIA", "URAVI"}
    assert any(p.carried_count == 1 and "all-hands" in p.text for p in points)
    assert {f"1on1:{following.id}:meeting-reminder:0:{who}" for who in ("UMARIA", "URAVI")} <= keys
    assert f"1on1:{following.id}:invite:0" in keys


def test_kudos_and_feedback_are_seeded(sandbox: Sandbox) -> None:
    """A few kudos between colleagues and one private feedback exist."""
    with sandbox.runtime.sessions() as session:
        kudos = session.scalar(select(func.count()).select_from(Kudos).where(Kudos.team_id == TEAM))
        feedback = session.scalars(select(Feedback).where(Feedback.team_id == TEAM)).one()
    assert kudos >= 3
    assert (feedback.giver_id, feedback.receiver_id, feedback.visibility) == ("UPAT", "URAVI", "private")


def test_each_objective_has_its_message_in_okrs(sandbox: Sandbox, page: PageClient) -> None:
    """okrbot posted one message per objective in #okrs and remembered where (its thread is the conversation)."""
    with sandbox.runtime.sessions() as session:
        objectives = session.scalars(select(Objective).where(Objective.team_id == TEAM)).all()
    posted = {m["ts"]: m for m in page.state()["messages"][seed.OKRS] if m.get("bot_id")}
    assert objectives and all(o.channel_id == seed.OKRS and o.message_ts in posted for o in objectives)
    assert "Make onboarding effortless for new teams" in texts(list(posted.values()))


def test_channels_hold_the_first_conversations(page: PageClient) -> None:
    """#general has the team's messages, among them Ravi's launch note."""
    general = page.state()["messages"][seed.GENERAL]
    assert any(m["user"] == "URAVI" and "Onboarding v2 is live" in m["text"] for m in general)


def test_restart_keeps_data_and_conversations_and_seeds_once(tmp_path: Path) -> None:
    """Stopping and starting again keeps the database and the conversations, and seeds nothing twice."""
    db = tmp_path / "sandbox.db"
    first = start(db, scheduler=False)
    try:
        first.runtime.sender().drain(10)
        PageClient(first).ok("message", user="UTOM", channel=seed.GENERAL, text="still here after a restart?")
    finally:
        first.stop()
    second = start(db, scheduler=False)
    try:
        second.runtime.sender().drain(10)
        with second.runtime.sessions() as session:
            objectives = session.scalar(select(func.count()).select_from(Objective))
        general = second.slack.messages(seed.GENERAL)
        okrs = [m for m in second.slack.messages(seed.OKRS) if m.get("bot_id")]
    finally:
        second.stop()
    assert objectives == 5 + 3  # this quarter's five and the finished quarter's three (to review)
    assert any(m["text"] == "still here after a restart?" for m in general)
    assert len(okrs) == 5 + 3  # one thread per objective, the finished quarter's too


def test_reset_starts_afresh(tmp_path: Path) -> None:
    """--reset forgets what happened and seeds the demo workspace again."""
    db = tmp_path / "sandbox.db"
    first = start(db, scheduler=False)
    try:
        PageClient(first).ok("message", user="UTOM", channel=seed.GENERAL, text="forget me")
    finally:
        first.stop()
    again = start(db, reset=True, scheduler=False)
    try:
        again.runtime.sender().drain(10)
        general = again.slack.messages(seed.GENERAL)
        with again.runtime.sessions() as session:
            objectives = session.scalar(select(func.count()).select_from(Objective))
    finally:
        again.stop()
    assert not any(m["text"] == "forget me" for m in general)
    assert objectives == 5 + 3  # this quarter's five and the finished quarter's three (to review)


def test_jump_to_the_nudge_sends_agendas_to_the_manager_and_prepare_notes_to_reports(sandbox: Sandbox) -> None:
    """One jump shows the whole cadence: Maria's agendas and each report's "prepare" DM, said plainly."""
    said = sandbox.jump_to_nudge()["result"]
    sandbox.runtime.sender().drain(10)
    for report in ("URAVI", "ULENA", "UTOM"):
        dm = sandbox.slack.messages(sandbox.slack.dm_channel(report))
        assert len([m for m in dm if "prepare" in m["text"]]) == 1, report
    assert "Maria got 1-on-1 agendas for Lena, Ravi and Tom" in said
    assert "Lena, Ravi and Tom each got a note to prepare" in said
    assert "pairs" not in said and "DMs" not in said


def test_second_jump_says_nothing_new_was_sent(sandbox: Sandbox) -> None:
    """Nudges go once a month per pair: a second jump says so instead of sending again."""
    sandbox.jump_to_nudge()
    said = sandbox.jump_to_nudge()["result"]
    assert said.startswith("Nothing new to send")


def test_nudge_sentence_says_why_a_pair_was_left_out() -> None:
    """A pair skipped because their 1-on-1 already happened is named in plain words."""
    from bot.services.nudges.scan_report import PairOutcome
    said = seed.nudge_sentence([], [PairOutcome(TEAM, "UMARIA", "ULENA", "2026-11", "done")])
    assert "Maria and Lena already had their 1-on-1 this month" in said
