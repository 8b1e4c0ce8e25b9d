"""The 1-on-1 agenda of one manager/report pair: compact for the mid-month DM, complete in a modal.

User text (titles, obstacles, next steps, tasks, kudos, replies) is cut and escaped; every section stays
under Slack's 3000 characters however long or exotic that text is, and lines that do not fit become
"…and N more". A DM agenda is at most 6 blocks; the modal at most 100.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import TYPE_CHECKING

from bot.blocks.kit import (
    STATUS_EMOJI,
    STATUS_LABEL,
    Block,
    actions,
    button,
    context,
    escape,
    header,
    modal,
    progress_bar,
    section,
    slack_date,
    truncate,
    user,
    within,
)
from bot.blocks.limits import (
    MAX_SECTION_TEXT,
    MAX_VIEW_BLOCKS,
)
from bot.ids import SharedAction
from bot.views.nudges import AGENDA_CALLBACK, NudgeAction

if TYPE_CHECKING:
    from bot.views.nudges import Agenda, KeyResultLine, TaskLine

DM_KEY_RESULTS = 8  # key result lines in a DM agenda; "Open agenda" shows them all
DM_OBSTACLES = 5
DM_NEXT = 5
TITLE_CHARS = 120
TEXT_CHARS = 200
MODAL_TEXT_CHARS = 1500


def period_label(period: str) -> str:
    """'December 2026' for '2026-12'."""
    year, _, month = period.partition("-")
    return f"{calendar.month_name[int(month)]} {year}"


def day_label(day: date) -> str:
    """'Nov 12' (locale-free)."""
    return f"{calendar.month_abbr[day.month]} {day.day}"


def number(value: float) -> str:
    """4 for 4.0, 2.5 for 2.5, 0.33 for 1/3, 2,400 for 2400."""
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def clean(text: str, limit: int = TEXT_CHARS, *, one_line: bool = True) -> str:
    """User text cut to `limit` characters (before escaping, so no entity is cut in half), then escaped."""
    if one_line:
        text = " ".join(text.split())
    return escape(truncate(text.strip(), limit))


def lines_section(title: str, lines: list[str], *, total: int | None = None, more: str = "more",
                  limit: int = MAX_SECTION_TEXT) -> Block:
    """A section "*title*" + as many of `lines` as fit in `limit` characters, then "…and N more".

    `total` counts the items `lines` was cut from (the tail then counts those left out too).
    """
    total = len(lines) if total is None else total
    text = f"*{title}*"
    for index, line in enumerate(lines):
        tail = f"\n_…and {total - index} {more}_"
        if len(text) + 1 + len(line) + (len(tail) if index + 1 < total else 0) > limit:
            return section(text + tail)
        text += "\n" + line
    if total > len(lines):
        text += f"\n_…and {total - len(lines)} {more}_"
    return section(text)


def kr_line(kr: KeyResultLine, *, with_objective: bool = True) -> str:
    """':large_green_circle: On track: *Title* ▓▓▓▓░░░░░░ 40% · 4/10 users (Objective)'; lower-is-better key
    results read '2,400 ms, target 1,200 ms'."""
    unit = "" if not kr.unit else clean(kr.unit, 32) if kr.unit in ("%", "pp") else f" {clean(kr.unit, 32)}"
    where = (f"{number(kr.current)}{unit}, target {number(kr.target)}{unit}" if kr.target < kr.start
             else f"{number(kr.current)}/{number(kr.target)}{unit}")
    line = (f"{STATUS_EMOJI.get(kr.status, '')} {STATUS_LABEL.get(kr.status, '')}: *{clean(kr.title, TITLE_CHARS)}* "
            f"{progress_bar(kr.progress)} {round(kr.progress * 100)}% · {where}")
    return line + (f" _({clean(kr.objective, 60)})_" if with_objective else "")


def obstacle_line(kr: KeyResultLine, limit: int = TEXT_CHARS) -> str:
    """The off-track key result with its latest obstacle and how old it is."""
    if not kr.obstacle:
        return f"{STATUS_EMOJI['off_track']} *{clean(kr.title, TITLE_CHARS)}*: no obstacle written yet"
    days = kr.obstacle_age_days or 0
    age = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} old"
    return f"{STATUS_EMOJI['off_track']} *{clean(kr.title, TITLE_CHARS)}*: “{clean(kr.obstacle, limit)}” _({age})_"


def task_line(task: TaskLine) -> str:
    """'☐ text · @assignee · due Dec 20 · carried 2×'."""
    parts = [f"☐ {clean(task.text, 150)}", user(task.assignee_id)]
    if task.due_on:
        parts.append(f"due {day_label(task.due_on)}")
    if task.carried_count:
        parts.append(f"carried {task.carried_count}×")
    return " · ".join(parts)


def summary_line(agenda: Agenda) -> str:
    """'3 key results: :rocket: 1 ahead, :large_green_circle: 1 on track, :red_circle: 1 off track · last 1-on-1
    Nov 12'."""
    total = len(agenda.key_results)
    counts = ", ".join(f"{STATUS_EMOJI[s]} {agenda.count(s)} {STATUS_LABEL[s].lower()}"
                       for s in ("ahead", "on_track", "off_track") if agenda.count(s))
    parts = [f"{total} key result{'s' if total != 1 else ''}" + (f": {counts}" if counts else "")
             if total else f"no key results for {agenda.quarter}"]
    if agenda.next_one_on_one_id is not None:
        parts.append(f"next 1-on-1 {slack_date(agenda.next_one_on_one_at)}" if agenda.next_one_on_one_at
                     else "next 1-on-1 accepted, time not set")
    parts.append(f"last 1-on-1 {day_label(agenda.last_one_on_one)}" if agenda.last_one_on_one
                 else "no 1-on-1 recorded yet")
    if agenda.tasks:
        parts.append(f"{len(agenda.tasks)} open task{'s' if len(agenda.tasks) != 1 else ''}")
    return " · ".join(parts)


def signals(agenda: Agenda) -> list[str]:
    """Kudos, feedback owed and OKR-thread replies, one short text each (none when there is nothing)."""
    found = []
    if agenda.kudos_count:
        latest = agenda.kudos[0]
        said = f": “{clean(latest.message, 80)}”" if latest.message else ""
        found.append(f":tada: Kudos this month: {agenda.kudos_count}, latest from {user(latest.giver_id)}{said}")
    if agenda.feedback_count:
        who = ", ".join(user(a.requester_id) for a in agenda.feedback[:3])
        more = f" and {agenda.feedback_count - 3} more" if agenda.feedback_count > 3 else ""
        found.append(f":memo: owes feedback to {who}{more}")
    if agenda.comment_count:
        latest = agenda.comments[0]
        link = f" <{latest.link}|open>" if latest.link else ""
        found.append(f":speech_balloon: {agenda.comment_count} new repl{'ies' if agenda.comment_count != 1 else 'y'}"
                     f" in OKR threads, latest {user(latest.user_id)}: “{clean(latest.text, 80)}”{link}")
    return found


def agenda_buttons(agenda: Agenda) -> Block:
    """Schedule 1-on-1 · Open agenda · Snooze a week (block id names the nudge, for the snooze reply)."""
    value = str(agenda.nudge_id) if agenda.nudge_id is not None else f"report:{agenda.report_id}"
    # Attached to the pair's next 1-on-1 when there is one; Schedule only when none is set (never two by accident).
    first = (button("Add talking point", SharedAction.ADD_TALKING_POINT, str(agenda.next_one_on_one_id))
             if agenda.next_one_on_one_id is not None
             else button("Schedule 1-on-1", SharedAction.SCHEDULE_ONE_ON_ONE, agenda.report_id, style="primary"))
    elements = [first, button("Open agenda", NudgeAction.OPEN_AGENDA, value)]
    if agenda.nudge_id is not None:
        elements.append(button("Snooze a week", NudgeAction.SNOOZE, str(agenda.nudge_id)))
    return actions(*elements, block_id=actions_block_id(agenda))


def actions_block_id(agenda: Agenda) -> str:
    """The block id of an agenda's buttons: unique per pair within a message."""
    return f"nudge.actions.{agenda.nudge_id if agenda.nudge_id is not None else agenda.report_id}"


def agenda_blocks(agenda: Agenda) -> list[Block]:
    """The agenda of one report inside the manager's DM: at most 6 blocks."""
    blocks = [section(f"*{user(agenda.report_id)}* · {summary_line(agenda)}")]
    if agenda.key_results:
        lines = [kr_line(kr) for kr in agenda.key_results[:DM_KEY_RESULTS]]
        blocks.append(lines_section("Where are we", lines, total=len(agenda.key_results),
                                    more="more key results: Open agenda shows them all"))
    else:
        blocks.append(section(f"*Where are we*\n_No key results for {agenda.quarter} yet._"))
    off = agenda.off_track
    if off:
        blocks.append(lines_section("Where are the obstacles", [obstacle_line(kr) for kr in off[:DM_OBSTACLES]],
                                    total=len(off), more="more off track"))
    nexts = [f"• *{clean(kr.title, 60)}*: {clean(kr.next_steps)}" for kr in agenda.next_steps[:DM_NEXT]]
    nexts += [task_line(t) for t in agenda.tasks[:DM_NEXT]]
    if nexts:
        blocks.append(lines_section("What next", nexts, total=len(agenda.next_steps) + len(agenda.tasks),
                                    more="more in the full agenda"))
    found = signals(agenda)
    if found:
        blocks.append(context(*found))
    blocks.append(agenda_buttons(agenda))
    return blocks


def agenda_modal(agenda: Agenda, *, suggest: bool = False) -> Block:
    """The full agenda in a modal (at most 100 blocks, nothing to submit).

    `suggest`: a language model is configured (docs/llm.md): each obstacle gets "Suggest next steps".
    """
    from bot.blocks.llm import suggest_button

    blocks: list[Block] = [
        header(f"{agenda.report_name} · {period_label(agenda.period)}"),
        context(f"1-on-1 of {user(agenda.manager_id)} and {user(agenda.report_id)} · {agenda.quarter} · "
                f"{summary_line(agenda)}"),
        header("Where are we"),
    ]
    if not agenda.key_results:
        blocks.append(section(f"_No key results for {agenda.quarter} yet._"))
    objectives: dict[int, list[KeyResultLine]] = {}
    for kr in agenda.key_results:
        objectives.setdefault(kr.objective_id, []).append(kr)
    for krs in objectives.values():
        lines = [kr_line(kr, with_objective=False) + (f" · checked in {day_label(kr.last_check_in.date())}"
                                                      if kr.last_check_in else " · no check-in yet") for kr in krs]
        blocks.append(lines_section(clean(krs[0].objective, TITLE_CHARS), lines, more="more key results"))
    off = agenda.off_track
    if off:
        blocks.append(header("Where are the obstacles"))
        blocks += [section(obstacle_line(kr, MODAL_TEXT_CHARS), accessory=suggest_button(kr.id) if suggest else None)
                   for kr in off]
    if agenda.next_steps or agenda.tasks:
        blocks.append(header("What next"))
        blocks += [section(f"*{clean(kr.title, TITLE_CHARS)}*\n{clean(kr.next_steps, MODAL_TEXT_CHARS)}")
                   for kr in agenda.next_steps]
        if agenda.tasks:
            blocks.append(lines_section("Open tasks", [task_line(t) for t in agenda.tasks], more="more tasks"))
    people = []
    if agenda.kudos_count:
        people.append(lines_section(f":tada: Kudos this month: {agenda.kudos_count}", [
            f"• {user(k.giver_id)}" + (f": “{clean(k.message)}”" if k.message else "") for k in agenda.kudos]))
    if agenda.feedback_count:
        people.append(lines_section(f":memo: Feedback {agenda.report_name} was asked for", [
            f"• {user(a.requester_id)} asked {a.age_days} days ago" for a in agenda.feedback]))
    if agenda.comment_count:
        people.append(lines_section(f":speech_balloon: {agenda.comment_count} new replies in OKR threads", [
            f"• {user(c.user_id)} on _{clean(c.objective, 60)}_: “{clean(c.text)}”"
            + (f" <{c.link}|open>" if c.link else "") for c in agenda.comments]))
    if people:
        blocks += [header("People and conversations"), *people]
    more = context("_…and more: this agenda is longer than a modal can show._")
    return modal("1-on-1 agenda", within(blocks, MAX_VIEW_BLOCKS, more), callback_id=AGENDA_CALLBACK,
                 submit=None, close="Close")

