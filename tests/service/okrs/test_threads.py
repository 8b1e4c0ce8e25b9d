"""The OKR conversation: replies in an objective's thread and reactions on it, stored with edits and deletions."""

from __future__ import annotations

from typing import Any

import pytest

from bot.services.okrs.threads import ts_time
from storage.models import OkrComment, Workspace
from tests.service.okrs.conftest import Env


@pytest.fixture
def posted(env: Env) -> Any:
    """Ravi's objective, its message delivered to his DM."""
    env.create()
    env.deliver()
    return env.objectives()[0]


def reply(env: Env, posted: Any, ts: str = "1795000000.000200", user: str = "UMARIA", text: str = "Nice!",
          thread_ts: str | None = None, team: str | None = None) -> bool:
    return env.okrs.record_reply(team_id=team or env.team, channel=posted.channel_id,
                                 thread_ts=thread_ts or posted.message_ts, ts=ts, user_id=user, text=text)


def react(env: Env, posted: Any, *, added: bool = True, ts: str | None = None, user: str = "ULENA",
          reaction: str = "eyes") -> bool:
    return env.okrs.record_reaction(team_id=env.team, user_id=user, item_user="UBOT", channel=posted.channel_id,
                                    ts=ts or posted.message_ts, reaction=reaction, added=added)


def comments(env: Env) -> list[tuple[str, str, str, str]]:
    return [(c.kind, c.user_id, c.text, c.reaction) for c in env.rows(OkrComment) if c.deleted_at is None]


def test_a_reply_in_the_thread_is_stored(env: Env, posted: Any) -> None:
    """Author, text and the time of the Slack message are kept."""
    assert reply(env, posted, ts="1795000000.000200") is True
    [comment] = env.rows(OkrComment)
    assert (comment.objective_id, comment.user_id, comment.text) == (posted.id, "UMARIA", "Nice!")
    assert comment.created_at == ts_time("1795000000.000200", env.clock())


def test_a_reply_in_another_thread_is_ignored(env: Env, posted: Any) -> None:
    """Not an objective's thread: nothing stored."""
    assert reply(env, posted, thread_ts="1700000000.000001") is False
    assert env.rows(OkrComment) == []


def test_a_reply_in_another_workspace_is_ignored(env: Env, posted: Any) -> None:
    """Same channel and ts, other team: not ours."""
    assert reply(env, posted, team="T0THER") is False
    assert env.rows(OkrComment) == []


def test_the_bots_own_reply_is_not_conversation(env: Env, posted: Any) -> None:
    """Our bot user (and any bot) never counts, even if such an event reaches the service."""
    with env.sessions.begin() as session:
        session.add(Workspace(team_id=env.team, bot_user_id="UBOT", installed_at=env.clock()))
    assert reply(env, posted, user="UBOT") is False
    env.services.people.ensure(env.team, "UROBOT")
    assert reply(env, posted, user="UROBOT", ts="1795000000.000300") is False
    assert env.rows(OkrComment) == []


def test_a_retried_reply_is_stored_once(env: Env, posted: Any) -> None:
    """The same event twice leaves one comment."""
    reply(env, posted)
    reply(env, posted)
    assert len(env.rows(OkrComment)) == 1


def test_an_edit_replaces_the_text(env: Env, posted: Any) -> None:
    """message_changed on a stored reply: new text, edited time."""
    reply(env, posted, ts="1795000000.000200", text="Nice")
    assert env.okrs.record_edit(team_id=env.team, channel=posted.channel_id, ts="1795000000.000200",
                                text="Very nice") is True
    [comment] = env.rows(OkrComment)
    assert comment.text == "Very nice" and comment.edited_at is not None


def test_an_edit_of_something_else_is_ignored(env: Env, posted: Any) -> None:
    """Edits of messages we never stored change nothing."""
    assert env.okrs.record_edit(team_id=env.team, channel=posted.channel_id, ts="1700000000.1", text="x") is False


def test_a_deleted_reply_leaves_the_conversation(env: Env, posted: Any) -> None:
    """message_deleted: marked deleted, its text forgotten, no longer in the conversation."""
    reply(env, posted, ts="1795000000.000200", text="Oops, secret")
    assert env.okrs.record_delete(team_id=env.team, channel=posted.channel_id, ts="1795000000.000200") is True
    [comment] = env.rows(OkrComment)
    assert comment.deleted_at is not None and comment.text == ""
    assert env.okrs.conversation(team_id=env.team, objective_id=posted.id) == []


def test_a_reaction_on_the_message_is_stored_and_taken_back(env: Env, posted: Any) -> None:
    """reaction_added then reaction_removed: stored, then gone from the conversation."""
    assert react(env, posted) is True
    assert comments(env) == [("reaction", "ULENA", "", "eyes")]
    assert react(env, posted, added=False) is True
    assert comments(env) == []


def test_a_reaction_added_again_comes_back(env: Env, posted: Any) -> None:
    """Added, removed, added: one live reaction."""
    react(env, posted)
    react(env, posted, added=False)
    react(env, posted)
    assert comments(env) == [("reaction", "ULENA", "", "eyes")]
    assert len(env.rows(OkrComment)) == 1


def test_a_reaction_on_a_reply_in_the_thread_counts(env: Env, posted: Any) -> None:
    """Reacting to a stored reply belongs to the same objective's conversation."""
    reply(env, posted, ts="1795000000.000200")
    assert react(env, posted, ts="1795000000.000200", reaction="+1") is True
    assert comments(env) == [("reply", "UMARIA", "Nice!", ""), ("reaction", "ULENA", "", "+1")]


def test_a_reaction_elsewhere_is_ignored(env: Env, posted: Any) -> None:
    """A reaction on a message that is neither the objective's nor a reply in its thread is not ours."""
    assert react(env, posted, ts="1700000000.000001") is False
    assert env.rows(OkrComment) == []


def test_conversation_is_oldest_first(env: Env, posted: Any) -> None:
    """The conversation reads in order."""
    reply(env, posted, ts="1795000000.000300", text="second", user="ULENA")
    reply(env, posted, ts="1795000000.000200", text="first")
    assert [c.text for c in env.okrs.conversation(team_id=env.team, objective_id=posted.id)] == ["first", "second"]
