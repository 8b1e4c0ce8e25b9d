"""Block Kit for a 1-on-1 as a meeting (issue 14): choosing and moving its time, talking points."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.blocks.kit import (
    Block,
    actions,
    button,
    context,
    escape,
    input_block,
    modal,
    option,
    section,
    text_input,
    truncate,
    user,
)
from bot.blocks.one_on_ones_parts import (
    datepicker,
    metadata,
    objective_blocks,
    radio_buttons,
    task_block,
    timepicker,
    when_text,
)
from bot.calendar import google_link, outlook_link
from bot.views.one_on_ones import MAX_MEETING_NOTE, MAX_MOVE_NOTE, MAX_POINT, MAX_TASK, OneOnOneAction, OneOnOneModal

if TYPE_CHECKING:
    from bot.calendar import Meeting
    from bot.views.one_on_ones import NoteView, OneOnOneView, TalkingPointView, TaskView

MAX_POINTS_SHOWN = 10
FREQUENCY_LABEL = {"weekly": "Weekly", "biweekly": "Every two weeks", "monthly": "Monthly"}


def local_text(when: datetime, tz: str) -> str:
    """`when` as a reader in `tz` reads it, for plain-text fallbacks ("Wed 18 Nov, 10:00 (Europe/Paris)")."""
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        zone, tz = ZoneInfo("UTC"), "UTC"
    return f"{when.astimezone(zone):%a %d %b, %H:%M} ({tz})"


def _local_fallback(view: OneOnOneView, reader: str) -> str:
    return local_text(view.when, view.tz_of(reader)) if view.when else "no time yet"


def accept_modal(view: OneOnOneView, *, home: bool = False) -> Block:
    """Accepting a request that has no proposed time: the manager picks the date and time."""
    blocks = [
        section(f"Accept {user(view.requester_id)}'s 1-on-1"
                f"{' about *' + escape(truncate(view.topic, 300)) + '*' if view.topic else ''}: when shall you meet?"),
        input_block("Date", "date", datepicker("date")),
        input_block("Time", "time", timepicker("time"), hint=f"In your timezone ({view.manager_tz})."),
    ]
    return modal("Accept 1-on-1", blocks, callback_id=OneOnOneModal.ACCEPT, submit="Accept",
                 private_metadata=metadata(id=view.id, home=int(home) or None))


def move_modal(view: OneOnOneView, viewer: str, *, home: bool = False) -> Block:
    """Set or change the time of an accepted 1-on-1 (either participant, in their own timezone)."""
    now = (f"Now: {when_text(view.when)}. " if view.when else "")
    initial_day = initial_clock = None
    if view.when:
        local = view.when.astimezone(ZoneInfo(view.tz_of(viewer)))
        initial_day, initial_clock = local.strftime("%Y-%m-%d"), local.strftime("%H:%M")
    blocks = [
        section(f"{now}{user(view.other(viewer))} gets a DM with the new time and an updated calendar invite."),
        input_block("Date", "date", datepicker("date", initial=initial_day)),
        input_block("Time", "time", timepicker("time", initial=initial_clock),
                    hint=f"In your timezone ({view.tz_of(viewer)})."),
        input_block("Note", "note", text_input("note", max_length=MAX_MOVE_NOTE,
                                                      placeholder="e.g. Clash with the board meeting"),
                    optional=True),
    ]
    title = "Reschedule 1-on-1" if view.when else "Set a time"
    return modal(title, blocks, callback_id=OneOnOneModal.MOVE, submit="Save",
                 private_metadata=metadata(id=view.id, home=int(home) or None))


def moved_text(view: OneOnOneView, actor: str, reader: str, *, had_time: bool) -> str:
    """Notification fallback of the DM telling the other person of a new time (in the reader's timezone)."""
    verb = "moved your 1-on-1 to" if had_time else "set your 1-on-1 for"
    return f"{view.name_of(actor)} {verb} {_local_fallback(view, reader)}"


def moved_message(view: OneOnOneView, actor: str, note: str, *, had_time: bool) -> list[Block]:
    """The other person's DM when one of the pair set or moved the time."""
    verb = "moved your 1-on-1 to" if had_time else "set the time of your 1-on-1:"
    blocks = [section(f":calendar: {user(actor)} {verb} *{when_text(view.when)}*.")]
    if note:
        blocks.append(section(f"> {escape(truncate(note, 500))}"))
    blocks.append(context("The card in your group DM shows the new time; an updated calendar invite follows."))
    return blocks


def point_line(point: TalkingPointView) -> str:
    """One talking point: its text (struck through once discussed), author, and how often carried over."""
    text = escape(truncate(point.text, MAX_POINT))
    parts = [f":white_check_mark: ~{text}~" if point.discussed else f":speech_balloon: {text}", user(point.author_id)]
    if point.carried_count:
        parts.append(f"_carried over {point.carried_count}×_")
    return " · ".join(parts)


def point_block(point: TalkingPointView) -> Block:
    """A talking point with a menu: mark discussed (either of the pair), edit or remove (its author)."""
    value = str(point.id)
    options = [option("Mark not discussed", f"open:{value}") if point.discussed
               else option("Mark discussed", f"discussed:{value}"),
               option("Edit (author)", f"edit:{value}"), option("Remove (author)", f"remove:{value}")]
    return section(point_line(point), block_id=f"1on1.point.{value}",
                   accessory={"type": "overflow", "action_id": OneOnOneAction.POINT_MENU, "options": options})


def talking_point_blocks(view: OneOnOneView, *, menus: bool = True) -> list[Block]:
    """The talking points of both, undiscussed first (at most ten shown)."""
    if not view.talking_points:
        return [section("*Talking points*\n_None yet: either of you can add one with *Add talking point*._")]
    open_count = sum(1 for p in view.talking_points if not p.discussed)
    blocks: list[Block] = [section(f"*Talking points* · {open_count} to discuss")]
    shown = view.talking_points[:MAX_POINTS_SHOWN]
    if menus:
        blocks += [point_block(p) for p in shown]
    else:
        blocks.append(section("\n".join(point_line(p) for p in shown)))
    if len(view.talking_points) > MAX_POINTS_SHOWN:
        blocks.append(context(f"…and {len(view.talking_points) - MAX_POINTS_SHOWN} more talking points"))
    return blocks


def point_modal(one_on_one_id: int, *, point: TalkingPointView | None = None, channel: str = "",
                home: bool = False) -> Block:
    """Add (or, for its author, edit) a talking point: both of the pair read it."""
    blocks = [input_block("Talking point", "point", text_input(
        "point", multiline=True, max_length=MAX_POINT, initial=point.text if point else None,
        placeholder="e.g. Hiring plan for Q1"), hint="Both of you see talking points. For yourself alone, "
                                                       "use a private note.")]
    return modal("Edit talking point" if point else "Add talking point", blocks, callback_id=OneOnOneModal.POINT,
                 submit="Save", private_metadata=metadata(id=one_on_one_id, point=point.id if point else None,
                                                          channel=channel or None, home=int(home) or None))


def confirm_request(view: OneOnOneView) -> list[Block]:
    """The requester's ephemeral before a request to someone who is not their manager on record is sent."""
    topic = f" about *{escape(truncate(view.topic, 200))}*" if view.topic else ""
    return [section(f":raised_hand: {user(view.manager_id)} is not your manager on record. Send them your 1-on-1 "
                    f"request{topic} anyway? Their DM will say you asked them directly."),
            actions(button("Send request", OneOnOneAction.CONFIRM_REQUEST, str(view.id), style="primary"),
                    block_id=f"1on1.confirm.{view.id}")]


def calendar_message(meeting: Meeting) -> list[Block]:
    """The pair's "Add to calendar" message: Google Calendar and Outlook buttons; the `.ics` follows it."""
    if meeting.cancelled:
        return [section(f":x: *{escape(meeting.title)}* on {when_text(meeting.start)} is cancelled. "
                        "Open the `.ics` below to remove it from your calendar.")]
    return [
        section(f":calendar: *Add to calendar:* {escape(meeting.title)}, {when_text(meeting.start)} "
                f"({meeting.minutes} min)"),
        actions(button("Google Calendar", OneOnOneAction.CALENDAR_GOOGLE, url=google_link(meeting)[:3000]),
                button("Outlook", OneOnOneAction.CALENDAR_OUTLOOK, url=outlook_link(meeting)[:3000]),
                block_id=f"1on1.calendar.{meeting.sequence}"),
        context("Apple Calendar or another app: open the `.ics` file below. A new time updates the same event."),
    ]


def meeting_reminder_text(view: OneOnOneView, reader: str) -> str:
    """Notification fallback of the reminder before a meeting (in the reader's timezone)."""
    return f"Reminder: your 1-on-1 with {view.name_of(view.other(reader))} is on {_local_fallback(view, reader)}"


def meeting_reminder(view: OneOnOneView, reader: str) -> list[Block]:
    """The reminder before the meeting: the agenda so far (talking points of both, OKR status, open tasks)."""
    value = str(view.id)
    open_tasks = [t for t in view.tasks if not t.done]
    blocks: list[Block] = [
        section(f":alarm_clock: *Your 1-on-1 with {user(view.other(reader))} is {when_text(view.when)}.* "
                "Here is the agenda so far."),
        *talking_point_blocks(view, menus=False),
        *objective_blocks(view.objectives, title="*OKR status*"),
        section(f"*Open tasks* · {len(open_tasks)}" if open_tasks else "*Open tasks*\n_None._"),
        *[task_block(t, viewer=reader) for t in open_tasks[:10]],
        actions(button("Add talking point", OneOnOneAction.ADD_POINT, value),
                button("Reschedule", OneOnOneAction.MOVE, value), block_id=f"1on1.remind.{view.id}"),
    ]
    return blocks[:50]


def followup_text(view: OneOnOneView, reader: str) -> str:
    """Notification fallback of the follow-up after the meeting."""
    return f"How did your 1-on-1 with {view.name_of(view.other(reader))} go?"


def followup_message(view: OneOnOneView, reader: str) -> list[Block]:
    """After the meeting: tick the tasks, mark it done (which asks both for the one-line summary)."""
    value = str(view.id)
    open_tasks = [t for t in view.tasks if not t.done]
    left = [p for p in view.talking_points if not p.discussed]
    blocks: list[Block] = [
        section(f":memo: Your 1-on-1 with {user(view.other(reader))} was {when_text(view.when)}. Tick the tasks "
                "that got done, then *Mark done*: you'll both be asked for a one-line summary."),
        *[task_block(t, viewer=reader) for t in open_tasks[:15]],
    ]
    if left:
        blocks.append(context(f"{len(left)} talking point{'s' if len(left) != 1 else ''} not marked discussed "
                              "carry over to your next 1-on-1."))
    blocks.append(actions(
        button("Mark done", OneOnOneAction.MARK_DONE, value, style="primary"),
        button("Add task", OneOnOneAction.ADD_TASK, value), block_id=f"1on1.followup.{view.id}"))
    return blocks


def series_modal(view: OneOnOneView, *, home: bool = False) -> Block:
    """Make the 1-on-1 a series: weekly, every two weeks or monthly (default: monthly, near the nudge day)."""
    blocks = [
        section(f"Repeat the 1-on-1 of {user(view.requester_id)} and {user(view.manager_id)}: when one is "
                "marked done, the next is scheduled at the same time of day, with open tasks and undiscussed "
                "talking points carried over."),
        input_block("How often", "frequency", radio_buttons(
            "frequency", [option(label, value) for value, label in FREQUENCY_LABEL.items()],
            initial=view.series_frequency or "monthly"), hint="Monthly meets on the working day nearest the "
                                                               "mid-month check-in."),
    ]
    return modal("Repeat 1-on-1", blocks, callback_id=OneOnOneModal.SERIES, submit="Save",
                 private_metadata=metadata(id=view.id, home=int(home) or None))


def meeting_actions(view: OneOnOneView, *, block_id: str) -> Block:
    """Add talking point · Set a time / Reschedule · Repeat: the meeting's buttons (the Home, the agenda)."""
    value = str(view.id)
    return actions(button("Add talking point", OneOnOneAction.ADD_POINT, value),
                   button("Reschedule" if view.when else "Set a time", OneOnOneAction.MOVE, value),
                   button("Repeat", OneOnOneAction.REPEAT, value), block_id=block_id)


def mine_modal(one_on_one_id: int, notes: tuple[NoteView, ...], tasks: tuple[TaskView, ...]) -> Block:
    """Your own notes (private ones marked) and the tasks you wrote, each with Edit and Delete."""
    def row(kind: str, item_id: int, text: str) -> Block:
        options = [option("Edit", f"edit:{kind}:{item_id}"), option("Delete", f"delete:{kind}:{item_id}")]
        return section(text, block_id=f"1on1.mine.{kind}.{item_id}",
                       accessory={"type": "overflow", "action_id": OneOnOneAction.MINE_MENU, "options": options})

    blocks: list[Block] = [row("note", n.id, f"{':lock:' if n.private else ':busts_in_silhouette:'} "
                                             f"{escape(truncate(n.text, 500))}") for n in notes[:40]]
    blocks += [row("task", t.id, f":ballot_box_with_check: {escape(truncate(t.text, 500))}") for t in tasks[:40]]
    if not blocks:
        blocks = [section("_You have written no notes or tasks on this 1-on-1._")]
    return modal("Your notes and tasks", blocks, callback_id=OneOnOneModal.MINE, submit=None, close="Done",
                 private_metadata=metadata(id=one_on_one_id))


def mine_edit_modal(kind: str, item_id: int, text: str) -> Block:
    """Edit one of your notes or tasks."""
    limit = MAX_MEETING_NOTE if kind == "note" else MAX_TASK
    blocks = [input_block("Note" if kind == "note" else "Task", kind, text_input(
        kind, multiline=kind == "note", initial=text, max_length=limit))]
    return modal(f"Edit {kind}", blocks, callback_id=OneOnOneModal.MINE_EDIT, submit="Save",
                 private_metadata=metadata(kind=kind, item=item_id))
