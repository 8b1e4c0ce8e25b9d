"""Block Kit for OKRs: the objective's message, `/okr` lists, the new-objective and check-in modals, and
the summary posted in an objective's thread after a check-in. Pure builders, user text escaped."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bot.blocks.kit import (
    STATUS_EMOJI,
    STATUS_LABEL,
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
from bot.blocks.okr_lines import amount, kr_line, number, span, status_text
from bot.ids import SharedAction
from bot.views.okrs import (
    AUTO_STATUS,
    MAX_CHECKIN_NOTE,
    MAX_KEY_RESULTS,
    MAX_TAG,
    MAX_TITLE,
    MAX_UNIT,
    OkrAction,
    OkrView,
    checkin_field,
    new_field,
)
from bot.views.review import ReviewAction

if TYPE_CHECKING:
    from bot.views.okrs import (
        AwayView,
        CheckinChoiceView,
        CheckInResult,
        NewObjectiveForm,
        ObjectiveView,
        OkrListView,
    )

MAX_LIST_BLOCKS = 50
USAGE = (
    "*`/okr`* — your OKRs for this quarter, with progress and status\n"
    "*`/okr new`* — create an objective with up to 5 key results\n"
    "*`/okr checkin`* — update your key results (value, status, obstacles, next steps)\n"
    "*`/okr away until 2026-12-24`* — pause reminders and nudges until that day; *`/okr away off`* — I'm back\n"
    "*`/okr help`* — this help"
)


def last_checkin(view: ObjectiveView) -> str:
    """`Last check-in: <date>` or `No check-in yet`."""
    if view.last_checkin_at is None:
        return "No check-in yet"
    return "Last check-in: " + slack_date(view.last_checkin_at)


def _owner_line(view: ObjectiveView) -> str:
    tag = f"  ·  #{escape(view.tag)}" if view.tag else ""
    return f"{user(view.owner_id)}  ·  {view.quarter}{tag}"


# --------------------------------------------------------------------------- the objective's message

def objective_text(view: ObjectiveView) -> str:
    """Notification fallback of the objective's message."""
    return f"OKR {view.quarter} of {user(view.owner_id)}: {escape(truncate(view.title, 300))}"


def objective_message(view: ObjectiveView) -> list[Block]:
    """The one message of an objective (its thread is the OKR conversation); ≤ 50 blocks."""
    blocks: list[Block] = [header(view.title), context(_owner_line(view))]
    blocks += [section(kr_line(kr)) for kr in view.key_results] or [section("_No key results yet._")]
    blocks.append(context(last_checkin(view) + "  ·  Reply in this thread to discuss it."))
    blocks.append(actions(button("Check in", SharedAction.CHECK_IN, str(view.id), style="primary"),
                          button("Review this objective", ReviewAction.OBJECTIVE, str(view.id))))  # issue 17
    return within(blocks, MAX_LIST_BLOCKS)


def checkin_summary_text(result: CheckInResult) -> str:
    """Notification fallback of the thread reply after a check-in."""
    return f"{user(result.objective.owner_id)} checked in on {len(result.changes)} key result(s)"


def checkin_summary(result: CheckInResult) -> list[Block]:
    """The short reply posted in the objective's thread after a check-in."""
    blocks: list[Block] = [section(f"{user(result.objective.owner_id)} checked in on "
                                   f"*{escape(truncate(result.objective.title, 200))}*")]
    for change in result.changes:
        moved = (span(change.old_value, change.new_value, change.unit, " → ")
                 if change.old_value != change.new_value else amount(change.new_value, change.unit))
        lines = [f"*{escape(truncate(change.title, 200))}*: {moved}  ·  "
                 f"{status_text(change.new_status, derived=change.explicit_status is None)}"]
        if change.obstacles:
            lines.append(_quote(":construction: Obstacles: " + change.obstacles))
        if change.next_steps:
            lines.append(_quote(":arrow_forward: Next steps: " + change.next_steps))
        blocks.append(section("\n".join(lines)))
    return within(blocks, MAX_LIST_BLOCKS)


def _quote(text: str) -> str:
    return "\n".join("> " + escape(line) for line in truncate(text, 1200).splitlines() or [""])


# --------------------------------------------------------------------------- /okr

def usage() -> str:
    """The `/okr help` text (also the answer to bad arguments)."""
    return USAGE


def okr_list(view: OkrListView) -> list[Block]:
    """What `/okr` shows the caller: objectives of the quarter with progress, status and buttons."""
    blocks: list[Block] = [section(f"*Your OKRs for {view.quarter}*")]
    if view.away_until:
        blocks.append(context(f":palm_tree: You're away until {view.away_until.isoformat()} "
                              "(`/okr away off` when you're back)."))
    if not view.objectives:
        blocks.append(section(f"You have no objectives for {view.quarter} yet. Create one with `/okr new`."))
    for objective in view.objectives:
        lines = [kr_line(kr) for kr in objective.key_results] or ["_No key results yet._"]
        text = f"*{escape(truncate(objective.title, 300))}*\n" + "\n".join(lines)
        blocks.append(section(text, accessory=button("Check in", SharedAction.CHECK_IN, str(objective.id))))
        blocks.append(context(last_checkin(objective)))
    buttons = [button("New objective", OkrAction.NEW_OPEN)]
    if view.objectives:
        buttons.insert(0, button("Check in", SharedAction.CHECK_IN, "", style="primary"))
    tail = [divider(), actions(*buttons)]
    return [*within(blocks, MAX_LIST_BLOCKS - len(tail), context("…and more: see the Home tab.")), *tail]


def away_text(view: AwayView) -> str:
    """The answer to `/okr away …`."""
    if view.away_until is None:
        return "Welcome back! Reminders and nudges about you are on again."
    return (f":palm_tree: You're away until {view.away_until.isoformat()}: no nudges or reminders about you "
            "until then. `/okr away off` when you're back earlier.")


# --------------------------------------------------------------------------- modals

def _number_input(action_id: str, initial: float | None = None) -> Block:
    element: Block = {"type": "number_input", "action_id": action_id, "is_decimal_allowed": True}
    if initial is not None:
        element["initial_value"] = number(initial, grouped=False)
    return element


def new_objective_modal(form: NewObjectiveForm) -> Block:
    """The "New objective" modal: title, quarter, tag and up to five key results."""
    quarters = [option(q, q) for q in form.quarters]
    blocks: list[Block] = [
        input_block("Objective", new_field("title"),
                    text_input("title", max_length=MAX_TITLE, placeholder="e.g. Delight our first 100 customers")),
        input_block("Quarter", new_field("quarter"), static_select("quarter", quarters, initial=form.default_quarter)),
        input_block("Tag", new_field("tag"), text_input("tag", max_length=MAX_TAG, placeholder="e.g. onboarding"),
                    optional=True, hint="Colleagues can link kudos to it: /kudos @you thanks! #onboarding"),
    ]
    for position in range(1, MAX_KEY_RESULTS + 1):
        first = position == 1
        blocks.append(section(f"*Key result {position}*" + ("" if first else "  _(optional)_")))
        blocks.append(input_block("Key result", new_field("title", position),
                                  text_input("title", max_length=MAX_TITLE,
                                             placeholder="e.g. Weekly active teams" if first else None),
                                  optional=not first))
        blocks.append(input_block("Start value", new_field("start", position), _number_input("start", 0),
                                  optional=True))
        blocks.append(input_block("Target value", new_field("target", position), _number_input("target"),
                                  optional=not first))
        blocks.append(input_block("Unit", new_field("unit", position),
                                  text_input("unit", max_length=MAX_UNIT, placeholder="e.g. %, users, €"),
                                  optional=True))
    return modal("New objective", blocks, callback_id=OkrView.NEW, submit="Create")


def _status_options() -> list[dict[str, Any]]:
    return [option("Automatic (from progress)", AUTO_STATUS),
            *(option(f"{STATUS_EMOJI[s]} {STATUS_LABEL[s]}", s) for s in ("ahead", "on_track", "off_track"))]


def checkin_modal(view: CheckinChoiceView, *, suggest: bool = False) -> Block:
    """`/okr checkin`: the form of one objective, or a list to pick one from (or a nudge to create one).

    `suggest`: a language model is configured (docs/llm.md): off-track key results get "Suggest next steps".
    """
    if view.objectives and len(view.objectives) == 1:
        return checkin_form(view.objectives[0], suggest=suggest)
    blocks: list[Block] = []
    if not view.objectives:
        blocks.append(section(f"You have no objectives for {view.quarter} yet."))
        blocks.append(actions(button("New objective", OkrAction.NEW_OPEN, style="primary")))
    else:
        blocks.append(section(f"*Which objective do you want to check in on?*  ({view.quarter})"))
        for objective in view.objectives[:40]:
            summary = "  ".join(f"{STATUS_EMOJI[kr.status]}" for kr in objective.key_results)
            blocks.append(section(f"*{escape(truncate(objective.title, 300))}*\n{summary or '_No key results_'}",
                                  accessory=button("Check in", SharedAction.CHECK_IN, str(objective.id))))
    return modal("Check in", blocks, callback_id=OkrView.CHECKIN_PICK, submit=None, close="Close")


def checkin_form(objective: ObjectiveView, *, suggest: bool = False, next_steps: dict[int, str] | None = None) -> Block:
    """The check-in modal of one objective: per key result its value, status, obstacles and next steps.

    `suggest` adds "Suggest next steps" beside off-track key results; `next_steps` pre-fills a key result's
    next steps with a picked suggestion (a new action id, so Slack shows it over what was typed before).
    """
    from bot.blocks.llm import suggest_button

    picked = next_steps or {}
    blocks: list[Block] = [section(f"*{escape(truncate(objective.title, 300))}*  ·  {objective.quarter}"),
                           context(last_checkin(objective))]
    for kr in objective.key_results:
        blocks.append(divider())
        blocks.append(section(kr_line(kr), accessory=suggest_button(kr.id)
                              if suggest and kr.status == "off_track" else None))
        blocks.append(input_block(f"Current value (target {number(kr.target)}{' ' + kr.unit if kr.unit else ''})",
                                  checkin_field(kr.id, "value"), _number_input("value", kr.current)))
        blocks.append(input_block("Status", checkin_field(kr.id, "status"),
                                  static_select("status", _status_options(),
                                                initial=kr.explicit_status or AUTO_STATUS)))
        blocks.append(input_block("Obstacles", checkin_field(kr.id, "obstacles"),
                                  text_input("obstacles", multiline=True, max_length=MAX_CHECKIN_NOTE,
                                             placeholder="What is in the way?"), optional=True))
        blocks.append(input_block("Next steps", checkin_field(kr.id, "next_steps"),
                                  text_input("next_steps_suggested" if kr.id in picked else "next_steps",
                                             multiline=True, max_length=MAX_CHECKIN_NOTE, initial=picked.get(kr.id),
                                             placeholder="What will you do next?"), optional=True))
    if not objective.key_results:
        blocks.append(section("_This objective has no key results to check in on._"))
    metadata = json.dumps({"objective": objective.id})
    return modal("Check in", blocks, callback_id=OkrView.CHECKIN, submit="Check in" if objective.key_results
                 else None, close="Cancel", private_metadata=metadata)


__all__ = ["away_text", "checkin_form", "checkin_modal", "checkin_summary", "checkin_summary_text", "last_checkin",
           "new_objective_modal", "objective_message", "objective_text", "okr_list", "usage"]
