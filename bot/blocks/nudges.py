"""The mid-month nudge DMs: the manager's agendas (one message, or a summary plus one per report) and
the report's "prepare your 1-on-1". Never more than Slack's 50 blocks in a message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.blocks.agenda import (
    agenda_blocks,
    clean,
    day_label,
    kr_line,
    lines_section,
    period_label,
    summary_line,
    task_line,
)
from bot.blocks.kit import (
    Block,
    actions,
    button,
    context,
    divider,
    header,
    section,
    slack_date,
    user,
    within,
)
from bot.blocks.limits import (
    MAX_MESSAGE_BLOCKS,
    MAX_SECTION_TEXT,
)
from bot.ids import SharedAction

if TYPE_CHECKING:
    from bot.views.nudges import Agenda, ManagerDigest, ReportDigest, SkippedReport

REPORT_KEY_RESULTS = 10


@dataclass(frozen=True)
class Message:
    """One DM: `part` is None for the manager's first message, else the report it is about."""

    part: str | None
    text: str
    blocks: list[Block]


def names(people: list[str]) -> str:
    """'ravi', 'ravi and lena', 'ravi, lena and tom' (escaped)."""
    people = [clean(p, 60) for p in people]
    if len(people) < 2:
        return "".join(people)
    return ", ".join(people[:-1]) + " and " + people[-1]


def skipped_line(skip: SkippedReport) -> str:
    """'• @ravi: 1-on-1 already done on Dec 3' / '• @lena: away until Dec 20'."""
    if skip.reason == "done":
        why = f"1-on-1 already done on {day_label(skip.on)}" if skip.on else "1-on-1 already done this month"
    else:
        why = f"away until {day_label(skip.on)}" if skip.on else "away"
    return f"• {user(skip.report_id)}: {why}"


def chunked_sections(title: str, lines: list[str]) -> list[Block]:
    """Lines spread over as many sections as needed (3000 characters each), the first one titled."""
    blocks, text = [], f"*{title}*"
    for line in lines:
        if len(text) + 1 + len(line) > MAX_SECTION_TEXT:
            blocks.append(section(text))
            text = ""
        text = f"{text}\n{line}" if text else line
    return [*blocks, section(text)]


def manager_text(digest: ManagerDigest) -> str:
    """The notification text of the manager's DM."""
    who = [a.report_name for a in digest.agendas]
    if digest.reminder:
        return f"Reminder: your 1-on-1 agenda with {names(who)}"
    if who:
        return f"Mid-month 1-on-1s: your agendas for {names(who)} are ready"
    return f"Mid-month 1-on-1s: nothing to prepare for {period_label(digest.period)}"


def _intro(digest: ManagerDigest) -> list[Block]:
    if digest.reminder:
        return [header(f"Reminder · 1-on-1 agenda · {period_label(digest.period)}"),
                context(":alarm_clock: You snoozed this agenda a week ago. Here it is again, up to date.")]
    if digest.agendas:
        lead = ("It's mid-month: time for a 1-on-1 with each of your reports. Here is a ready agenda for each, "
                "built from their OKRs, check-ins, tasks, kudos and OKR threads.")
    else:
        lead = "It's mid-month, and there is no 1-on-1 to prepare this time."
    return [header(f"1-on-1 agendas · {period_label(digest.period)}"), section(f"Hi {user(digest.manager_id)}! {lead}")]


def _skipped(digest: ManagerDigest) -> list[Block]:
    if not digest.skipped:
        return []
    return chunked_sections("Not nudged this month", [skipped_line(s) for s in digest.skipped])


def manager_messages(digest: ManagerDigest) -> list[Message]:
    """The manager's DM; when it would pass 50 blocks, a summary plus one message per report."""
    text = manager_text(digest)
    whole = _intro(digest)
    for index, agenda in enumerate(digest.agendas):
        whole += [*([divider()] if index else []), *agenda_blocks(agenda)]
    skipped = _skipped(digest)
    whole += [divider(), *skipped] if skipped and digest.agendas else skipped
    if len(whole) <= MAX_MESSAGE_BLOCKS:
        return [Message(None, text, whole)]
    overview = chunked_sections("Your reports", [f"• {user(a.report_id)}: {summary_line(a)}" for a in digest.agendas])
    summary = [*_intro(digest), *overview, *skipped,
               context(f"One message per report follows ({len(digest.agendas)} agendas).")]
    more = context("_…and more: see the messages that follow._")
    messages = [Message(None, text, within(summary, MAX_MESSAGE_BLOCKS, more))]
    messages += [Message(a.report_id, f"1-on-1 agenda: {clean(a.report_name, 60)}", single_agenda(a))
                 for a in digest.agendas]
    return messages


def single_agenda(agenda: Agenda, *, reminder: bool = False) -> list[Block]:
    """One report's agenda as its own message."""
    title = f"{'Reminder · ' if reminder else ''}1-on-1 agenda · {agenda.report_name}"
    return [header(title), *agenda_blocks(agenda)]


def report_text(digest: ReportDigest) -> str:
    """The notification text of the report's DM."""
    return f"Your monthly 1-on-1 with {clean(digest.manager_name, 60)} is due: a few minutes to prepare?"


def report_message(digest: ReportDigest, *, draft: bool = False) -> Message:
    """'Your 1-on-1 with @manager is due': key results without a check-in this month, Check in now, Request."""
    agenda = digest.agenda
    blocks: list[Block] = [section(f":wave: It's mid-month: your 1-on-1 with {user(digest.manager_id)} is due. "
                                   "A few minutes to prepare make it count.")]
    if not agenda.key_results:
        blocks.append(section(f"You have no key results for {agenda.quarter} yet. Add them with `/okr new`, so your "
                              "1-on-1 has something to go on."))
    elif agenda.without_check_in:
        stale = agenda.without_check_in
        blocks.append(lines_section("No check-in this month yet", [kr_line(kr) for kr in stale[:REPORT_KEY_RESULTS]],
                                    total=len(stale), more="more key results"))
    else:
        blocks.append(section(":white_check_mark: Every key result of yours has a check-in this month. Nice!"))
    mine = digest.my_tasks
    if mine:
        blocks.append(lines_section("Your open tasks from earlier 1-on-1s", [task_line(t) for t in mine[:5]],
                                    total=len(mine), more="more tasks"))
    buttons = [button("Check in now", SharedAction.CHECK_IN, "", style="primary"),
               button("Request 1-on-1", SharedAction.REQUEST_ONE_ON_ONE, digest.manager_id)]
    if draft:  # a language model is configured (docs/llm.md): drafted on click, never during the scan
        from bot.blocks.llm import draft_prepare_button

        buttons.append(draft_prepare_button())
    blocks.append(actions(*buttons, block_id="nudge.report.actions"))
    return Message(digest.report_id, report_text(digest), blocks)


def snoozed(blocks: list[Block], block_id: str, until: datetime) -> list[Block]:
    """The message with one agenda's buttons replaced by "Snoozed until …" (the rest untouched)."""
    note = context(f":alarm_clock: Snoozed until {slack_date(until, '{date_short_pretty} at {time}')}. "
                   "I'll bring this agenda back then, up to date.")
    return [note if block.get("block_id") == block_id else block for block in blocks]
