"""End to end: each 1-on-1's Notes, Conversation and Tasks, Mark done, and what the Home and exports show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.sandbox.slack.payloads import app_home_opened_event, message_event
from bot.views.one_on_ones import OneOnOneAction, OneOnOneModal
from storage.models_one_on_ones import ConversationMessage, Note, Task
from tests.e2e.one_on_ones.flow import ephemeral_texts, request_and_accept
from tests.support.reading import action_ids, click, dm, eventually, messages_with, modal, submit, text_of
from tests.support.stack import SECRET_KEY, TEAM, Stack

PRIVATE = "Thinking about moving to the platform team"
SHARED = "Agreed: open two engineering roles"


def pair_message(stack: Stack, group: str, ts: str) -> dict:
    stack.deliver()
    return stack.slack.message(group, ts)


def add_note(stack: Stack, user: str, group: str, ts: str, text: str, visibility: str) -> None:
    click(stack, user, group, pair_message(stack, group, ts), OneOnOneAction.ADD_NOTE)
    response = submit(stack, user, modal(stack, user, OneOnOneModal.NOTE), {"note": text, "visibility": visibility})
    assert response.status == 200 and response.json()["response_action"] == "update"
    saved = text_of(response.json()["view"])
    assert ("Only you can read it" in saved) == (visibility == "private"), saved


def add_task(stack: Stack, user: str, group: str, ts: str, text: str, assignee: str) -> None:
    click(stack, user, group, pair_message(stack, group, ts), OneOnOneAction.ADD_TASK)
    response = submit(stack, user, modal(stack, user, OneOnOneModal.TASK), {"task": text, "assignee": assignee})
    assert response.status == 200 and response.json() is None


def home_text(stack: Stack, user: str) -> str:
    published = len(stack.slack.calls_to("views.publish"))
    stack.send.event(TEAM, app_home_opened_event(user, channel=dm(stack, user)))
    stack.slack.wait_for("views.publish", count=published + 1)
    return text_of(stack.slack.home_view(user))


def export(stack: Stack, kind: str) -> list[dict]:
    """`okrbot export KIND --format json`, the real command in its own process, on the stack's database."""
    env = {**os.environ, "DATABASE_URL": stack.runtime.settings.database_url, "OKRBOT_SECRET_KEY": SECRET_KEY}
    okrbot = Path(sys.executable).with_name("okrbot")
    result = subprocess.run([str(okrbot), "export", kind, "--format", "json"], env=env, capture_output=True,
                            text=True, timeout=60, check=False, cwd=tempfile.gettempdir())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_private_note_is_seen_by_its_author_only(stack: Stack) -> None:
    """Ravi's private note: in his Home only; not in Maria's Home, an admin's, the pair's message or exports."""
    stack.set_manager("URAVI", "UMARIA")
    _, group, ts = request_and_accept(stack)
    add_note(stack, "URAVI", group, ts, PRIVATE, "private")
    add_note(stack, "UMARIA", group, ts, SHARED, "shared")
    stack.slack.wait_for("chat.update", lambda c: SHARED in json.dumps(c.args))
    stack.deliver()

    assert SHARED in text_of(stack.slack.message(group, ts))
    assert all(PRIVATE not in json.dumps(call.args) for call in stack.slack.calls
               if call.method not in ("views.open", "views.publish"))
    ravi, maria, admin = home_text(stack, "URAVI"), home_text(stack, "UMARIA"), home_text(stack, "UADMIN")
    assert PRIVATE in ravi and SHARED in ravi
    assert PRIVATE not in maria and SHARED in maria
    assert PRIVATE not in admin and SHARED not in admin
    [row] = export(stack, "one-on-ones")
    assert SHARED in row["shared_notes"] and PRIVATE not in json.dumps(row)
    with stack.sessions() as session:
        # Note texts are encrypted at rest (docs/privacy.md): compare after reading, not in SQL.
        assert [n.private for n in session.scalars(select(Note)) if n.text == PRIVATE] == [True]


def test_someone_else_cannot_add_a_note(stack: Stack) -> None:
    """Lena clicking Add note on Ravi and Maria's 1-on-1 gets 'not yours' and no form."""
    _, group, ts = request_and_accept(stack)
    opened = len(stack.slack.calls_to("views.open"))  # Maria's accept modal
    click(stack, "ULENA", group, pair_message(stack, group, ts), OneOnOneAction.ADD_NOTE)
    stack.slack.wait_for("response_url", lambda c: "not yours" in str(c.args))
    assert len(stack.slack.calls_to("views.open")) == opened


def test_open_tasks_carry_over_to_the_pairs_next_one_on_ones(stack: Stack) -> None:
    """A task left open moves to the next 1-on-1 (carried 1×), then the next (2×); a done one stays behind."""
    first, group, ts = request_and_accept(stack, topic="November")
    add_task(stack, "UMARIA", group, ts, "Draft the hiring plan", "URAVI")
    add_task(stack, "URAVI", group, ts, "Review the budget", "UMARIA")
    message = eventually(lambda: "Review the budget" in text_of(pair_message(stack, group, ts))
                         and pair_message(stack, group, ts))
    with stack.sessions() as session:
        review = session.scalar(select(Task.id).where(Task.text == "Review the budget"))
    click(stack, "UMARIA", group, message, OneOnOneAction.TOGGLE_TASK, block_id=f"1on1.task.{review}",
          selected_options=[{"text": {"type": "plain_text", "text": "Done"}, "value": str(review)}])
    eventually(lambda: "~Review the budget~" in text_of(pair_message(stack, group, ts)))
    click(stack, "URAVI", group, pair_message(stack, group, ts), OneOnOneAction.MARK_DONE)
    eventually(lambda: "Done" in text_of(pair_message(stack, group, ts))
               and OneOnOneAction.MARK_DONE not in action_ids(pair_message(stack, group, ts)))

    second, group2, ts2 = request_and_accept(stack, topic="December")
    agenda = text_of(pair_message(stack, group2, ts2))
    assert "Draft the hiring plan" in agenda and "carried over 1×" in agenda and "Review the budget" not in agenda
    click(stack, "UMARIA", group2, pair_message(stack, group2, ts2), OneOnOneAction.MARK_DONE)
    eventually(lambda: OneOnOneAction.MARK_DONE not in action_ids(pair_message(stack, group2, ts2)))

    _, group3, ts3 = request_and_accept(stack, topic="January")
    assert "carried over 2×" in text_of(pair_message(stack, group3, ts3))
    with stack.sessions() as session:
        assert session.scalar(select(Task.carried_count).where(Task.text == "Draft the hiring plan")) == 2
    [draft] = [t for t in export(stack, "tasks") if t["text"] == "Draft the hiring plan"]
    assert draft["carried_count"] == 2 and draft["done"] is False and first != second


def test_mark_done_asks_both_for_a_summary(stack: Stack) -> None:
    """Mark done: each participant gets one DM asking for a one-line summary; Ravi's shows on the message."""
    _, group, ts = request_and_accept(stack)
    click(stack, "UMARIA", group, pair_message(stack, group, ts), OneOnOneAction.MARK_DONE)
    click(stack, "UMARIA", group, pair_message(stack, group, ts), OneOnOneAction.MARK_DONE)
    stack.slack.wait_for("chat.postMessage", lambda c: "one line" in json.dumps(c.args), count=2)
    stack.deliver()
    for user in ("URAVI", "UMARIA"):
        assert len(messages_with(stack, dm(stack, user), OneOnOneAction.WRITE_SUMMARY)) == 1
    [ask] = messages_with(stack, dm(stack, "URAVI"), OneOnOneAction.WRITE_SUMMARY)
    click(stack, "URAVI", dm(stack, "URAVI"), ask, OneOnOneAction.WRITE_SUMMARY)
    submit(stack, "URAVI", modal(stack, "URAVI", OneOnOneModal.SUMMARY), {"summary": "Two roles approved"})
    eventually(lambda: "Two roles approved" in text_of(pair_message(stack, group, ts)))


def test_a_task_due_in_the_past_is_refused_under_its_field(stack: Stack) -> None:
    """The task form refuses a due date before today, under the due field; no task is stored."""
    _, group, ts = request_and_accept(stack)
    click(stack, "URAVI", group, pair_message(stack, group, ts), OneOnOneAction.ADD_TASK)
    yesterday = (stack.clock() - timedelta(days=2)).date().isoformat()
    response = submit(stack, "URAVI", modal(stack, "URAVI", OneOnOneModal.TASK),
                      {"task": "Late", "assignee": "URAVI", "due": yesterday})
    assert "in the past" in response.json()["errors"]["due"]
    with stack.sessions() as session:
        assert session.scalars(select(Task)).all() == []


def test_thread_replies_edits_and_deletions_are_the_conversation(stack: Stack) -> None:
    """Replies in the 1-on-1 message's thread are stored; edits and deletions follow; other threads are not."""
    one_on_one, group, ts = request_and_accept(stack)
    reply = stack.slack.post_user_message("URAVI", group, "Can we start with hiring?", thread_ts=ts)
    stack.send.event(TEAM, message_event("URAVI", group, reply["text"], ts=reply["ts"], thread_ts=ts))
    elsewhere = stack.slack.post_user_message("URAVI", "CGENERAL", "lunch?")
    aside = stack.slack.post_user_message("UMARIA", "CGENERAL", "sure", thread_ts=elsewhere["ts"])
    stack.send.event(TEAM, message_event("UMARIA", "CGENERAL", "sure", ts=aside["ts"], thread_ts=elsewhere["ts"]))

    def stored() -> list[ConversationMessage]:
        with stack.sessions() as session:
            return list(session.scalars(select(ConversationMessage)))

    [message] = eventually(stored)
    assert (message.one_on_one_id, message.user_id, message.text) == (one_on_one, "URAVI",
                                                                       "Can we start with hiring?")
    stack.send.event(TEAM, {"type": "message", "subtype": "message_changed", "channel": group, "hidden": True,
                            "ts": "1.000001", "message": {"type": "message", "user": "URAVI", "ts": reply["ts"],
                                                          "thread_ts": ts, "text": "Can we start with budget?"}})
    eventually(lambda: stored()[0].text == "Can we start with budget?" and stored()[0].edited_at)
    stack.send.event(TEAM, {"type": "message", "subtype": "message_deleted", "channel": group, "hidden": True,
                            "ts": "1.000002", "deleted_ts": reply["ts"]})
    eventually(lambda: stored()[0].deleted_at is not None)
    assert stored()[0].text == "" and len(stored()) == 1
    assert ephemeral_texts(stack, "URAVI")[-1]  # the request confirmation is all Ravi was told


def test_ticking_a_task_in_the_app_home_refreshes_it(stack: Stack) -> None:
    """Ravi ticks his open task in the App Home: it is done, his Home is republished without it, the pair's
    message shows it struck through."""
    _, group, ts = request_and_accept(stack)
    add_task(stack, "UMARIA", group, ts, "Draft the hiring plan", "URAVI")
    assert "Draft the hiring plan" in home_text(stack, "URAVI")
    home = stack.slack.home_view("URAVI")
    [block] = [b for b in home["blocks"] if str(b.get("block_id", "")).startswith("1on1.task.")]
    task_id = block["block_id"].removeprefix("1on1.task.")
    published = len([c for c in stack.slack.calls_to("views.publish") if c.args["user_id"] == "URAVI"])
    stack.send.action(TEAM, "URAVI", [{"action_id": OneOnOneAction.TOGGLE_TASK, "block_id": block["block_id"],
                                       "selected_options": [{"text": {"type": "plain_text", "text": "Done"},
                                                             "value": task_id}]}], view=home)
    stack.slack.wait_for("views.publish", lambda c: c.args["user_id"] == "URAVI", count=published + 1)
    assert "Draft the hiring plan" not in text_of(stack.slack.home_view("URAVI"))
    eventually(lambda: "~Draft the hiring plan~" in text_of(pair_message(stack, group, ts)))
