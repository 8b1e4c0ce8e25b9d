"""Block Kit for a 1-on-1's conversation module (agenda, Notes, Tasks, Mark done) and its Home section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks.kit import (
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    input_block,
    modal,
    option,
    section,
    slack_date,
    static_select,
    text_input,
    truncate,
    user,
    within,
)
from bot.blocks.limits import (
    MAX_MESSAGE_BLOCKS,
)
from bot.blocks.one_on_ones_meetings import FREQUENCY_LABEL, meeting_actions, talking_point_blocks
from bot.blocks.one_on_ones_parts import (
    URGENCY_LABEL,
    datepicker,
    metadata,
    objective_blocks,
    radio_buttons,
    task_block,
    topic_text,
    when_text,
)
from bot.ids import SharedAction
from bot.views.one_on_ones import MAX_MEETING_NOTE, MAX_SUMMARY, MAX_TASK, OneOnOneAction, OneOnOneModal

if TYPE_CHECKING:
    from bot.views.one_on_ones import HomeView, NoteView, OneOnOneView

MAX_TASKS = 20
MAX_NOTES_TEXT = 2900
HOME_ITEMS = 5
HOME_NOTES = 3
HOME_TASKS = 10


def _notes_text(notes: tuple[NoteView, ...]) -> str:
    lines = [f"{user(n.author_id)}: {escape(truncate(n.text, 1000))}" for n in notes]
    return truncate("*Shared notes*\n" + "\n".join(lines), MAX_NOTES_TEXT)


def _summaries(view: OneOnOneView) -> list[str]:
    return [f"{user(who)}: _{escape(text)}_" for who, text in
            ((view.requester_id, view.requester_summary), (view.manager_id, view.manager_summary)) if text]


def pair_message(view: OneOnOneView) -> list[Block]:
    """The pair's 1-on-1 message: agenda (OKRs, carried-over tasks, topic), tasks, shared notes, buttons.

    `view.notes` must hold shared notes only: both participants read this message.
    """
    value = str(view.id)
    when = (f"*When:* {when_text(view.when)}" if view.when
            else "*When:* not set yet: either of you can pick a time with *Set a time*")
    if view.series_frequency:
        when += f" · :repeat: {FREQUENCY_LABEL.get(view.series_frequency, view.series_frequency)}"
    origin = (f"*Scheduled by* {user(view.scheduled_by)}" if view.scheduled_by
              else f"*Asked by* {user(view.requester_id)} · {URGENCY_LABEL.get(view.urgency, view.urgency)}")
    blocks: list[Block] = [
        header(f"1-on-1: {view.requester_name} & {view.manager_name}"),
        section(f"{when}\n{origin}"),
        section(f"*Topic*\n{topic_text(view)}"),
        *objective_blocks(view.objectives),
        divider(),
        *talking_point_blocks(view, menus=view.state != "done"),
    ]
    carried = len(view.carried_tasks)
    open_count = sum(1 for t in view.tasks if not t.done)
    label = f"*Tasks* · {open_count} open" + (f", {carried} carried over from earlier 1-on-1s" if carried else "")
    blocks.append(section(label if view.tasks else "*Tasks*\n_None yet: add one with *Add task*._"))
    blocks += [task_block(t) for t in view.tasks[:MAX_TASKS]]
    if len(view.tasks) > MAX_TASKS:
        blocks.append(context(f"…and {len(view.tasks) - MAX_TASKS} more tasks in your App Home"))
    if view.notes:
        blocks.append(section(_notes_text(view.notes)))
    if view.state == "done":
        done = f":white_check_mark: *Done* {slack_date(view.done_at)}" if view.done_at else ":white_check_mark: *Done*"
        blocks.append(section("\n".join([done, *_summaries(view)])))
    elif view.state == "cancelled":
        blocks.append(section(":heavy_multiplication_x: *Cancelled*"))
    else:
        blocks.append(actions(
            button("Add talking point", OneOnOneAction.ADD_POINT, value),
            button("Add note", OneOnOneAction.ADD_NOTE, value),
            button("Add task", OneOnOneAction.ADD_TASK, value),
            button("Reschedule" if view.when else "Set a time", OneOnOneAction.MOVE, value),
            button("Repeat", OneOnOneAction.REPEAT, value),
            button("Edit mine", OneOnOneAction.EDIT_MINE, value),
            button("Cancel meeting", OneOnOneAction.CANCEL_MEETING, value, style="danger", confirm={
                "title": {"type": "plain_text", "text": "Cancel this 1-on-1?"},
                "text": {"type": "mrkdwn", "text": "The other person is told and calendars remove the event."},
                "confirm": {"type": "plain_text", "text": "Cancel it"},
                "deny": {"type": "plain_text", "text": "Keep it"}}),
            button("Mark done", OneOnOneAction.MARK_DONE, value, style="primary", confirm={
                "title": {"type": "plain_text", "text": "Mark this 1-on-1 done?"},
                "text": {"type": "mrkdwn", "text": "Open tasks carry over to your next 1-on-1."},
                "confirm": {"type": "plain_text", "text": "Mark done"},
                "deny": {"type": "plain_text", "text": "Not yet"}}),
            block_id=f"1on1.module.{view.id}"))
    blocks.append(context("Reply in this thread: replies are kept as this 1-on-1's conversation. "
                          "Private notes are only in your own App Home."))
    return within(blocks, MAX_MESSAGE_BLOCKS, more=context("…more in your App Home"))


def pair_text(view: OneOnOneView) -> str:
    """Notification fallback of the pair's message."""
    return f"1-on-1: {escape(view.requester_name)} &amp; {escape(view.manager_name)}"


def note_modal(view: OneOnOneView, viewer: str, *, home: bool = False) -> Block:
    """Add a note: shared with the other participant, or private to its author (the default)."""
    other = view.other(viewer)
    blocks = [
        section(f"A note on your 1-on-1 with {user(other)}."),
        input_block("Note", "note", text_input("note", multiline=True, max_length=MAX_MEETING_NOTE)),
        input_block("Who can read it", "visibility", radio_buttons("visibility", [
            option("Only me (private)", "private"),
            option("Both of us (shared)", "shared"),
        ], initial="private"), hint="Private notes are never shown to anyone else: not the other person, not "
                                     "admins, not exports."),
    ]
    return modal("Add a note", blocks, callback_id=OneOnOneModal.NOTE, submit="Save note",
                 private_metadata=metadata(id=view.id, home=int(home) or None))


def task_modal(view: OneOnOneView) -> Block:
    """Add a task: text, assignee (either participant), optional due date."""
    people = [option(view.requester_name, view.requester_id), option(view.manager_name, view.manager_id)]
    blocks = [
        input_block("Task", "task", text_input("task", max_length=MAX_TASK, placeholder="e.g. Draft the Q1 plan")),
        input_block("Assignee", "assignee", static_select("assignee", people, initial=view.requester_id)),
        input_block("Due date", "due", datepicker("due"), optional=True),
    ]
    return modal("Add a task", blocks, callback_id=OneOnOneModal.TASK, submit="Add task",
                 private_metadata=metadata(id=view.id))


def summary_modal(view: OneOnOneView, viewer: str) -> Block:
    """One line summing up the 1-on-1 (optional; both participants may write one)."""
    mine = view.requester_summary if viewer == view.requester_id else view.manager_summary
    blocks = [input_block("Summary in one line", "summary", text_input(
        "summary", initial=mine or None, max_length=MAX_SUMMARY, placeholder="e.g. Agreed to hire two engineers"))]
    return modal("Sum up the 1-on-1", blocks, callback_id=OneOnOneModal.SUMMARY, submit="Save",
                 private_metadata=metadata(id=view.id))


def summary_request(view: OneOnOneView, viewer: str, *, draft: bool = False) -> list[Block]:
    """The DM asking each participant, once, for a one-line summary (`draft`: also "Draft summary", docs/llm.md)."""
    blocks = [section(f":white_check_mark: Your 1-on-1 with {user(view.other(viewer))} is done. "
                      "Would you sum it up in one line? (optional)",
                      accessory=button("Write a summary", OneOnOneAction.WRITE_SUMMARY, str(view.id)))]
    if draft:
        from bot.blocks.llm import draft_summary_button

        blocks.append(actions(draft_summary_button(view.id), block_id=f"1on1.summary.draft.{view.id}"))
    return blocks


def _note_line(note: NoteView) -> str:
    badge = ":lock: private" if note.private else ":busts_in_silhouette: shared"
    return f"{badge} · {user(note.author_id)}: {escape(truncate(note.text, 300))}"


def _one_on_one_lines(view: OneOnOneView, viewer: str, *, done: bool = False) -> list[Block]:
    topic = f" · {escape(truncate(view.topic, 150))}" if view.topic else ""
    when = f"done {slack_date(view.done_at)}" if done and view.done_at else when_text(view.when, none="time to agree")
    blocks: list[Block] = [section(f"*With {user(view.other(viewer))}* · {when}{topic}",
                                   accessory=None if done else button("Add note", OneOnOneAction.ADD_NOTE,
                                                                      str(view.id)))]
    summaries = [f":memo: Summary · {user(author)}: {escape(truncate(text, 300))}"
                 for author, text in ((view.requester_id, view.requester_summary),
                                      (view.manager_id, view.manager_summary)) if text]
    if view.notes or summaries:
        shown = view.notes[-HOME_NOTES:]
        more = [f"…and {len(view.notes) - HOME_NOTES} earlier notes"] if len(view.notes) > HOME_NOTES else []
        blocks.append(context(*summaries, *more, *[_note_line(n) for n in shown]))
    return blocks


def home_section(view: HomeView, max_blocks: int) -> list[Block]:
    """The viewer's 1-on-1s for the App Home: answers due, waiting requests, upcoming and recent 1-on-1s
    (with the notes the viewer may read), their open tasks with a checkbox; at most `max_blocks` blocks."""
    me = view.viewer_id
    blocks: list[Block] = [header("1-on-1s")]
    for r in view.awaiting_answer[:HOME_ITEMS]:
        topic = f": {escape(truncate(r.topic, 150))}" if r.topic else ""
        value = str(r.id)
        if r.state == "rescheduled":  # the viewer asked; their manager proposed another time
            blocks.append(section(f":calendar: {user(r.manager_id)} proposed another time for your 1-on-1{topic}\n"
                                  f"*{when_text(r.proposed_at)}*"))
            buttons = [button("Accept this time", OneOnOneAction.ACCEPT_NEW_TIME, value, style="primary"),
                       button("Can't make it", OneOnOneAction.REFUSE_NEW_TIME, value)]
        else:
            blocks.append(section(f":wave: {user(r.requester_id)} asks for a 1-on-1{topic}\n"
                                  f"Proposed: {when_text(r.proposed_at)}"))
            buttons = [button("Accept", OneOnOneAction.ACCEPT, value, style="primary"),
                       button("Propose another time", OneOnOneAction.RESCHEDULE, value),
                       button("Decline", OneOnOneAction.DECLINE, value, style="danger")]
        blocks.append(actions(*buttons, block_id=f"1on1.home.answer.{r.id}"))
    if view.waiting:
        blocks.append(context(*[f":hourglass_flowing_sand: Waiting for {user(w.other(me))}"
                                f"{': ' + escape(truncate(w.topic, 80)) if w.topic else ''}"
                                for w in view.waiting[:HOME_ITEMS]]))
    for u in view.upcoming[:HOME_ITEMS]:
        blocks += _one_on_one_lines(u, me)
        blocks.append(meeting_actions(u, block_id=f"1on1.home.meeting.{u.id}"))
    for r in view.recent:
        blocks += _one_on_one_lines(r, me, done=True)
    if view.open_tasks:
        blocks.append(section(f"*Your open tasks* · {len(view.open_tasks)}"))
        blocks += [task_block(t, viewer=me) for t in view.open_tasks[:HOME_TASKS]]
    top_of_tree = view.has_reports and not view.manager_id  # nobody to ask: reports ask them
    if len(blocks) == 1:
        blocks.append(section("No 1-on-1s yet. Your reports can ask you for one, and each month's nudge brings "
                              "you an agenda per report." if top_of_tree
                              else "No 1-on-1s yet. Ask your manager for one about your OKRs."))
    if top_of_tree:
        return within(blocks, max_blocks, more=context("…more 1-on-1s than fit here"))
    blocks.append(actions(button("Request a 1-on-1", SharedAction.REQUEST_ONE_ON_ONE, view.manager_id or ""),
                          block_id="1on1.home.request"))
    if len(blocks) <= max_blocks:
        return blocks
    if max_blocks < 3:
        return blocks[-max_blocks:] if max_blocks > 0 else []
    # Keep the request button: cut the middle, not the end.
    return [*within(blocks[:-1], max_blocks - 1, more=context("…more 1-on-1s than fit here")), blocks[-1]]
