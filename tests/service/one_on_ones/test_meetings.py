"""A 1-on-1 as a meeting: accepting at a time, moving it, talking points (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.services.core.errors import UserFacingError
from storage.models_delivery import OutboundMessage
from storage.models_one_on_ones import Note, OneOnOne, TalkingPoint
from tests.service.one_on_ones.conftest import Env


def accepted(env: Env, *, topic: str = "Q4 hiring plan", requester: str = "URAVI") -> int:
    """Ravi asks Maria (no proposed time); she accepts for Wednesday 18 November at 10:00 her time."""
    view = env.one_on_ones.requests.request(team_id=env.team, requester=requester, manager_id="UMARIA", topic=topic)
    env.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=view.id, actor="UMARIA", day="2026-11-18",
                                    clock="10:00")
    return view.id


def row(env: Env, one_on_one_id: int) -> OneOnOne:
    with env.sessions() as session:
        return session.get(OneOnOne, one_on_one_id)


def test_accepting_with_a_time_stores_it_in_utc_from_the_managers_zone(env: Env) -> None:
    """Maria (Europe/Berlin) accepting at 10:00 on 18 November stores 09:00 UTC as the agreed time."""
    one_on_one_id = accepted(env)
    assert row(env, one_on_one_id).agreed_at == datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def test_accepting_without_a_proposed_time_is_offered_the_time_modal(env: Env) -> None:
    """A request with no proposed time needs a time from its manager; one with a proposed time does not."""
    bare = env.one_on_ones.requests.request(team_id=env.team, requester="URAVI", manager_id="UMARIA", topic="a")
    assert env.one_on_ones.requests.needs_time(team_id=env.team, one_on_one_id=bare.id, actor="UMARIA").id == bare.id
    assert env.one_on_ones.requests.needs_time(team_id=env.team, one_on_one_id=bare.id, actor="ULENA") is None
    timed = env.one_on_ones.requests.request(team_id=env.team, requester="ULENA", manager_id="UMARIA", topic="b",
                                             day="2026-11-20", clock="09:00")
    assert env.one_on_ones.requests.needs_time(team_id=env.team, one_on_one_id=timed.id, actor="UMARIA") is None


def test_the_request_topic_is_the_first_talking_point(env: Env) -> None:
    """Accepting turns the request's topic into a talking point by the requester."""
    one_on_one_id = accepted(env)
    [point] = env.rows(TalkingPoint)
    assert (point.one_on_one_id, point.author_id, point.text) == (one_on_one_id, "URAVI", "Q4 hiring plan")


def test_either_person_moves_the_time_and_the_other_is_told_once(env: Env) -> None:
    """Ravi (Asia/Kolkata) moves it to 15:00 his time: stored in UTC, sequence 1, one DM to Maria naming Ravi."""
    one_on_one_id = accepted(env)
    outcome = env.one_on_ones.meetings.move(team_id=env.team, one_on_one_id=one_on_one_id, actor="URAVI",
                                            day="2026-11-19", clock="15:00")
    assert outcome.changed and outcome.view.agreed_at == datetime(2026, 11, 19, 9, 30, tzinfo=UTC)
    assert row(env, one_on_one_id).sequence == 1
    [notice] = env.outbox(f"1on1:{one_on_one_id}:moved:")
    assert notice.channel_key == "UMARIA" and notice.payload["text"].startswith("ravi moved your 1-on-1 to")
    assert "Thu 19 Nov, 10:30 (Europe/Berlin)" in notice.payload["text"]
    again = env.one_on_ones.meetings.move(team_id=env.team, one_on_one_id=one_on_one_id, actor="URAVI",
                                          day="2026-11-19", clock="15:00")
    assert not again.changed and len(env.outbox(f"1on1:{one_on_one_id}:moved:")) == 1


def test_someone_else_cannot_move_it(env: Env) -> None:
    """Lena cannot move Ravi and Maria's 1-on-1; nothing changes."""
    one_on_one_id = accepted(env)
    with pytest.raises(UserFacingError, match="not yours"):
        env.one_on_ones.meetings.move(team_id=env.team, one_on_one_id=one_on_one_id, actor="ULENA", day="2026-11-19",
                                      clock="15:00")
    assert row(env, one_on_one_id).sequence == 0


def test_both_moving_at_once_keeps_both_moves_in_order_and_tells_each_once(env: Env) -> None:
    """Ravi and Maria move it at the same moment: two sequences, each told once of the other's move."""
    one_on_one_id = accepted(env)
    barrier, errors = threading.Barrier(2), []

    def move(actor: str, clock: str) -> None:
        barrier.wait()
        try:
            env.one_on_ones.meetings.move(team_id=env.team, one_on_one_id=one_on_one_id, actor=actor, day="2026-11-20",
                                          clock=clock)
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            errors.append(error)

    threads = [threading.Thread(target=move, args=a) for a in (("URAVI", "15:00"), ("UMARIA", "11:00"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = row(env, one_on_one_id)
    assert stored.sequence == 2
    notices = env.outbox(f"1on1:{one_on_one_id}:moved:")
    assert sorted(n.channel_key for n in notices) == ["UMARIA", "URAVI"]
    last = max(notices, key=lambda n: n.dedupe_key)  # moved:2 is the later move, which wins
    winner = "URAVI" if last.channel_key == "UMARIA" else "UMARIA"
    expected = {"URAVI": datetime(2026, 11, 20, 9, 30, tzinfo=UTC), "UMARIA": datetime(2026, 11, 20, 10, 0, tzinfo=UTC)}
    assert stored.agreed_at == expected[winner]


def test_a_manager_scheduled_card_says_who_scheduled_it(env: Env) -> None:
    """A 1-on-1 Maria schedules with Tom is 'Scheduled by' Maria on the pair's card."""
    view = env.one_on_ones.scheduling.schedule(team_id=env.team, manager="UMARIA", report="UTOM", day="2026-11-18",
                                               clock="16:00", topic="Monthly OKR check-in")
    [card] = env.outbox(f"1on1:{view.id}:module")
    text = str(card.payload["blocks"])
    assert "*Scheduled by* <@UMARIA>" in text and "Asked by" not in text


def test_talking_points_from_both_edited_and_removed_by_their_author_only(env: Env) -> None:
    """Ravi and Maria each add one; Maria cannot edit or remove Ravi's; Ravi can; either marks discussed."""
    one_on_one_id = accepted(env)
    ravis = env.one_on_ones.points.add_talking_point(team_id=env.team, one_on_one_id=one_on_one_id, actor="URAVI",
                                                     text="Promotion path")
    env.one_on_ones.points.add_talking_point(
        team_id=env.team, one_on_one_id=one_on_one_id, actor="UMARIA", text="Budget")
    with pytest.raises(UserFacingError, match="Only its author"):
        env.one_on_ones.points.edit_talking_point(team_id=env.team, point_id=ravis.id, actor="UMARIA", text="x")
    with pytest.raises(UserFacingError, match="Only its author"):
        env.one_on_ones.points.remove_talking_point(team_id=env.team, point_id=ravis.id, actor="UMARIA")
    with pytest.raises(UserFacingError, match="not yours"):
        env.one_on_ones.points.add_talking_point(team_id=env.team, one_on_one_id=one_on_one_id, actor="ULENA", text="x")
    env.one_on_ones.points.edit_talking_point(team_id=env.team, point_id=ravis.id, actor="URAVI", text="Promotion plan")
    assert env.one_on_ones.points.set_point_discussed(
        team_id=env.team, point_id=ravis.id, actor="UMARIA", discussed=True)
    texts = {p.text: p.discussed for p in env.rows(TalkingPoint)}
    assert texts == {"Q4 hiring plan": False, "Promotion plan": True, "Budget": False}
    assert env.one_on_ones.points.remove_talking_point(team_id=env.team, point_id=ravis.id, actor="URAVI")
    assert not env.one_on_ones.points.remove_talking_point(team_id=env.team, point_id=ravis.id, actor="URAVI")


def test_a_private_note_never_becomes_a_talking_point(env: Env) -> None:
    """A private note stays a note: not a talking point, not on the pair's card."""
    one_on_one_id = accepted(env)
    env.one_on_ones.module.add_note(team_id=env.team, one_on_one_id=one_on_one_id, actor="URAVI", text="PRIVATE-XYZ",
                                    private=True)
    env.one_on_ones.points.add_talking_point(
        team_id=env.team, one_on_one_id=one_on_one_id, actor="URAVI", text="Shared")
    assert all("PRIVATE-XYZ" not in p.text for p in env.rows(TalkingPoint))
    with env.sessions() as session:
        cards = session.scalars(select(OutboundMessage).where(OutboundMessage.dedupe_key.like("1on1:%"))).all()
        assert session.scalar(select(Note.private)) is True
    assert all("PRIVATE-XYZ" not in str(c.payload) for c in cards)
    assert any("Shared" in str(c.payload) for c in cards)


def test_undiscussed_talking_points_carry_over_when_marked_done(env: Env) -> None:
    """Undiscussed talking points (not discussed ones) of a done 1-on-1 move to the pair's next 1-on-1."""
    first = accepted(env)
    done_point = env.one_on_ones.points.add_talking_point(team_id=env.team, one_on_one_id=first, actor="UMARIA",
                                                          text="Done one")
    env.one_on_ones.points.set_point_discussed(team_id=env.team, point_id=done_point.id, actor="URAVI", discussed=True)
    env.one_on_ones.module.mark_done(team_id=env.team, one_on_one_id=first, actor="URAVI")
    second = env.one_on_ones.scheduling.schedule(team_id=env.team, manager="UMARIA", report="URAVI", day="2026-12-02",
                                                 clock="10:00").id
    where = {p.text: (p.one_on_one_id, p.carried_count) for p in env.rows(TalkingPoint)}
    assert where == {"Q4 hiring plan": (second, 1), "Done one": (first, 0)}


def test_a_word_that_is_not_a_mention_is_refused_and_nothing_is_sent(env: Env) -> None:
    """`/request-1on1 @nobody budget` (plain text, not a Slack mention) is refused; nothing stored or queued."""
    with pytest.raises(UserFacingError, match="`@nobody` is not a Slack mention"):
        env.one_on_ones.requests.request_command(team_id=env.team, requester="URAVI", text="@nobody budget")
    assert env.rows(OneOnOne) == [] and env.queued() == []


def test_a_request_to_someone_not_your_manager_waits_for_a_confirming_click(env: Env) -> None:
    """Ravi asking Pat (not his manager): nothing sent until he confirms; then the DM says so truthfully."""
    outcome = env.one_on_ones.requests.request_command(
        team_id=env.team, requester="URAVI", text="<@UPAT> Design review")
    assert outcome.kind == "confirm" and env.queued() == []
    with pytest.raises(UserFacingError, match="Only the person who wrote"):
        env.one_on_ones.requests.confirm_request(team_id=env.team, one_on_one_id=outcome.view.id, actor="UPAT")
    sent = env.one_on_ones.requests.confirm_request(team_id=env.team, one_on_one_id=outcome.view.id, actor="URAVI")
    env.one_on_ones.requests.confirm_request(team_id=env.team, one_on_one_id=outcome.view.id, actor="URAVI")
    assert sent.state == "requested" and env.queued() == [f"1on1:{sent.id}:request"]
    [dm] = env.outbox(f"1on1:{sent.id}:request")
    assert dm.channel_key == "UPAT" and "You are not <@URAVI>'s manager on record" in str(dm.payload["blocks"])


def test_a_request_to_your_manager_says_nothing_about_it(env: Env) -> None:
    """Ravi asking Maria (his manager on record): sent at once, no 'not your manager' line."""
    outcome = env.one_on_ones.requests.request_command(team_id=env.team, requester="URAVI", text="<@UMARIA> Budget")
    [dm] = env.outbox(f"1on1:{outcome.view.id}:request")
    assert outcome.kind == "requested" and "manager on record" not in str(dm.payload["blocks"])


def test_the_agendas_schedule_never_makes_a_second_one_on_one_for_a_pair(env: Env) -> None:
    """Maria clicking Schedule for Ravi while their 1-on-1 is accepted: refused (form and submit), still one."""
    accepted(env)
    with pytest.raises(UserFacingError, match="You already have a 1-on-1 with <@URAVI>"):
        env.one_on_ones.scheduling.schedule_form(team_id=env.team, manager="UMARIA", report="URAVI")
    with pytest.raises(UserFacingError, match="Reschedule"):
        env.one_on_ones.scheduling.schedule(team_id=env.team, manager="UMARIA", report="URAVI", day="2026-11-25",
                                            clock="10:00")
    assert len(env.rows(OneOnOne)) == 1


def test_two_schedule_clicks_at_once_make_one_one_on_one(env: Env) -> None:
    """Two Schedule submissions for Maria and Tom at the same moment: one 1-on-1, the other refused."""
    barrier, outcomes = threading.Barrier(2), []

    def schedule(clock: str) -> None:
        barrier.wait()
        try:
            env.one_on_ones.scheduling.schedule(team_id=env.team, manager="UMARIA", report="UTOM", day="2026-11-25",
                                                clock=clock)
            outcomes.append("scheduled")
        except UserFacingError:
            outcomes.append("refused")

    threads = [threading.Thread(target=schedule, args=(c,)) for c in ("10:00", "11:00")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "scheduled"]
    assert len([r for r in env.rows(OneOnOne) if r.requester_id == "UTOM"]) == 1


def test_a_series_schedules_the_next_one_at_mark_done_carrying_what_was_left(env: Env) -> None:
    """Monthly series: Mark done creates the next 1-on-1 near the nudge day, same local time, with the open task
    and the undiscussed talking point; each keeps its own notes; the other person is told of the series once."""
    first = accepted(env)  # Wednesday 18 November, 10:00 Berlin
    env.one_on_ones.meetings.repeat(team_id=env.team, one_on_one_id=first, actor="URAVI", frequency="monthly")
    env.one_on_ones.meetings.repeat(team_id=env.team, one_on_one_id=first, actor="URAVI", frequency="monthly")
    assert [m.channel_key for m in env.outbox(f"1on1:{first}:series:")] == ["UMARIA"]
    env.one_on_ones.module.add_task(team_id=env.team, one_on_one_id=first, actor="UMARIA", text="Draft plan",
                                    assignee="URAVI")
    env.one_on_ones.module.add_note(
        team_id=env.team, one_on_one_id=first, actor="URAVI", text="Kept here", private=False)
    env.one_on_ones.module.mark_done(team_id=env.team, one_on_one_id=first, actor="UMARIA")
    rows = sorted(env.rows(OneOnOne), key=lambda r: r.id)
    assert [r.state for r in rows] == ["done", "accepted"]
    nxt = rows[1]
    # 15 December 2026 is a Tuesday; 10:00 in Berlin (Ravi made the series: his zone is Asia/Kolkata, 14:30).
    assert nxt.agreed_at == datetime(2026, 12, 15, 9, 0, tzinfo=UTC) and nxt.series_id == rows[0].series_id
    assert [p.text for p in env.rows(TalkingPoint) if p.one_on_one_id == nxt.id] == ["Q4 hiring plan"]
    assert env.outbox(f"1on1:{nxt.id}:module") and env.outbox(f"1on1:{nxt.id}:invite:0")
    with env.sessions() as session:
        assert session.scalar(select(Note.one_on_one_id)) == first
    env.one_on_ones.module.mark_done(team_id=env.team, one_on_one_id=first, actor="UMARIA")  # twice: no third one
    assert len(env.rows(OneOnOne)) == 2


def test_cancelling_a_meeting_sends_method_cancel_for_the_same_uid(env: Env) -> None:
    """Ravi cancels: state cancelled, Maria told once, the invite of sequence 1 is a cancellation."""
    one_on_one_id = accepted(env)
    assert env.one_on_ones.meetings.cancel_meeting(team_id=env.team, one_on_one_id=one_on_one_id, actor="URAVI").changed
    assert not env.one_on_ones.meetings.cancel_meeting(
        team_id=env.team, one_on_one_id=one_on_one_id, actor="URAVI").changed
    assert row(env, one_on_one_id).state == "cancelled"
    assert [m.channel_key for m in env.outbox(f"1on1:{one_on_one_id}:cancelled")] == ["UMARIA"]
    [first, cancel] = sorted(env.outbox(f"1on1:{one_on_one_id}:invite:"), key=lambda m: m.id)
    assert first.payload["meeting"]["uid"] == cancel.payload["meeting"]["uid"]
    assert cancel.payload["meeting"]["cancelled"] and cancel.payload["meeting"]["sequence"] == 1


def test_notes_and_tasks_are_edited_and_deleted_by_their_author_only(env: Env) -> None:
    """Ravi edits and deletes his own note and task; Maria cannot touch them; private stays private."""
    one_on_one_id = accepted(env)
    note = env.one_on_ones.module.add_note(team_id=env.team, one_on_one_id=one_on_one_id, actor="URAVI", text="draft",
                                           private=True)
    task = env.one_on_ones.module.add_task(team_id=env.team, one_on_one_id=one_on_one_id, actor="URAVI", text="Spec",
                                           assignee="URAVI")
    with pytest.raises(UserFacingError, match="Only its author"):
        env.one_on_ones.edits.edit_note(team_id=env.team, note_id=note.id, actor="UMARIA", text="x")
    with pytest.raises(UserFacingError, match="Only its author"):
        env.one_on_ones.edits.delete_task(team_id=env.team, task_id=task.id, actor="UMARIA")
    assert env.one_on_ones.edits.edit_note(team_id=env.team, note_id=note.id, actor="URAVI", text="final").private
    env.one_on_ones.edits.edit_task(team_id=env.team, task_id=task.id, actor="URAVI", text="Spec v2")
    notes, tasks = env.one_on_ones.edits.mine(team_id=env.team, one_on_one_id=one_on_one_id, actor="URAVI")
    assert [n.text for n in notes] == ["final"] and [t.text for t in tasks] == ["Spec v2"]
    assert env.one_on_ones.edits.mine(team_id=env.team, one_on_one_id=one_on_one_id, actor="UMARIA") == ((), ())
    assert env.one_on_ones.edits.delete_note(team_id=env.team, note_id=note.id, actor="URAVI")
    assert env.one_on_ones.edits.delete_task(team_id=env.team, task_id=task.id, actor="URAVI")
    assert not env.one_on_ones.edits.delete_task(team_id=env.team, task_id=task.id, actor="URAVI")
    assert env.one_on_ones.edits.mine(team_id=env.team, one_on_one_id=one_on_one_id, actor="URAVI") == ((), ())


def test_an_overdue_task_is_flagged_in_the_assignees_timezone(env: Env) -> None:
    """Due Tuesday 17 Nov: at 22:30 UTC it is overdue for Ravi (Kolkata, already Wednesday), not Maria (Berlin)."""
    one_on_one_id = accepted(env)
    env.one_on_ones.module.add_task(team_id=env.team, one_on_one_id=one_on_one_id, actor="UMARIA", text="Ravi's",
                                    assignee="URAVI", due="2026-11-17")
    env.one_on_ones.module.add_task(team_id=env.team, one_on_one_id=one_on_one_id, actor="UMARIA", text="Maria's",
                                    assignee="UMARIA", due="2026-11-17")
    env.clock.travel_to(datetime(2026, 11, 17, 22, 30, tzinfo=UTC))
    view = env.one_on_ones.module.participant_view(team_id=env.team, one_on_one_id=one_on_one_id, actor="URAVI")
    assert {t.text: t.overdue for t in view.tasks} == {"Ravi's": True, "Maria's": False}
