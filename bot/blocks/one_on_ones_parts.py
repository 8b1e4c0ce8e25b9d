"""Ids and shared pieces of the 1-on-1 Block Kit builders (pure; view-models only under TYPE_CHECKING)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.blocks.kit import (
    STATUS_EMOJI,
    STATUS_LABEL,
    Block,
    context,
    escape,
    option,
    plain,
    progress_bar,
    section,
    slack_date,
    truncate,
    user,
)
from bot.views.one_on_ones import TASK_BLOCK_PREFIX, OneOnOneAction

if TYPE_CHECKING:
    from datetime import datetime

    from bot.views.one_on_ones import ObjectiveLine, OneOnOneView, TaskView

MAX_OBJECTIVES = 5
MAX_KRS = 4
URGENCY_LABEL = {"this_week": "This week", "this_month": "This month"}


def metadata(**values: Any) -> str:
    """private_metadata of a modal (JSON; Slack allows 3000 characters)."""
    return json.dumps({k: v for k, v in values.items() if v not in (None, "")}, separators=(",", ":"))


def when_text(when: datetime | None, *, none: str = "Any time that suits you") -> str:
    """A time Slack shows in each reader's own timezone."""
    return slack_date(when, "{date_long_pretty} at {time}") if when else none


def topic_text(view: OneOnOneView, limit: int = 2500) -> str:
    """The topic, escaped, as a quote."""
    return "> " + escape(truncate(view.topic, limit)).replace("\n", "\n> ") if view.topic else "_No topic given_"


def objective_blocks(objectives: tuple[ObjectiveLine, ...], *, title: str = "*OKRs to discuss*") -> list[Block]:
    """The linked objectives with their key results' status and progress (at most 5 objectives)."""
    if not objectives:
        return []
    lines = [title]
    for objective in objectives[:MAX_OBJECTIVES]:
        emoji = STATUS_EMOJI.get(objective.status or "", ":white_circle:")
        label = STATUS_LABEL.get(objective.status or "", "No key results")
        lines.append(f"{emoji} *{escape(truncate(objective.title, 200))}* · {label}")
        for kr in objective.key_results[:MAX_KRS]:
            unit = f" {escape(kr.unit)}" if kr.unit else ""
            lines.append(f"      {STATUS_EMOJI.get(kr.status, '')} {escape(truncate(kr.title, 150))} "
                         f"`{progress_bar(kr.progress)}` {kr.current:g}/{kr.target:g}{unit}")
        if len(objective.key_results) > MAX_KRS:
            lines.append(f"      _…and {len(objective.key_results) - MAX_KRS} more key results_")
    if len(objectives) > MAX_OBJECTIVES:
        lines.append(f"_…and {len(objectives) - MAX_OBJECTIVES} more objectives_")
    return [section("\n".join(lines))]


def task_text(task: TaskView, *, viewer: str | None = None) -> str:
    """One task line: text, assignee, due date, how often it was carried over."""
    text = escape(truncate(task.text, 500))
    parts = [f"~{text}~" if task.done else text]
    parts.append("you" if viewer == task.assignee_id else user(task.assignee_id))
    if task.due_on:
        parts.append(f":warning: *overdue* since {task.due_on:%a %d %b}" if task.overdue and not task.done
                     else f"due {task.due_on:%a %d %b}")
    if task.carried_count:
        parts.append(f"_carried over {task.carried_count}×_")
    return " · ".join(parts)


def task_block(task: TaskView, *, viewer: str | None = None) -> Block:
    """A task with a checkbox that marks it done (or open again)."""
    box = option("Done", str(task.id))
    element: Block = {"type": "checkboxes", "action_id": OneOnOneAction.TOGGLE_TASK, "options": [box]}
    if task.done:
        element["initial_options"] = [box]
    return section(task_text(task, viewer=viewer), accessory=element, block_id=f"{TASK_BLOCK_PREFIX}{task.id}")


def users_select(action_id: str, *, initial: str | None = None, placeholder: str = "Choose a person") -> Block:
    """A users_select element."""
    element: Block = {"type": "users_select", "action_id": action_id, "placeholder": plain(placeholder, 150)}
    if initial:
        element["initial_user"] = initial
    return element


def datepicker(action_id: str, *, initial: str | None = None, placeholder: str = "Pick a date") -> Block:
    """A datepicker element (YYYY-MM-DD)."""
    element: Block = {"type": "datepicker", "action_id": action_id, "placeholder": plain(placeholder, 150)}
    if initial:
        element["initial_date"] = initial
    return element


def timepicker(action_id: str, *, initial: str | None = None, placeholder: str = "Pick a time") -> Block:
    """A timepicker element (HH:MM)."""
    element: Block = {"type": "timepicker", "action_id": action_id, "placeholder": plain(placeholder, 150)}
    if initial:
        element["initial_time"] = initial
    return element


def radio_buttons(action_id: str, options: list[dict[str, Any]], *, initial: str | None = None) -> Block:
    """A radio_buttons element; `initial` is a value."""
    element: Block = {"type": "radio_buttons", "action_id": action_id, "options": options}
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return element


def checkboxes(action_id: str, options: list[dict[str, Any]]) -> Block:
    """A checkboxes element."""
    return {"type": "checkboxes", "action_id": action_id, "options": options}


def requested_context(view: OneOnOneView) -> Block:
    """When it was asked for, and how urgent it is."""
    return context(f"Requested {slack_date(view.requested_at)} · {URGENCY_LABEL.get(view.urgency, view.urgency)}")
