"""Notes, tasks, Mark done, summaries and the conversation of a 1-on-1, through the service."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services.core.errors import UserFacingError
from storage.models_one_on_ones import ConversationMessage, OneOnOne
from tests.service.one_on_ones.conftest import Env


def accepted(env: Env, requester: str = "URAVI", topic: str = "Hiring") -> int:
    view = env.one_on_ones.requests.request(team_id=env.team, requester=requester, manager_id="UMARIA", topic=topic)
    env.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=view.id, actor="UMARIA")
    return view.id


def note(env: Env, one_on_one: int, actor: str, text: str, private: bool) -> object:
    return env.one_on_ones.module.add_note(team_id=env.team, one_on_one_id=one_on_one, actor=actor, text=text,
                                           private=private)


def task(env: Env, one_on_one: int, text: str, assignee: str = "URAVI", actor: str = "UMARIA",
         due: str | None = None) -> object:
    return env.one_on_ones.module.add_task(team_id=env.team, one_on_one_id=one_on_one, actor=actor, text=text,
                                           assignee=assignee, due=due)


def done(env: Env, one_on_one: int, actor: str = "UMARIA") -> object:
    return env.one_on_ones.module.mark_done(team_id=env.team, one_on_one_id=one_on_one, actor=actor)


def home_notes(env: Env, viewer: str) -> list[str]:
    home = env.one_on_ones.home.for_home(env.team, viewer)
    return [n.text for v in (*home.upcoming, *home.recent) for n in v.notes]


def test_a_shared_note_updates_the_pair_message(env: Env) -> None:
    """A shared note queues an in-place update of the pair's message; it carries the note."""
    one_on_one = accepted(env)
    note(env, one_on_one, "UMARIA", "Two roles approved", private=False)
    assert env.queued()[-1] == f"1on1:{one_on_one}:module:r1"


def test_a_private_note_touches_no_shared_message(env: Env) -> None:
    """A private note queues nothing: no message both participants read ever carries it."""
    one_on_one = accepted(env)
    before = env.queued()
    note(env, one_on_one, "URAVI", "My own thoughts", private=True)
    assert env.queued() == before


def test_a_private_note_is_readable_by_its_author_only(env: Env) -> None:
    """The Home view of Ravi has his private note; Maria's and an admin's never do."""
    one_on_one = accepted(env)
    note(env, one_on_one, "URAVI", "Ravi only", private=True)
    note(env, one_on_one, "UMARIA", "For both", private=False)
    assert sorted(home_notes(env, "URAVI")) == ["For both", "Ravi only"]
    assert home_notes(env, "UMARIA") == ["For both"]
    assert home_notes(env, "UADMIN") == []


def test_the_note_form_shows_the_viewers_notes_only(env: Env) -> None:
    """participant_view carries Maria's own private note, never Ravi's."""
    one_on_one = accepted(env)
    note(env, one_on_one, "URAVI", "Ravi only", private=True)
    note(env, one_on_one, "UMARIA", "Maria only", private=True)
    view = env.one_on_ones.module.participant_view(team_id=env.team, one_on_one_id=one_on_one, actor="UMARIA")
    assert [n.text for n in view.notes] == ["Maria only"]


def test_only_participants_add_notes(env: Env) -> None:
    """Lena cannot add a note to Ravi and Maria's 1-on-1."""
    one_on_one = accepted(env)
    with pytest.raises(UserFacingError, match="not yours"):
        note(env, one_on_one, "ULENA", "Sneaky", private=False)


def test_an_empty_or_oversized_note_is_refused_under_its_field(env: Env) -> None:
    """Blank and 3,001-character notes are refused under the note field."""
    one_on_one = accepted(env)
    for text in ("   ", "x" * 3001):
        with pytest.raises(UserFacingError) as error:
            note(env, one_on_one, "URAVI", text, private=True)
        assert error.value.field == "note"


def test_notes_need_an_accepted_one_on_one(env: Env) -> None:
    """A request not answered yet has no notes."""
    view = env.one_on_ones.requests.request(team_id=env.team, requester="URAVI", manager_id="UMARIA", topic="x")
    with pytest.raises(UserFacingError, match="not been answered"):
        note(env, view.id, "URAVI", "early", private=True)


def test_a_task_goes_to_one_of_the_two(env: Env) -> None:
    """Assigning a task to Lena is refused under the assignee field."""
    one_on_one = accepted(env)
    with pytest.raises(UserFacingError) as error:
        task(env, one_on_one, "Hire", assignee="ULENA")
    assert error.value.field == "assignee"


def test_a_due_date_in_the_past_is_refused(env: Env) -> None:
    """Due yesterday (in the author's timezone) is refused under the due field."""
    one_on_one = accepted(env)
    with pytest.raises(UserFacingError) as error:
        task(env, one_on_one, "Hire", due="2026-11-15")
    assert error.value.field == "due"


def test_ticking_a_task_marks_it_done_once(env: Env) -> None:
    """Ticking marks done and updates the message; ticking again is a no-op; unticking opens it again."""
    one_on_one = accepted(env)
    added = task(env, one_on_one, "Hire")
    tick = env.one_on_ones.module.set_task_done(team_id=env.team, task_id=added.id, actor="URAVI", done=True)
    assert tick.changed
    assert env.one_on_ones.module.set_task_done(team_id=env.team, task_id=added.id, actor="URAVI", done=True) is None
    assert env.one_on_ones.module.set_task_done(team_id=env.team, task_id=added.id, actor="UMARIA", done=False).changed
    assert [t.id for t in env.one_on_ones.home.for_home(env.team, "URAVI").open_tasks] == [added.id]


def test_only_participants_tick_tasks(env: Env) -> None:
    """Lena cannot tick a task of Ravi and Maria's 1-on-1."""
    added = task(env, accepted(env), "Hire")
    with pytest.raises(UserFacingError, match="not yours"):
        env.one_on_ones.module.set_task_done(team_id=env.team, task_id=added.id, actor="ULENA", done=True)


def test_open_tasks_carry_over_and_count(env: Env) -> None:
    """An open task moves to the pair's next 1-on-1 (1×), then the next (2×); a done task stays where it was."""
    first = accepted(env, topic="one")
    open_task = task(env, first, "Draft plan")
    closed = task(env, first, "Book room")
    env.one_on_ones.module.set_task_done(team_id=env.team, task_id=closed.id, actor="URAVI", done=True)
    done(env, first)
    second = accepted(env, topic="two")
    view = env.one_on_ones.module.participant_view(team_id=env.team, one_on_one_id=second, actor="URAVI")
    assert [(t.id, t.carried_count) for t in view.carried_tasks] == [(open_task.id, 1)]
    done(env, second)
    third = accepted(env, topic="three")
    view = env.one_on_ones.module.participant_view(team_id=env.team, one_on_one_id=third, actor="URAVI")
    assert [(t.text, t.carried_count) for t in view.tasks] == [("Draft plan", 2)]


def test_tasks_of_another_pair_never_carry_over(env: Env) -> None:
    """Lena's open task with Maria does not show up in Ravi's next 1-on-1 with Maria."""
    lena = accepted(env, requester="ULENA")
    task(env, lena, "Lena's task", assignee="ULENA")
    done(env, lena)
    ravi = accepted(env)
    assert env.one_on_ones.module.participant_view(team_id=env.team, one_on_one_id=ravi, actor="URAVI").tasks == ()


def test_marking_done_moves_open_tasks_to_an_already_accepted_next_one(env: Env) -> None:
    """When the next 1-on-1 was accepted before this one is done, its open tasks move there at Mark done."""
    first = accepted(env, topic="one")
    second = env.one_on_ones.requests.request(team_id=env.team, requester="UMARIA", manager_id="URAVI", topic="two",
                                              day="2026-12-01", clock="10:00")  # the other way round: Maria asks Ravi
    env.one_on_ones.requests.accept(team_id=env.team, one_on_one_id=second.id, actor="URAVI")
    task(env, first, "Draft plan")
    done(env, first)
    home = env.one_on_ones.home.for_home(env.team, "URAVI")
    [upcoming] = home.upcoming
    assert [(t.one_on_one_id, t.carried_count) for t in home.open_tasks] == [(upcoming.id, 1)]


def test_mark_done_asks_each_participant_once(env: Env) -> None:
    """Mark done twice: one summary request to each participant; Lena cannot mark it done."""
    one_on_one = accepted(env)
    with pytest.raises(UserFacingError, match="not yours"):
        done(env, one_on_one, actor="ULENA")
    assert done(env, one_on_one).changed and not done(env, one_on_one, actor="URAVI").changed
    asks = [k for k in env.queued() if ":summary-ask:" in k]
    assert asks == [f"1on1:{one_on_one}:summary-ask:URAVI", f"1on1:{one_on_one}:summary-ask:UMARIA"]


def test_a_summary_is_one_line_of_a_done_one_on_one(env: Env) -> None:
    """Summaries are for done 1-on-1s, one line (newlines folded), under 300 characters."""
    one_on_one = accepted(env)
    with pytest.raises(UserFacingError):
        env.one_on_ones.module.save_summary(team_id=env.team, one_on_one_id=one_on_one, actor="URAVI", text="early")
    done(env, one_on_one)
    with pytest.raises(UserFacingError) as error:
        env.one_on_ones.module.save_summary(team_id=env.team, one_on_one_id=one_on_one, actor="URAVI", text="x" * 301)
    assert error.value.field == "summary"
    view = env.one_on_ones.module.save_summary(team_id=env.team, one_on_one_id=one_on_one, actor="URAVI",
                                               text="Two roles\napproved")
    assert (view.requester_summary, view.manager_summary) == ("Two roles approved", "")


def thread_of(env: Env, one_on_one: int) -> tuple[str, str]:
    env.deliver()
    with env.sessions() as session:
        row = session.get(OneOnOne, one_on_one)
        return row.thread_channel, row.thread_ts


def test_replies_in_the_thread_are_the_conversation(env: Env) -> None:
    """A reply in the pair message's thread is stored; the same event again is stored once."""
    one_on_one = accepted(env)
    channel, ts = thread_of(env, one_on_one)
    reply = {"team_id": env.team, "channel": channel, "thread_ts": ts, "ts": "1763290000.000100",
             "user_id": "URAVI", "text": "Hi"}
    assert env.one_on_ones.conversation.record_reply(**reply) and env.one_on_ones.conversation.record_reply(**reply)
    with env.sessions() as session:
        assert [(m.one_on_one_id, m.text) for m in session.scalars(select(ConversationMessage))] == [(one_on_one, "Hi")]


def test_other_threads_and_workspaces_are_ignored(env: Env) -> None:
    """A reply in another thread, or the same thread ts in another workspace, is not ours."""
    channel, ts = thread_of(env, accepted(env))
    common = {"ts": "1763290000.000200", "user_id": "URAVI", "text": "x"}
    assert not env.one_on_ones.conversation.record_reply(team_id=env.team, channel=channel, thread_ts="1.0", **common)
    assert not env.one_on_ones.conversation.record_reply(team_id="T0OTHER", channel=channel, thread_ts=ts, **common)


def test_edits_and_deletions_are_reflected(env: Env) -> None:
    """An edit replaces the text; a deletion drops it; unknown messages are not ours."""
    channel, ts = thread_of(env, accepted(env))
    env.one_on_ones.conversation.record_reply(team_id=env.team, channel=channel, thread_ts=ts, ts="1763290000.000300",
                                              user_id="URAVI", text="Hi")
    assert env.one_on_ones.conversation.record_edit(
        team_id=env.team, channel=channel, ts="1763290000.000300", text="Hello")
    assert not env.one_on_ones.conversation.record_edit(team_id=env.team, channel=channel, ts="9.9", text="?")
    assert env.one_on_ones.conversation.record_delete(team_id=env.team, channel=channel, ts="1763290000.000300")
    with env.sessions() as session:
        message = session.scalar(select(ConversationMessage))
    assert message.text == "" and message.edited_at is not None and message.deleted_at is not None


def test_the_home_shows_who_has_to_answer(env: Env) -> None:
    """A request waits on the manager; once she proposes another time, it waits on the requester."""
    view = env.one_on_ones.requests.request(team_id=env.team, requester="URAVI", manager_id="UMARIA", topic="x")

    def lists(viewer: str) -> tuple[list[int], list[int]]:
        home = env.one_on_ones.home.for_home(env.team, viewer)
        return [v.id for v in home.awaiting_answer], [v.id for v in home.waiting]

    assert (lists("UMARIA"), lists("URAVI")) == (([view.id], []), ([], [view.id]))
    env.one_on_ones.requests.reschedule(team_id=env.team, one_on_one_id=view.id, actor="UMARIA", day="2026-11-20",
                                        clock="15:00")
    assert (lists("UMARIA"), lists("URAVI")) == (([], [view.id]), ([view.id], []))
    assert lists("ULENA") == ([], [])
