"""Block Kit for 1-on-1 requests: the request modal, the manager's DM and its answers, reminders.

The 1-on-1 message of the pair, notes, tasks and the Home section are in `one_on_ones_module`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    slack_date,
    static_select,
    text_input,
    truncate,
    user,
)
from bot.blocks.one_on_ones_module import (
    home_section,
    note_modal,
    pair_message,
    summary_modal,
    summary_request,
    task_modal,
)
from bot.blocks.one_on_ones_parts import (
    URGENCY_LABEL,
    checkboxes,
    datepicker,
    metadata,
    objective_blocks,
    radio_buttons,
    requested_context,
    timepicker,
    topic_text,
    users_select,
    when_text,
)
from bot.views.one_on_ones import MAX_ANSWER_NOTE, MAX_TOPIC, OneOnOneAction, OneOnOneModal

if TYPE_CHECKING:
    from bot.views.one_on_ones import OneOnOneView, RequestForm, ScheduleForm

__all__ = [
    "OneOnOneAction", "OneOnOneModal", "answer_message", "decline_modal", "home_section", "note_modal",
    "pair_message", "reminder_message", "request_message", "request_modal", "request_sent", "reschedule_modal",
    "schedule_modal", "scheduled_message", "summary_modal", "summary_request", "task_modal", "usage",
]

USAGE = (
    "*Ask your manager for a 1-on-1 about your OKRs*\n"
    "• `/request-1on1` opens a form: manager, OKRs to discuss, topic, a proposed time, urgency.\n"
    "• `/request-1on1 @maria Q4 hiring plan` sends the request at once (to the person you mention).\n"
    "• `/request-1on1 Q4 hiring plan` sends it to your manager on record.\n"
    "Your manager gets a DM with *Accept*, *Propose another time* and *Decline*; you get a DM when they answer."
)


def usage() -> list[Block]:
    """The help of `/request-1on1`."""
    return [section(USAGE)]


def request_modal(form: RequestForm, *, response_url: str = "", channel: str = "", home: bool = False) -> Block:
    """The request form: manager, OKRs, topic, proposed date and time (requester's timezone), urgency."""
    blocks: list[Block] = [
        input_block("Your manager" if not form.remember_offered else "Who would you like to meet?", "manager",
                    users_select("manager", initial=form.manager_id, placeholder="Choose your manager"),
                    hint="You have no manager on record yet." if form.remember_offered else None),
    ]
    if form.remember_offered:
        blocks.append(input_block("Remember", "remember", checkboxes(
            "remember", [option("Remember this person as my manager", "yes")]), optional=True))
    if form.objectives:
        blocks.append(input_block(f"OKRs to discuss ({form.quarter})", "objectives", static_select(
            "objectives", [option(o.title, str(o.id)) for o in form.objectives], multi=True,
            placeholder="Pick objectives"), optional=True))
    else:
        blocks.append(context(f"You have no OKRs for {form.quarter} yet, so there are none to link."))
    blocks += [
        input_block("Topic", "topic", text_input("topic", multiline=True, initial=form.topic or None,
                                                 max_length=MAX_TOPIC,
                                                 placeholder="What would you like to talk about?")),
        input_block("Proposed date", "date", datepicker("date"), optional=True),
        input_block("Proposed time", "time", timepicker("time"), optional=True,
                    hint=f"In your timezone ({form.tz}). Leave both empty to let your manager choose."),
        input_block("Urgency", "urgency", radio_buttons(
            "urgency", [option("This week", "this_week"), option("This month", "this_month")],
            initial="this_month")),
    ]
    return modal("Request a 1-on-1", blocks, callback_id=OneOnOneModal.REQUEST, submit="Send request",
                 private_metadata=metadata(response_url=response_url, channel=channel, home=int(home) or None))


def schedule_modal(form: ScheduleForm) -> Block:
    """A manager proposes a 1-on-1 time to a report (their timezone shown in the hint)."""
    blocks: list[Block] = [
        section(f"Schedule a 1-on-1 with {user(form.report_id)}. They get a DM and the agenda in your group DM."),
        input_block("Date", "date", datepicker("date")),
        input_block("Time", "time", timepicker("time"), hint=f"In your timezone ({form.tz})."),
    ]
    if form.objectives:
        blocks.append(input_block("Their OKRs to discuss", "objectives", static_select(
            "objectives", [option(o.title, str(o.id)) for o in form.objectives], multi=True,
            placeholder="Pick objectives"), optional=True))
    blocks.append(input_block("Topic", "topic", text_input("topic", multiline=True, max_length=MAX_TOPIC,
                                                           placeholder="e.g. Monthly OKR check-in"), optional=True))
    return modal("Schedule a 1-on-1", blocks, callback_id=OneOnOneModal.SCHEDULE, submit="Schedule",
                 private_metadata=metadata(report=form.report_id))


def request_sent(view: OneOnOneView) -> list[Block]:
    """The requester's ephemeral confirmation."""
    text = (f":white_check_mark: I asked {user(view.manager_id)} for a 1-on-1"
            f"{' about *' + escape(truncate(view.topic, 200)) + '*' if view.topic else ''}. "
            "You'll get a DM when they answer.")
    blocks = [section(text)]
    if view.proposed_at:
        blocks.append(context(f"Proposed: {when_text(view.proposed_at)}"))
    if view.manager_away_until:
        blocks.append(context(f":palm_tree: {escape(view.manager_name)} is away until "
                              f"{view.manager_away_until:%a %d %b}."))
    return blocks


def _request_summary(view: OneOnOneView) -> list[Block]:
    direct = [] if view.to_manager else [context(
        f"You are not {user(view.requester_id)}'s manager on record: they chose to ask you directly.")]
    return [
        section(f":wave: {user(view.requester_id)} asks you for a 1-on-1 about their OKRs.",
                fields=[f"*Topic*\n{topic_text(view, 1900)}", f"*Proposed time*\n{when_text(view.proposed_at)}",
                        f"*Urgency*\n{URGENCY_LABEL.get(view.urgency, view.urgency)}"]),
        *direct,
        *objective_blocks(view.objectives),
    ]


def _outcome(view: OneOnOneView) -> str:
    when = when_text(view.when, none="a time you will agree on")
    answered = slack_date(view.answered_at) if view.answered_at else ""
    note = f"\n> {escape(truncate(view.answer_note, 1500))}" if view.answer_note else ""
    return {
        "accepted": f":white_check_mark: Accepted {answered}: {when}. The agenda is in your group DM with "
                    f"{user(view.requester_id)}.",
        "done": f":white_check_mark: Accepted {answered}; the 1-on-1 is done.",
        "declined": f":no_entry_sign: Declined {answered}.{note}",
        "rescheduled": f":calendar: You proposed {when}; waiting for {user(view.requester_id)} to confirm.{note}",
        "cancelled": f":heavy_multiplication_x: {user(view.requester_id)} could not make the new time; "
                     "this request is closed.",
    }.get(view.state, f"This request is {view.state}.")


def request_message(view: OneOnOneView) -> list[Block]:
    """The manager's DM: the request with Accept / Propose another time / Decline, or its outcome."""
    blocks = _request_summary(view)
    if view.state == "requested":
        value = str(view.id)
        blocks.append(actions(
            button("Accept", OneOnOneAction.ACCEPT, value, style="primary"),
            button("Propose another time", OneOnOneAction.RESCHEDULE, value),
            button("Decline", OneOnOneAction.DECLINE, value, style="danger"),
            block_id=f"1on1.answer.{view.id}"))
    else:
        blocks.append(section(_outcome(view)))
    blocks.append(requested_context(view))
    return blocks


def request_text(view: OneOnOneView) -> str:
    """Notification fallback of the manager's DM."""
    topic = escape(truncate(view.topic, 200)) or "no topic given"
    return f"{escape(view.requester_name)} asks you for a 1-on-1: {topic}"


def reminder_message(view: OneOnOneView, days: int) -> list[Block]:
    """The one reminder of an unanswered request (with the same buttons while it is unanswered)."""
    if view.state != "requested":
        return [section(f":alarm_clock: Reminder of {user(view.requester_id)}'s 1-on-1 request: "
                        + _outcome(view))]
    return [section(f":alarm_clock: *Reminder:* {user(view.requester_id)} asked you for a 1-on-1 "
                    f"{days} business day{'s' if days != 1 else ''} ago and is waiting for your answer."),
            *request_message(view)]


def answer_message(view: OneOnOneView) -> list[Block]:
    """The requester's DM when the manager answered (with Accept / Can't make it for a new time)."""
    topic = f" about *{escape(truncate(view.topic, 200))}*" if view.topic else ""
    note = [section(f"*Note from {user(view.manager_id)}*\n> {escape(truncate(view.answer_note, 2500))}")] \
        if view.answer_note else []
    if view.state == "declined":
        return [section(f":no_entry_sign: {user(view.manager_id)} declined your 1-on-1 request{topic}."), *note,
                context("You can ask again any time with `/request-1on1`.")]
    if view.state == "rescheduled":
        value = str(view.id)
        return [section(f":calendar: {user(view.manager_id)} proposed another time for your 1-on-1{topic}: "
                        f"*{when_text(view.proposed_at)}*."), *note,
                actions(button("Accept this time", OneOnOneAction.ACCEPT_NEW_TIME, value, style="primary"),
                        button("Can't make it", OneOnOneAction.REFUSE_NEW_TIME, value),
                        block_id=f"1on1.newtime.{view.id}")]
    if view.state == "cancelled":
        return [section(f":heavy_multiplication_x: You could not make {when_text(view.proposed_at)}; "
                        f"the request{topic} is closed. Ask again any time with `/request-1on1`.")]
    return [section(f":white_check_mark: {user(view.manager_id)} accepted your 1-on-1{topic}: "
                    f"*{when_text(view.when, none='time to be agreed')}*."), *note,
            context(f"The agenda is in your group DM with {user(view.manager_id)}: add notes and tasks there.")]


def answer_text(view: OneOnOneView) -> str:
    """Notification fallback of the requester's DM."""
    verb = {"declined": "declined", "rescheduled": "proposed another time for",
            "cancelled": "closed"}.get(view.state, "accepted")
    return f"{escape(view.manager_name)} {verb} your 1-on-1 request"


def new_time_reply(view: OneOnOneView) -> list[Block]:
    """The manager's DM when the requester accepted or refused the time the manager proposed."""
    if view.state == "accepted":
        return [section(f":white_check_mark: {user(view.requester_id)} accepted {when_text(view.when)} for your "
                        "1-on-1. The agenda is in your group DM.")]
    return [section(f":heavy_multiplication_x: {user(view.requester_id)} can't make {when_text(view.proposed_at)}; "
                    "the request is closed.")]


def scheduled_message(view: OneOnOneView) -> list[Block]:
    """The report's DM when their manager scheduled a 1-on-1 with them."""
    topic = f"\n{topic_text(view, 1500)}" if view.topic else ""
    return [section(f":calendar: {user(view.manager_id)} scheduled a 1-on-1 with you: "
                    f"*{when_text(view.when)}*.{topic}"),
            context(f"The agenda is in your group DM with {user(view.manager_id)}.")]


def reschedule_modal(view: OneOnOneView, *, home: bool = False) -> Block:
    """The manager proposes another date and time, with a note."""
    blocks = [
        section(f"Propose another time to {user(view.requester_id)} for their 1-on-1"
                f"{': ' + escape(truncate(view.topic, 300)) if view.topic else ''}."),
        input_block("Date", "date", datepicker("date")),
        input_block("Time", "time", timepicker("time"), hint=f"In your timezone ({view.manager_tz})."),
        input_block("Note", "note", text_input("note", multiline=True, max_length=MAX_ANSWER_NOTE,
                                               placeholder="e.g. I'm travelling that week"), optional=True),
    ]
    return modal("Propose another time", blocks, callback_id=OneOnOneModal.RESCHEDULE, submit="Propose",
                 private_metadata=metadata(id=view.id, home=int(home) or None))


def decline_modal(view: OneOnOneView, *, home: bool = False) -> Block:
    """The manager declines, with an optional reason the requester reads."""
    blocks = [
        section(f"Decline {user(view.requester_id)}'s 1-on-1 request? They will get a DM."),
        input_block("Reason", "reason", text_input("reason", multiline=True, max_length=MAX_ANSWER_NOTE),
                    optional=True),
    ]
    return modal("Decline 1-on-1", blocks, callback_id=OneOnOneModal.DECLINE, submit="Decline",
                 private_metadata=metadata(id=view.id, home=int(home) or None))
